import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteTableCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import { createDynamoDBClient } from '../../lib/runtime/dynamodb/client.js';
import { createLogger } from '../../lib/runtime/logging/logger.js';
import { createEventSourceMapping, mappingIdOf } from '../../lib/local/engine/event-source-mapping.js';
import { offsetClock } from '../../lib/local/engine/clock.js';
import { MAX_PAYLOAD_BYTES } from '../../lib/local/engine/shard-worker.js';
import { createFileCheckpointStore, createMemoryCheckpointStore } from '../../lib/local/store/checkpoint-store.js';
import { createFileDeadLetterStore, createMemoryDeadLetterStore } from '../../lib/local/store/dead-letter-store.js';
import { localClient } from '../support/dynamodb.js';
import { streamLabelOf } from '../../lib/runtime/arn.js';
import {
  createHarness,
  createStreamTable,
  deleteItem,
  localStreamsClient,
  putItem,
  testSettings,
  waitFor,
  type Harness,
} from './harness.js';
import { startedHarnesses } from './started-harnesses.js';

const client = localClient();
const started = startedHarnesses();
const dirs: string[] = [];

afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

const allDelivered = (harness: Harness) => harness.invocations.flatMap((invocation) => invocation.ids);
const okInvocations = (harness: Harness) => harness.eventsOf('outcome').filter((event) => event.outcome === 'ok');

