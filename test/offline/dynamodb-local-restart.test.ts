import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createDynamoDBClient } from '../../lib/runtime/dynamodb/client.js';
import { freePort, startDynamoDBLocal, type DynamoDBLocal } from '../../lib/local/dynamodb-local/dynamodb-local.js';
import { createLogger } from '../../lib/runtime/logging/logger.js';
import { createEventSourceMapping } from '../../lib/local/engine/event-source-mapping.js';
import { createMemoryCheckpointStore } from '../../lib/local/store/checkpoint-store.js';
import { createMemoryDeadLetterStore } from '../../lib/local/store/dead-letter-store.js';
import { createStreamTable, localStreamsClient, putItem, testSettings, waitFor } from './harness.js';

// This file runs a DynamoDB Local of its own (on disk), because it stops and restarts it.
let instance: DynamoDBLocal | undefined;
let dir: string | undefined;
afterAll(async () => {
  await instance?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('DynamoDB Local restart', () => {
  it('warns once while DynamoDB Local is down and resumes from the checkpoint when it is back: no replay, no skip', async () => {
    // Prepare
    dir = await mkdtemp(join(tmpdir(), 'esm-ddb-'));
    const port = await freePort();
    instance = await startDynamoDBLocal({ port, inMemory: false, dbPath: dir, startTimeoutMs: 60_000 });
    const client = createDynamoDBClient({ endpoint: instance.endpoint });
    const { tableName } = await createStreamTable(client);
    const delivered: string[] = [];
    const logs: Array<Record<string, unknown>> = [];
    const mapping = createEventSourceMapping({
      streams: localStreamsClient(instance.endpoint),
      dynamodb: client,
      settings: testSettings(tableName),
      invoke: async (event) => {
        for (const record of (event as { Records: Array<{ dynamodb: { Keys: { id: { S: string } } } }> }).Records)
          delivered.push(record.dynamodb.Keys.id.S);
        return { ok: true, response: undefined };
      },
      checkpoints: createMemoryCheckpointStore(),
      deadLetters: createMemoryDeadLetterStore(),
      logger: createLogger({ write: (line) => logs.push(JSON.parse(line)) }),
      pollIntervalMs: 50,
      describeIntervalMs: 100,
    });
    await mapping.start();
    try {
      await putItem(client, tableName, { id: 'before' });
      await mapping.drain();
      // Act
      await instance.stop();
      await waitFor(() => logs.some((line) => line.level === 'warn'), 'the unreachable warning', 20_000);
      instance = await startDynamoDBLocal({ port, inMemory: false, dbPath: dir, startTimeoutMs: 60_000 });
      await putItem(client, tableName, { id: 'after' });
      await mapping.drain(30_000);
      // Assess
      expect(delivered).toEqual(['before', 'after']);
      const warnings = logs.filter((line) => line.level === 'warn').map((line) => line.message);
      expect(warnings).toEqual([expect.stringContaining(`DynamoDB Local at ${instance.endpoint} is not reachable`)]);
      expect(logs.some((line) => String(line.message).includes('answers again'))).toBe(true);
    } finally {
      await mapping.stop();
    }
  }, 180_000);
});
