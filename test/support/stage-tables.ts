import { beforeAll } from 'vitest';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createStageTables, localClient, uniqueStage } from './dynamodb.js';

/** A test file's own stage on the test run's DynamoDB Local, and the client to reach it. */
export interface StageTables {
  readonly client: DynamoDBClient;
  readonly stage: string;
}

/**
 * For a test file: a stage of its own (named from `prefix`) whose serverless.yml tables are created before
 * its tests run, so files work side by side on one DynamoDB Local.
 */
export function stageTables(prefix: string): StageTables {
  const client = localClient();
  const stage = uniqueStage(prefix);
  beforeAll(async () => {
    await createStageTables(client, stage);
  });
  return { client, stage };
}
