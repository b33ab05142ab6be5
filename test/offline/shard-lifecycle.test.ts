import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBStreamsClient, _Record as StreamsRecord } from '@aws-sdk/client-dynamodb-streams';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../lib/logging/logger.js';
import { createEventSourceMapping, mappingIdOf, type EventSourceMapping } from '../../lib/offline/mapping/event-source-mapping.js';
import { createMemoryCheckpointStore } from '../../lib/offline/store/checkpoint-store.js';
import { createMemoryDeadLetterStore } from '../../lib/offline/store/dead-letter-store.js';
import { testSettings } from './harness.js';

/*
 * DynamoDB Local decides itself when it closes a shard and opens a child, and its iterators expire after
 * 15 minutes; neither can be provoked in a test. This file therefore drives the engine with a small
 * in-memory Streams service that plays those moments on demand. Everything else is tested on DynamoDB Local.
 */

const STREAM_ARN = 'arn:aws:dynamodb:ddblocal:000000000000:table/lifecycle/stream/2026-01-01T00:00:00.000';

interface FakeShard {
  id: string;
  parent?: string;
  closed: boolean;
  records: StreamsRecord[];
}

let sequence = 100;
const record = (id: string): StreamsRecord => ({
  eventID: `event-${id}`,
  eventName: 'INSERT',
  eventVersion: '1.1',
  eventSource: 'aws:dynamodb',
  awsRegion: 'ddblocal',
  dynamodb: {
    ApproximateCreationDateTime: new Date(),
    Keys: { id: { S: id } },
    NewImage: { id: { S: id } },
    SequenceNumber: String((sequence += 100)).padStart(21, '0'),
    SizeBytes: 10,
    StreamViewType: 'NEW_AND_OLD_IMAGES',
  },
});

/** The part of the DynamoDB Streams API the engine calls, with errors that can be queued. */
class FakeStreams {
  readonly shards: FakeShard[] = [];
  readonly errors: Array<{ name: string; message: string }> = [];
  readonly log: string[] = [];

  readonly config = {};

  async send(command: { constructor: { name: string }; input: Record<string, any> }): Promise<unknown> {
    const { input } = command;
    switch (command.constructor.name) {
      case 'DescribeStreamCommand':
        return {
          StreamDescription: {
            StreamArn: STREAM_ARN,
            Shards: this.shards.map((shard) => ({
              ShardId: shard.id,
              ...(shard.parent ? { ParentShardId: shard.parent } : {}),
              SequenceNumberRange: {
                StartingSequenceNumber: shard.records[0]?.dynamodb?.SequenceNumber ?? '000000000000000000001',
                ...(shard.closed ? { EndingSequenceNumber: shard.records.at(-1)?.dynamodb?.SequenceNumber ?? '000000000000000000001' } : {}),
              },
            })),
          },
        };
      case 'GetShardIteratorCommand': {
        const shard = this.shard(input.ShardId);
        const position =
          input.ShardIteratorType === 'TRIM_HORIZON'
            ? 0
            : shard.records.findIndex((r) => r.dynamodb!.SequenceNumber === input.SequenceNumber) + (input.ShardIteratorType === 'AT_SEQUENCE_NUMBER' ? 0 : 1);
        this.log.push(`iterator ${shard.id} ${input.ShardIteratorType} ${input.SequenceNumber ?? ''}`.trim());
        return { ShardIterator: `${shard.id}|${position}` };
      }
      case 'GetRecordsCommand': {
        const [shardId, at] = String(input.ShardIterator).split('|');
        const error = this.errors.shift();
        if (error) throw Object.assign(new Error(error.message), { name: error.name, $metadata: { httpStatusCode: 400 } });
        const shard = this.shard(shardId!);
        const position = Number(at);
        const records = shard.records.slice(position, position + 2);
        const next = position + records.length;
        this.log.push(`read ${shard.id} ${records.map((r) => r.dynamodb!.Keys!.id!.S).join(',')}`);
        return { Records: records, ...(shard.closed && next >= shard.records.length ? {} : { NextShardIterator: `${shard.id}|${next}` }) };
      }
      default:
        throw new Error(`unexpected command ${command.constructor.name}`);
    }
  }

  private shard(id: string): FakeShard {
    const shard = this.shards.find((s) => s.id === id);
    if (!shard) throw Object.assign(new Error(`no shard ${id}`), { name: 'ResourceNotFoundException', $metadata: { httpStatusCode: 400 } });
    return shard;
  }
}

const running: EventSourceMapping[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((mapping) => mapping.stop()));
});

function mappingOn(streams: FakeStreams, delivered: Array<{ shardId: string; ids: string[] }>, shardOf: (id: string) => string) {
  const checkpoints = createMemoryCheckpointStore();
  const logs: Array<Record<string, unknown>> = [];
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
    pollIntervalMs: 10,
    describeIntervalMs: 20,
  });
  running.push(mapping);
  return { mapping, checkpoints, logs };
}

describe('shard lifecycle', () => {
  it('finishes a closed parent shard before it reads its child, and picks up shards opened later', async () => {
    // Prepare
    const streams = new FakeStreams();
    streams.shards.push({ id: 'shard-parent', closed: true, records: ['p1', 'p2', 'p3'].map(record) });
    streams.shards.push({ id: 'shard-child', parent: 'shard-parent', closed: false, records: ['c1', 'c2'].map(record) });
    const delivered: Array<{ shardId: string; ids: string[] }> = [];
    const { mapping, checkpoints } = mappingOn(streams, delivered, (id) => (id.startsWith('p') ? 'shard-parent' : id.startsWith('c') ? 'shard-child' : 'shard-grandchild'));
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
    expect(saved['shard-parent']).toMatchObject({ shardEnded: true, sequenceNumber: streams.shards[0]!.records[2]!.dynamodb!.SequenceNumber });
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
    const { mapping, logs } = mappingOn(streams, delivered, () => 'shard-1');
    await mapping.start();
    await mapping.drain(5_000);
    // Act: 24 hours pass: t1 and what followed it are gone, t9 is the oldest record left.
    streams.errors.push({ name: 'TrimmedDataAccessException', message: 'trimmed' });
    streams.shards[0]!.records.splice(0, 1, record('t9'));
    await mapping.drain(5_000);
    // Assess
    expect(delivered.flatMap((batch) => batch.ids)).toEqual(['t1', 't9']);
    expect(logs.some((line) => line.level === 'warn' && String(line.message).includes('were trimmed'))).toBe(true);
  });
});
