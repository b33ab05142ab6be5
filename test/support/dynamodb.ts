import { inject } from 'vitest';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createDynamoDBClient } from '../../lib/runtime/dynamodb/client.js';
import { ensureTables } from '../../lib/data/ensure-table.js';
import { readServerlessConfig, type ServerlessConfig } from '../../lib/mapping/serverless-config.js';
import { tableDefinitions } from '../../lib/mapping/table-definition.js';

/** Endpoint of the DynamoDB Local that the test run started. */
export const dynamodbEndpoint = (): string => inject('dynamodbEndpoint');

/** A client of the test run's DynamoDB Local. */
export const localClient = (): DynamoDBClient => createDynamoDBClient({ endpoint: dynamodbEndpoint() });

/** A stage name of its own for one test file, so files can run side by side on one DynamoDB Local. */
export const uniqueStage = (prefix = 't'): string => `${prefix}${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

/** Creates every table of serverless.yml for `stage` and returns the resolved config. */
export async function createStageTables(client: DynamoDBClient, stage: string): Promise<ServerlessConfig> {
  const config = readServerlessConfig({ stage });
  await ensureTables(client, tableDefinitions(config.resources));
  return config;
}