describe('local event-source mapping on DynamoDB Local', () => {
  it('delivers a write with the exact record shape Lambda uses', async () => {
    // Prepare
    const { tableName, streamArn } = await createStreamTable(client);
    const harness = await started(createHarness(testSettings(tableName)));
    const before = Math.floor(Date.now() / 1000) - 60;
    // Act
    await putItem(client, tableName, { id: 'a', title: 'Dune', bytes: new Uint8Array([1, 2, 3]) });
    await client.send(
      new UpdateItemCommand({
        TableName: tableName,
        Key: { id: { S: 'a' } },
        UpdateExpression: 'SET title = :t',
        ExpressionAttributeValues: { ':t': { S: 'Emma' } },
      }),
    );
    await deleteItem(client, tableName, 'a');
    await harness.mapping.drain();
    // Assess
    const records = harness.invocations.flatMap((invocation) => invocation.event.Records);
    const label = streamLabelOf(streamArn);
    const common = {
      eventID: expect.stringMatching(/.+/),
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: 'us-east-1',
      eventSourceARN: `arn:aws:dynamodb:us-east-1:123456789012:table/${tableName}/stream/${label}`,
    };
    const meta = {
      ApproximateCreationDateTime: expect.any(Number),
      SequenceNumber: expect.stringMatching(/^\d{21,40}$/),
      SizeBytes: expect.any(Number),
      StreamViewType: 'NEW_AND_OLD_IMAGES',
    };
    const image1 = { id: { S: 'a' }, title: { S: 'Dune' }, bytes: { B: 'AQID' } };
    const image2 = { ...image1, title: { S: 'Emma' } };
    expect(records).toEqual([
      { ...common, eventName: 'INSERT', dynamodb: { ...meta, Keys: { id: { S: 'a' } }, NewImage: image1 } },
      { ...common, eventName: 'MODIFY', dynamodb: { ...meta, Keys: { id: { S: 'a' } }, NewImage: image2, OldImage: image1 } },
      { ...common, eventName: 'REMOVE', dynamodb: { ...meta, Keys: { id: { S: 'a' } }, OldImage: image2 } },
    ]);
    expect(Object.keys(records[0]!)).toEqual([
      'eventID',
      'eventName',
      'eventVersion',
      'eventSource',
      'awsRegion',
      'dynamodb',
      'eventSourceARN',
    ]);
    expect(records[0]!.userIdentity).toBeUndefined();
    expect(records[0]!.dynamodb.ApproximateCreationDateTime).toBeGreaterThanOrEqual(before);
    expect(records[0]!.dynamodb.ApproximateCreationDateTime).toBeLessThanOrEqual(Date.now() / 1000);
    expect(new Set(records.map((record) => record.eventID)).size).toBe(3);
  });

  it('keeps the order of the shard, and so per key, across batches', async () => {
    // Prepare
    const { tableName } = await createStreamTable(client);
    const harness = await started(createHarness(testSettings(tableName, { batchSize: 4 })));
    // Act
    for (let version = 1; version <= 6; version += 1) {
      for (const id of ['k1', 'k2', 'k3']) await putItem(client, tableName, { id, version });
    }
    await harness.mapping.drain();
    // Assess
    const records = harness.invocations.flatMap((invocation) => invocation.event.Records);
    const sequence = records.map((record) => BigInt(record.dynamodb.SequenceNumber));
    expect(sequence).toEqual([...sequence].sort((a, b) => (a < b ? -1 : 1)));
    for (const id of ['k1', 'k2', 'k3']) {
      const versions = records
        .filter((record) => record.dynamodb.Keys.id!.S === id)
        .map((record) => Number(record.dynamodb.NewImage!.version.N));
      expect(versions).toEqual([1, 2, 3, 4, 5, 6]);
    }
    expect(harness.invocations.every((invocation) => invocation.ids.length <= 4)).toBe(true);
  });

  it('retries from the lowest reported failure with ReportBatchItemFailures', async () => {
    // Prepare
    const { tableName } = await createStreamTable(client);
    const harness = await started(
      createHarness(testSettings(tableName, { reportBatchItemFailures: true, batchWindowSeconds: 1 }), (event, call) =>
        call === 1
          ? {
              batchItemFailures: [
                { itemIdentifier: event.Records[4]!.dynamodb.SequenceNumber },
                { itemIdentifier: event.Records[2]!.dynamodb.SequenceNumber },
              ],
            }
          : {},
      ),
    );
    // Act
    for (const id of ['r1', 'r2', 'r3', 'r4', 'r5']) await putItem(client, tableName, { id });
    await harness.mapping.drain();
    // Assess
    expect(harness.invocations.map((invocation) => invocation.ids)).toEqual([
      ['r1', 'r2', 'r3', 'r4', 'r5'],
      ['r3', 'r4', 'r5'],
    ]);
    const failedAt = harness.invocations[0]!.sequenceNumbers[2];
    expect(harness.eventsOf('outcome')[0]).toMatchObject({
      outcome: 'partial',
      failedAt,
      batchSize: 5,
      next: { kind: 'retry', retry: 1, fromSequenceNumber: failedAt },
    });
  });

  it('bisects around a poison record, retries it maximumRetryAttempts times, dead-letters it and lets later records flow', async () => {
    // Prepare
    const { tableName } = await createStreamTable(client);
    const dir = await mkdtemp(join(tmpdir(), 'esm-dlq-'));
    dirs.push(dir);
    const deadLetters = createFileDeadLetterStore({ dir });
    const settings = testSettings(tableName, {
      batchSize: 4,
      batchWindowSeconds: 1,
      bisectBatchOnFunctionError: true,
      maximumRetryAttempts: 2,
      onFailureDestination: 'TestDlq',
    });
    const harness = await started(
      createHarness(
        settings,
        (event) => {
          if (event.Records.some((record) => record.dynamodb.NewImage?.poison)) throw new TypeError('cannot digest poison');
          return undefined;
        },
        { deadLetters },
      ),
    );
    // Act
    for (const id of ['p1', 'p2', 'p3', 'p4']) await putItem(client, tableName, { id, ...(id === 'p3' ? { poison: true } : {}) });
    await harness.mapping.drain();
    await putItem(client, tableName, { id: 'p5' });
    await harness.mapping.drain();
    // Assess
    const calls = harness.invocations.map((invocation) => invocation.ids);
    expect(calls).toEqual([['p1', 'p2', 'p3', 'p4'], ['p1', 'p2'], ['p3', 'p4'], ['p3'], ['p3'], ['p3'], ['p4'], ['p5']]);
    const entries = await deadLetters.list('testFunction');
    expect(entries).toHaveLength(1);
    const poison = harness.invocations[3]!.event.Records[0]!;
    expect(entries[0]).toEqual({
      id: expect.any(String),
      functionName: 'testFunction',
      destination: 'TestDlq',
      payload: {
        requestContext: {
          requestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
          functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:testFunction',
          condition: 'RetryAttemptsExhausted',
          approximateInvokeCount: 3,
        },
        responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
        version: '1.0',
        timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        DDBStreamBatchInfo: {
          shardId: expect.stringMatching(/^shardId-/),
          startSequenceNumber: poison.dynamodb.SequenceNumber,
          endSequenceNumber: poison.dynamodb.SequenceNumber,
          approximateArrivalOfFirstRecord: new Date(poison.dynamodb.ApproximateCreationDateTime * 1000).toISOString().replace('.000Z', 'Z'),
          approximateArrivalOfLastRecord: new Date(poison.dynamodb.ApproximateCreationDateTime * 1000).toISOString().replace('.000Z', 'Z'),
          batchSize: 1,
          streamArn: poison.eventSourceARN,
        },
      },
    });
    const poisonOutcomes = harness
      .eventsOf('outcome')
      .filter((event) => event.firstSequenceNumber === poison.dynamodb.SequenceNumber && event.batchSize === 1);
    expect(poisonOutcomes.map((event) => [event.errorType, event.errorMessage, event.next])).toEqual([
      ['TypeError', 'cannot digest poison', { kind: 'retry', retry: 1, maxRetries: 2, fromSequenceNumber: poison.dynamodb.SequenceNumber }],
      ['TypeError', 'cannot digest poison', { kind: 'retry', retry: 2, maxRetries: 2, fromSequenceNumber: poison.dynamodb.SequenceNumber }],
      ['TypeError', 'cannot digest poison', { kind: 'deadLetter', invocations: 3 }],
    ]);
    expect(harness.eventsOf('split').map((event) => [event.at, event.parts])).toEqual([
      ['half', [2, 2]],
      ['half', [1, 1]],
    ]);
    expect(harness.eventsOf('deadLetter')).toEqual([
      expect.objectContaining({
        condition: 'RetryAttemptsExhausted',
        deadLetterId: entries[0]!.id,
        batchSize: 1,
        destination: 'TestDlq',
        invocations: 3,
      }),
    ]);
  });

  it.each([
    ['an empty itemIdentifier', () => ({ batchItemFailures: [{ itemIdentifier: '' }] })],
    ['a null itemIdentifier', () => ({ batchItemFailures: [{ itemIdentifier: null }] })],
    ['a wrong key name', (seq: string) => ({ batchItemFailures: [{ itemIdentifer: seq }] })],
    ['an unknown sequence number', () => ({ batchItemFailures: [{ itemIdentifier: '999999999999999999999999' }] })],
  ])('fails the whole batch on a response with %s', async (_name, malformed) => {
    // Prepare
    const { tableName } = await createStreamTable(client);
    const harness = await started(
      createHarness(testSettings(tableName, { reportBatchItemFailures: true, batchWindowSeconds: 1 }), (event, call) =>
        call === 1 ? malformed(event.Records[1]!.dynamodb.SequenceNumber) : undefined,
      ),
    );
    // Act
    for (const id of ['m1', 'm2', 'm3']) await putItem(client, tableName, { id });
    await harness.mapping.drain();
    // Assess
    expect(harness.invocations.map((invocation) => invocation.ids)).toEqual([
      ['m1', 'm2', 'm3'],
      ['m1', 'm2', 'm3'],
    ]);
    expect(harness.eventsOf('outcome')[0]).toMatchObject({
      outcome: 'error',
      errorType: 'MalformedBatchResponse',
      next: { kind: 'retry', retry: 1 },
    });
  });

  it('counts an invocation the invoker timed out (Sandbox.Timedout) as a timeout, like Lambda, and retries it', async () => {
    // Prepare: the invoker (the function runner under npm start) reports the timeout
    const { tableName } = await createStreamTable(client);
    const timedOut = Object.assign(new Error('RequestId: r1 Error: Task timed out after 0.20 seconds'), { name: 'Sandbox.Timedout' });
    const harness = await started(
      createHarness(testSettings(tableName, { functionTimeoutSeconds: 0.2, maximumRetryAttempts: 1 }), (_event, call) => {
        if (call === 1) throw timedOut;
      }),
    );
    // Act
    await putItem(client, tableName, { id: 'slow' });
    await harness.mapping.drain();
    // Assess
    expect(harness.invocations.map((invocation) => invocation.ids)).toEqual([['slow'], ['slow']]);
    expect(harness.eventsOf('outcome').map((event) => [event.outcome, event.errorType, event.next.kind])).toEqual([
      ['timeout', 'Sandbox.Timedout', 'retry'],
      ['ok', undefined, 'ack'],
    ]);
  });

  it("runs no timer of its own: the function timeout is the invoker's, which starts it after the init phase", async () => {
    // Prepare: an invocation that takes longer than the timeout, as a cold start with a slow init does
    const { tableName } = await createStreamTable(client);
    const harness = await started(
      createHarness(testSettings(tableName, { functionTimeoutSeconds: 0.2, maximumRetryAttempts: 1 }), async () => {
        await new Promise((resolve) => setTimeout(resolve, 600));
      }),
    );
    // Act
    await putItem(client, tableName, { id: 'cold' });
    await harness.mapping.drain();
    // Assess: the engine passed the timeout on and took the invoker's answer
    expect(harness.invocations.map((invocation) => invocation.ids)).toEqual([['cold']]);
    expect(harness.eventsOf('outcome').map((event) => [event.outcome, event.next.kind])).toEqual([['ok', 'ack']]);
  });

  it('ignores batchItemFailures when the mapping does not report them', async () => {
    const { tableName } = await createStreamTable(client);
    const harness = await started(
      createHarness(testSettings(tableName), (event) => ({
        batchItemFailures: [{ itemIdentifier: event.Records[0]!.dynamodb.SequenceNumber }],
      })),
    );
    await putItem(client, tableName, { id: 'i1' });
    await harness.mapping.drain();
    expect(harness.invocations.map((invocation) => invocation.ids)).toEqual([['i1']]);
  });

  it('retries the whole batch after an error without ReportBatchItemFailures', async () => {
    const { tableName } = await createStreamTable(client);
    const harness = await started(
      createHarness(testSettings(tableName, { batchWindowSeconds: 1 }), (_event, call) => {
        if (call < 3) throw new Error(`failure ${call}`);
      }),
    );
    for (const id of ['w1', 'w2']) await putItem(client, tableName, { id });
    await harness.mapping.drain();
    expect(harness.invocations.map((invocation) => invocation.ids)).toEqual([
      ['w1', 'w2'],
      ['w1', 'w2'],
      ['w1', 'w2'],
    ]);
    expect(harness.eventsOf('outcome').map((event) => [event.outcome, event.errorMessage, event.next])).toEqual([
      ['error', 'failure 1', { kind: 'retry', retry: 1, maxRetries: -1, fromSequenceNumber: harness.invocations[0]!.sequenceNumbers[0] }],
      ['error', 'failure 2', { kind: 'retry', retry: 2, maxRetries: -1, fromSequenceNumber: harness.invocations[0]!.sequenceNumbers[0] }],
      ['ok', undefined, { kind: 'ack' }],
    ]);
  });

  it('applies filter patterns before batching and checkpoints past filtered-out records', async () => {
    // Prepare
    const { tableName, streamArn } = await createStreamTable(client);
    const filterPatterns = [
      { eventName: ['INSERT'], dynamodb: { NewImage: { status: { S: ['SHIPPED'] } } } },
      { dynamodb: { Keys: { id: { S: [{ prefix: 'vip-' }] } } } },
    ];
    const harness = await started(createHarness(testSettings(tableName, { filterPatterns, batchWindowSeconds: 1 })));
    // Act
    await putItem(client, tableName, { id: 'f1', status: 'SHIPPED' });
    await putItem(client, tableName, { id: 'f2', status: 'PENDING' });
    await putItem(client, tableName, { id: 'vip-1', status: 'PENDING' });
    await putItem(client, tableName, { id: 'f1', status: 'SHIPPED', again: true });
    await putItem(client, tableName, { id: 'f3', status: 'PENDING' });
    await harness.mapping.drain();
    // Assess
    expect(allDelivered(harness)).toEqual(['f1', 'vip-1']);
    const everything = await started(createHarness(testSettings(tableName)));
    await everything.mapping.drain();
    const lastWritten = everything.invocations.flatMap((invocation) => invocation.sequenceNumbers).at(-1);
    expect(allDelivered(everything)).toEqual(['f1', 'f2', 'vip-1', 'f1', 'f3']);
    const checkpoints = Object.values(await harness.checkpoints.list(mappingIdOf('testFunction', tableName, streamArn)));
    expect(checkpoints).toHaveLength(1);
    expect(checkpoints[0]!.sequenceNumber).toBe(lastWritten);
  });

  it('filters and delivers what the record decorator made of a record (the TTL userIdentity)', async () => {
    // Prepare
    const { tableName } = await createStreamTable(client);
    const ttl = { type: 'Service', principalId: 'dynamodb.amazonaws.com' };
    const harness = await started(
      createHarness(testSettings(tableName, { filterPatterns: [{ userIdentity: { type: ['Service'] } }] }), undefined, {
        recordDecorator: (record) =>
          record.eventName === 'REMOVE' && record.dynamodb.Keys?.id && (record.dynamodb.Keys.id as { S: string }).S === 'expired'
            ? { ...record, userIdentity: ttl }
            : record,
      }),
    );
    // Act
    for (const id of ['expired', 'deleted']) {
      await putItem(client, tableName, { id });
      await deleteItem(client, tableName, id);
    }
    await harness.mapping.drain();
    // Assess
    expect(harness.invocations.map((invocation) => invocation.ids)).toEqual([['expired']]);
    expect(harness.invocations[0]!.event.Records[0]).toMatchObject({ eventName: 'REMOVE', userIdentity: ttl });
  });

  it('holds records for the batching window and delivers them in one batch', async () => {
    const { tableName } = await createStreamTable(client);
    const harness = await started(createHarness(testSettings(tableName, { batchSize: 100, batchWindowSeconds: 2 })));
    for (const id of ['b1', 'b2', 'b3', 'b4', 'b5']) await putItem(client, tableName, { id });
    await harness.mapping.drain();
    expect(harness.invocations.map((invocation) => invocation.ids)).toEqual([['b1', 'b2', 'b3', 'b4', 'b5']]);
  });

  it('closes a batch at batchSize', async () => {
    const { tableName } = await createStreamTable(client);
    const harness = await started(createHarness(testSettings(tableName, { batchSize: 3, batchWindowSeconds: 2 })));
    for (let i = 1; i <= 7; i += 1) await putItem(client, tableName, { id: `s${i}` });
    await harness.mapping.drain();
    expect(harness.invocations.map((invocation) => invocation.ids)).toEqual([['s1', 's2', 's3'], ['s4', 's5', 's6'], ['s7']]);
  });

  it('closes a batch before the invocation payload limit (6 MB; 100 KB here to keep the test fast)', async () => {
    // Prepare: 12 items of about 20 KB make 240 KB, more than one 100 KB invocation may carry.
    const { tableName } = await createStreamTable(client);
    for (let i = 10; i < 22; i += 1) await putItem(client, tableName, { id: `big${i}`, blob: 'x'.repeat(20_000) });
    const harness = createHarness(testSettings(tableName, { batchSize: 100, batchWindowSeconds: 1 }), undefined, {
      maxPayloadBytes: 100_000,
    });
    // Act
    await started(harness);
    await harness.mapping.drain();
    // Assess
    const sizes = harness.invocations.map((invocation) => Buffer.byteLength(JSON.stringify(invocation.event)));
    expect(sizes.length).toBe(3);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(100_000);
    expect(sizes[0]).toBeGreaterThan(80_000);
    expect(allDelivered(harness)).toEqual(Array.from({ length: 12 }, (_, i) => `big${i + 10}`));
  });

  it("uses Lambda's 6 MB limit by default", () => {
    expect(MAX_PAYLOAD_BYTES).toBe(6 * 1024 * 1024);
  });

  it('resumes after a restart from the durable checkpoint: no replay, no skip', async () => {
    // Prepare
    const { tableName } = await createStreamTable(client);
    const dir = await mkdtemp(join(tmpdir(), 'esm-checkpoints-'));
    dirs.push(dir);
    const first = await started(createHarness(testSettings(tableName), undefined, { checkpoints: createFileCheckpointStore({ dir }) }));
    for (const id of ['c1', 'c2', 'c3']) await putItem(client, tableName, { id });
    await first.mapping.drain();
    await first.mapping.stop();
    // Act
    for (const id of ['c4', 'c5']) await putItem(client, tableName, { id });
    const second = await started(createHarness(testSettings(tableName), undefined, { checkpoints: createFileCheckpointStore({ dir }) }));
    await putItem(client, tableName, { id: 'c6' });
    await second.mapping.drain();
    // Assess
    expect(allDelivered(first)).toEqual(['c1', 'c2', 'c3']);
    expect(allDelivered(second)).toEqual(['c4', 'c5', 'c6']);
  });

  it('does not acknowledge a batch interrupted by stop: it comes again after the restart', async () => {
    const { tableName } = await createStreamTable(client);
    const dir = await mkdtemp(join(tmpdir(), 'esm-checkpoints-'));
    dirs.push(dir);
    const first = await started(
      createHarness(
        testSettings(tableName),
        () => {
          throw new Error('down');
        },
        { checkpoints: createFileCheckpointStore({ dir }) },
      ),
    );
    await putItem(client, tableName, { id: 'x1' });
    await waitFor(() => first.invocations.length >= 2, 'a retry');
    await first.mapping.stop();
    const second = await started(createHarness(testSettings(tableName), undefined, { checkpoints: createFileCheckpointStore({ dir }) }));
    await second.mapping.drain();
    expect(allDelivered(second)).toEqual(['x1']);
  });

  it('starts at LATEST only when there is no checkpoint', async () => {
    const { tableName } = await createStreamTable(client);
    await putItem(client, tableName, { id: 'old' });
    const harness = await started(createHarness(testSettings(tableName, { startingPosition: 'LATEST' })));
    await putItem(client, tableName, { id: 'new' });
    await harness.mapping.drain();
    expect(allDelivered(harness)).toEqual(['new']);
  });

  it('keeps what was written while a LATEST mapping was stopped, even when it had delivered nothing yet', async () => {
    // Prepare
    const { tableName } = await createStreamTable(client);
    await putItem(client, tableName, { id: 'before-start' });
    const checkpoints = createMemoryCheckpointStore();
    const settings = testSettings(tableName, { startingPosition: 'LATEST' });
    const first = await started(createHarness(settings, undefined, { checkpoints }));
    await first.mapping.drain();
    await first.mapping.stop();
    // Act
    await putItem(client, tableName, { id: 'while-stopped' });
    const second = await started(createHarness(settings, undefined, { checkpoints }));
    await putItem(client, tableName, { id: 'after-restart' });
    await second.mapping.drain();
    // Assess
    expect(allDelivered(first)).toEqual([]);
    expect(allDelivered(second)).toEqual(['while-stopped', 'after-restart']);
  });

  it('dead-letters records older than maximumRecordAgeInSeconds and moves on', async () => {
    // Prepare
    const { tableName } = await createStreamTable(client);
    let skew = 0;
    const harness = await started(
      createHarness(
        testSettings(tableName, { maximumRecordAgeInSeconds: 60, maximumRetryAttempts: -1 }),
        (event) => {
          if (event.Records.some((record) => record.dynamodb.Keys.id!.S === 'aged')) throw new Error('still failing');
        },
        { clock: offsetClock(() => skew) },
      ),
    );
    await putItem(client, tableName, { id: 'aged' });
    await waitFor(() => harness.invocations.length >= 2, 'the first retries');
    // Act: two minutes pass while the record keeps failing.
    skew = 120_000;
    await waitFor(() => harness.eventsOf('deadLetter').some((event) => event.condition === 'RecordAgeExceeded'), 'the record to expire');
    skew = 0;
    await putItem(client, tableName, { id: 'fresh' });
    await harness.mapping.drain();
    // Assess
    const entries = await harness.deadLetters.list();
    expect(entries).toHaveLength(1);
    expect(entries[0]!.payload.requestContext.condition).toBe('RecordAgeExceeded');
    expect(entries[0]!.payload.requestContext.approximateInvokeCount).toBeGreaterThanOrEqual(2);
    expect(entries[0]!.payload.DDBStreamBatchInfo.batchSize).toBe(1);
    expect(harness.invocations.at(-1)!.ids).toEqual(['fresh']);
    expect(okInvocations(harness)).toHaveLength(1);
  });

  it('carries tumbling-window state between invocations and ends the window with a final invocation', async () => {
    // Prepare
    const { tableName } = await createStreamTable(client);
    const harness = await started(
      createHarness(testSettings(tableName, { batchSize: 1, tumblingWindowInSeconds: 2 }), (event) => {
        const count = Number((event.state as { count?: number }).count ?? 0);
        return { state: { count: count + event.Records.length } };
      }),
    );
    // Act
    for (const id of ['t1', 't2', 't3']) await putItem(client, tableName, { id });
    await harness.mapping.drain();
    await waitFor(
      () => harness.invocations.some((invocation) => invocation.event.isFinalInvokeForWindow),
      'the final invocation of a window',
      5_000,
    );
    // Assess
    const delivered = harness.invocations.filter((invocation) => !invocation.event.isFinalInvokeForWindow);
    const finals = harness.invocations.filter((invocation) => invocation.event.isFinalInvokeForWindow);
    for (const invocation of harness.invocations) {
      expect(invocation.event).toMatchObject({
        shardId: expect.stringMatching(/^shardId-/),
        eventSourceARN: expect.stringContaining(tableName),
        isWindowTerminatedEarly: false,
      });
      const { start, end } = invocation.event.window as { start: string; end: string };
      expect(Date.parse(end) - Date.parse(start)).toBe(2_000);
    }
    const firstWindow = (delivered[0]!.event.window as { start: string }).start;
    const inFirstWindow = delivered.filter((invocation) => (invocation.event.window as { start: string }).start === firstWindow);
    expect(inFirstWindow.map((invocation) => invocation.event.state)).toEqual(
      inFirstWindow.map((_, index) => (index === 0 ? {} : { count: index })),
    );
    expect(finals[0]!.event).toMatchObject({ Records: [], window: { start: firstWindow }, state: { count: inFirstWindow.length } });
  });

  it('runs batches of one shard in parallel while keeping the order per item key', async () => {
    // Prepare
    const { tableName } = await createStreamTable(client);
    const harness = await started(
      createHarness(testSettings(tableName, { parallelizationFactor: 4, batchSize: 2 }), async () => {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }),
    );
    const keys = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
    // Act
    for (let version = 1; version <= 4; version += 1) for (const id of keys) await putItem(client, tableName, { id, version });
    await harness.mapping.drain();
    // Assess
    const records = harness.invocations.flatMap((invocation) => invocation.event.Records);
    expect(records).toHaveLength(32);
    for (const id of keys) {
      const versions = records
        .filter((record) => record.dynamodb.Keys.id!.S === id)
        .map((record) => Number(record.dynamodb.NewImage!.version.N));
      expect(versions).toEqual([1, 2, 3, 4]);
    }
    expect(harness.maxConcurrency()).toBeGreaterThan(1);
  });

  it('follows the new stream of a table that was deleted and created again (DynamoDB Local restarted in memory)', async () => {
    // Prepare
    const { tableName } = await createStreamTable(client);
    const harness = await started(createHarness(testSettings(tableName)));
    await putItem(client, tableName, { id: 'first-life' });
    await harness.mapping.drain();
    // Act
    await client.send(new DeleteTableCommand({ TableName: tableName }));
    await new Promise((resolve) => setTimeout(resolve, 300));
    await createStreamTable(client, 'NEW_AND_OLD_IMAGES', tableName);
    await putItem(client, tableName, { id: 'second-life' });
    await waitFor(() => allDelivered(harness).includes('second-life'), 'the record of the new stream');
    // Assess
    expect(allDelivered(harness)).toEqual(['first-life', 'second-life']);
    expect(harness.eventsOf('streamReset').some((event) => event.reason === 'new-stream' || event.reason === 'stream-gone')).toBe(true);
  });

  it('does not run when enabled is false', async () => {
    const { tableName } = await createStreamTable(client);
    const harness = await started(createHarness(testSettings(tableName, { enabled: false })));
    await putItem(client, tableName, { id: 'e1' });
    await harness.mapping.drain();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(harness.invocations).toEqual([]);
    expect(harness.logs.map((line) => line.message)).toContain(
      `testFunction: stream mapping of table ${tableName} is disabled (enabled: false); not polling`,
    );
  });

  it('warns once, keeps trying and never crashes when DynamoDB Local is unreachable', async () => {
    // Prepare: a port nothing listens on.
    const endpoint = 'http://127.0.0.1:9';
    const logs: Array<Record<string, unknown>> = [];
    const mapping = createEventSourceMapping({
      streams: localStreamsClient(endpoint),
      dynamodb: createDynamoDBClient({ endpoint }),
      settings: testSettings('unreachable-table'),
      invoke: async () => ({ ok: true, response: undefined }),
      checkpoints: createMemoryCheckpointStore(),
      deadLetters: createMemoryDeadLetterStore(),
      logger: createLogger({ write: (line) => logs.push(JSON.parse(line)) }),
      pollIntervalMs: 20,
      describeIntervalMs: 20,
    });
    try {
      // Act
      await mapping.start();
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      // Assess
      const warnings = logs.filter((line) => line.level === 'warn');
      expect(warnings).toHaveLength(1);
      expect(String(warnings[0]!.message)).toMatch(/not reachable .*resumes by itself/);
      await expect(mapping.drain(200)).rejects.toThrow(/still not handled/);
    } finally {
      await mapping.stop();
    }
  });
});
