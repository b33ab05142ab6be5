import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../lib/runtime/logging/logger.js';
import type { EngineEvent } from '../../lib/local/engine/engine-event.js';
import { createEventSourceMapping, mappingIdOf, type EventSourceMapping } from '../../lib/local/engine/event-source-mapping.js';
import { createMemoryCheckpointStore } from '../../lib/local/store/checkpoint-store.js';
import { createMemoryDeadLetterStore } from '../../lib/local/store/dead-letter-store.js';
// DynamoDB Local cannot be made to close a shard or expire an iterator on demand: an in-memory Streams service plays those moments.
import { FakeStreams, record, STREAM_ARN } from '../support/memory-streams.js';
import { testSettings } from './harness.js';

const running: EventSourceMapping[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((mapping) => mapping.stop()));
});

function mappingOn(streams: FakeStreams, delivered: Array<{ shardId: string; ids: string[] }>, shardOf: (id: string) => string) {
  const checkpoints = createMemoryCheckpointStore();
  const logs: Array<Record<string, unknown>> = [];
  const events: EngineEvent[] = [];
  const mapping = createEventSourceMapping({
    streams: streams as unknown as DynamoDBStreamsClient,
    dynamodb: {} as DynamoDBClient,
    settings: { ...testSettings('lifecycle', { batchSize: 10 }), streamArn: STREAM_ARN },
    invoke: async (event) => {
      const ids = (event as { Records: Array<{ dynamodb: { Keys: { id: { S: string } } } }> }).Records.map((r) => r.dynamodb.Keys.id.S);
      delivered.push({ shardId: shardOf(ids[0]!), ids });
      return { ok: true, response: undefined };
    },
    checkpoints,
    deadLetters: createMemoryDeadLetterStore(),
    logger: createLogger({ write: (line) => logs.push(JSON.parse(line)) }),
    onEvent: (event) => events.push(event),
    pollIntervalMs: 10,
    describeIntervalMs: 20,
  });
  running.push(mapping);
  return { mapping, checkpoints, logs, events };
}

describe('shard lifecycle', () => {
  it('finishes a closed parent shard before it reads its child, and picks up shards opened later', async () => {
    // Prepare
    const streams = new FakeStreams();
    streams.shards.push({ id: 'shard-parent', closed: true, records: ['p1', 'p2', 'p3'].map(record) });
    streams.shards.push({ id: 'shard-child', parent: 'shard-parent', closed: false, records: ['c1', 'c2'].map(record) });
    const delivered: Array<{ shardId: string; ids: string[] }> = [];
    const { mapping, checkpoints } = mappingOn(streams, delivered, (id) =>
      id.startsWith('p') ? 'shard-parent' : id.startsWith('c') ? 'shard-child' : 'shard-grandchild',
    );
    // Act
    await mapping.start();
    await mapping.drain(5_000);
    streams.shards[1]!.closed = true;
    streams.shards.push({ id: 'shard-grandchild', parent: 'shard-child', closed: false, records: ['g1'].map(record) });
    await mapping.drain(5_000);
    // Assess
    expect(delivered.flatMap((batch) => batch.ids)).toEqual(['p1', 'p2', 'p3', 'c1', 'c2', 'g1']);
    const firstChildRead = streams.log.findIndex((line) => line.startsWith('iterator shard-child'));
    const lastParentRead = streams.log.findLastIndex((line) => line.startsWith('read shard-parent'));
    expect(firstChildRead).toBeGreaterThan(lastParentRead);
    const saved = await checkpoints.list(mappingIdOf('testFunction', 'lifecycle', STREAM_ARN));
    expect(saved['shard-parent']).toMatchObject({
      shardEnded: true,
      sequenceNumber: streams.shards[0]!.records[2]!.dynamodb!.SequenceNumber,
    });
    expect(saved['shard-child']).toMatchObject({ shardEnded: true });
    expect(saved['shard-grandchild']).toMatchObject({ sequenceNumber: streams.shards[2]!.records[0]!.dynamodb!.SequenceNumber });
  });

  it('renews an expired iterator after the last record read: nothing replayed, nothing skipped', async () => {
    // Prepare
    const streams = new FakeStreams();
    streams.shards.push({ id: 'shard-1', closed: false, records: ['a1', 'a2', 'a3', 'a4', 'a5'].map(record) });
    const delivered: Array<{ shardId: string; ids: string[] }> = [];
    const { mapping } = mappingOn(streams, delivered, () => 'shard-1');
    await mapping.start();
    await mapping.drain(5_000);
    // Act
    streams.errors.push({ name: 'ExpiredIteratorException', message: 'Iterator expired' });
    streams.shards[0]!.records.push(...['a6', 'a7'].map(record));
    await mapping.drain(5_000);
    // Assess
    expect(delivered.flatMap((batch) => batch.ids)).toEqual(['a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'a7']);
    expect(streams.log).toContain(`iterator shard-1 AFTER_SEQUENCE_NUMBER ${streams.shards[0]!.records[4]!.dynamodb!.SequenceNumber}`);
  });

  it('continues from the oldest record left when the records after the checkpoint were trimmed', async () => {
    // Prepare
    const streams = new FakeStreams();
    streams.shards.push({ id: 'shard-1', closed: false, records: ['t1'].map(record) });
    const delivered: Array<{ shardId: string; ids: string[] }> = [];
    const { mapping, events } = mappingOn(streams, delivered, () => 'shard-1');
    await mapping.start();
    await mapping.drain(5_000);
    // Act: 24 hours pass: t1 and what followed it are gone, t9 is the oldest record left.
    const t1 = streams.shards[0]!.records[0]!.dynamodb!.SequenceNumber;
    streams.errors.push({ name: 'TrimmedDataAccessException', message: 'trimmed' });
    streams.shards[0]!.records.splice(0, 1, record('t9'));
    await mapping.drain(5_000);
    // Assess
    expect(delivered.flatMap((batch) => batch.ids)).toEqual(['t1', 't9']);
    expect(events.filter((event) => event.type === 'recordsTrimmed')).toEqual([
      { type: 'recordsTrimmed', functionName: 'testFunction', shardId: 'shard-1', after: t1 },
    ]);
  });
});
