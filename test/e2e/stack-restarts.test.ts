import { readJsonLines } from '../support/read-json-lines.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { createDynamoDBClient } from '../../lib/runtime/dynamodb/client.js';
import { freePort, startDynamoDBLocal, type DynamoDBLocal } from '../../lib/local/dynamodb-local/dynamodb-local.js';
import { createLogger } from '../../lib/runtime/logging/logger.js';
import { startLocalStack, type LocalStack, type LocalStackOptions } from '../../lib/local/stack/local-stack.js';
import { loadStackConfig, type StackConfig } from '../../lib/local/stack/stack-config.js';
import { uniqueStage } from '../support/dynamodb.js';
import { observedTable } from './fixtures/observed-table.js';
import { until } from '../support/until.js';

const projectDir = resolve(__dirname, '..', '..');

/** Only a small observed table and its observer: these tests are about the stack's lifecycle, not the actions. */
function observerOnly(stage: string, observerFile: string): StackConfig {
  const config = loadStackConfig({ projectDir, stage });
  config.resources = { ObservedTable: observedTable(stage) };
  config.functions = {
    observer: {
      handler: 'test/e2e/fixtures/observer.handler',
      timeout: 10,
      environment: { OBSERVER_FILE: observerFile },
      events: [{ stream: { type: 'dynamodb', arn: { 'Fn::GetAtt': ['ObservedTable', 'StreamArn'] }, startingPosition: 'TRIM_HORIZON' } }],
    },
  };
  return config;
}

describe('local stack across restarts', { timeout: 240_000 }, () => {
  const work = mkdtempSync(join(tmpdir(), 'stack-restarts-'));
  const observerFile = join(work, 'observed.jsonl');
  const logs: string[] = [];
  const stage = uniqueStage('rs');
  const started: (LocalStack | DynamoDBLocal)[] = [];
  const keysSeen = (eventName: string): string[] =>
    readJsonLines<{ eventName: string; keys: { pk: { S: string } } }>(observerFile)
      .filter((o) => o.eventName === eventName)
      .map((o) => o.keys.pk.S);
  const base = (): LocalStackOptions => ({
    projectDir,
    config: observerOnly(stage, observerFile),
    watch: false,
    healthIntervalMs: 250,
    logger: createLogger({ level: 'info', write: (line) => logs.push(line) }),
    handlerOutput: () => undefined,
  });

  afterAll(async () => {
    for (const running of started.reverse()) await running.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('keeps tables, items and checkpoints on disk: a restarted stack neither replays nor skips', async () => {
    // Prepare
    const disk = { ...base(), port: 0, inMemory: false, dataDir: join(work, 'data'), stateDir: join(work, 'state') };
    const first = await startLocalStack(disk);
    started.push(first);
    let checkpointed = false;
    first.bus.subscribe((event) => {
      if (event.type === 'checkpoint' && event.sequenceNumber !== undefined) checkpointed = true;
    });
    const client = createDynamoDBClient({ endpoint: first.endpoint });
    await client.send(new PutItemCommand({ TableName: `observed-${stage}`, Item: { pk: { S: 'before' } } }));
    await until(() => (keysSeen('INSERT').includes('before') ? true : undefined), 60_000, 'the first INSERT');
    // Delivery is at least once: a record whose checkpoint was not yet written when the stack stopped comes again.
    // What this test holds the stack to is that a written checkpoint is where a restarted stack resumes.
    await until(() => (checkpointed ? true : undefined), 60_000, 'the checkpoint past the first INSERT');
    await first.stop();
    client.destroy();
    // Act
    const second = await startLocalStack(disk);
    started.push(second);
    const again = createDynamoDBClient({ endpoint: second.endpoint });
    await again.send(new PutItemCommand({ TableName: `observed-${stage}`, Item: { pk: { S: 'after' } } }));
    await until(() => (keysSeen('INSERT').includes('after') ? true : undefined), 60_000, 'the INSERT after the restart');
    const kept = await again.send(new GetItemCommand({ TableName: `observed-${stage}`, Key: { pk: { S: 'before' } } }));
    again.destroy();
    await second.stop();
    // Assess
    expect(kept.Item?.pk).toEqual({ S: 'before' });
    expect(keysSeen('INSERT')).toEqual(['before', 'after']);
  });

  it('uses a DynamoDB Local it did not start, and recovers when that one is replaced by an empty one', async () => {
    // Prepare: someone else's in-memory DynamoDB Local
    const port = await freePort();
    const external = await startDynamoDBLocal({ port, inMemory: true, startTimeoutMs: 120_000 });
    started.push(external);
    const stack = await startLocalStack({ ...base(), port, inMemory: true, stateDir: join(work, 'state-external') });
    started.push(stack);
    const client = createDynamoDBClient({ endpoint: stack.endpoint });
    // Act: it goes away and an empty one takes its place
    await external.stop();
    const replacement = await startDynamoDBLocal({ port, inMemory: true, startTimeoutMs: 120_000 });
    started.push(replacement);
    await until(() => (logs.some((line) => line.includes('is back at')) ? true : undefined), 120_000, 'the recovery');
    await stack.whenHealthy();
    await client.send(new PutItemCommand({ TableName: `observed-${stage}`, Item: { pk: { S: 'on-replacement' } } }));
    await until(() => (keysSeen('INSERT').includes('on-replacement') ? true : undefined), 60_000, 'the INSERT on the replacement');
    client.destroy();
    // Assess
    expect(stack.dynamodbPid).toBeUndefined();
    expect(logs.some((line) => line.includes('waiting for it to come back'))).toBe(true);
  });
});
