import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createLogger } from '../../../lib/runtime/logging/logger.js';
import { createEventSourceMapping } from '../../../lib/local/engine/event-source-mapping.js';
import { createMemoryCheckpointStore, type CheckpointStore } from '../../../lib/local/store/checkpoint-store.js';
import type { DeadLetterStore } from '../../../lib/local/store/dead-letter-store.js';
import type { ServerlessConfig } from '../../../lib/mapping/serverless-config.js';
import { dynamodbEndpoint } from '../../support/dynamodb.js';
import { functionActions, inProcessInvoke, streamMappingOf, streamsClient } from './function-under-test.js';

export interface FunctionMappingRun {
  functionName: 'booksStream' | 'ordersStream';
  dynamodb: DynamoDBClient;
  /** serverless.yml of the test's stage: the mapping's settings are the function's own. */
  config: ServerlessConfig;
  deadLetters: DeadLetterStore;
  /** Where the mapping resumes from; a fresh memory store (from the stream's start) when absent. */
  checkpoints?: CheckpointStore;
}

/**
 * Runs the function's real mapping on DynamoDB Local around `writes`, until every record is handled: its own
 * settings (no batching window), its real handler in this process, retries and polls short enough for a test.
 */
export async function runFunctionMapping(run: FunctionMappingRun, writes: () => Promise<unknown>): Promise<void> {
  const { invoke } = inProcessInvoke(await functionActions(run.functionName));
  const mapping = createEventSourceMapping({
    streams: streamsClient(dynamodbEndpoint()),
    dynamodb: run.dynamodb,
    settings: { ...streamMappingOf(run.config, run.functionName), batchWindowSeconds: 0 },
    invoke,
    checkpoints: run.checkpoints ?? createMemoryCheckpointStore(),
    deadLetters: run.deadLetters,
    logger: createLogger({ level: 'silent' }),
    pollIntervalMs: 50,
    describeIntervalMs: 200,
    retryBaseDelayMs: 5,
    retryMaxDelayMs: 40,
    region: 'us-east-1',
    accountId: '000000000000',
  });
  await mapping.start();
  try {
    await writes();
    await mapping.drain(30_000);
  } finally {
    await mapping.stop();
  }
}
