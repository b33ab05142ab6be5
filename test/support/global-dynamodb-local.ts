import type { TestProject } from 'vitest/node';
import { startDynamoDBLocal, type DynamoDBLocal } from '../../lib/local/dynamodb-local/dynamodb-local.js';

declare module 'vitest' {
  export interface ProvidedContext {
    dynamodbEndpoint: string;
  }
}

let instance: DynamoDBLocal | undefined;

/** Starts one real DynamoDB Local (AWS's jar) for the whole test run, on a free port. */
export async function setup(project: TestProject): Promise<void> {
  instance = await startDynamoDBLocal({ port: 0, inMemory: true });
  project.provide('dynamodbEndpoint', instance.endpoint);
  process.stderr.write(`[test] DynamoDB Local ${instance.endpoint} (pid ${instance.pid})\n`);
}

export async function teardown(): Promise<void> {
  await instance?.stop();
}
