import type { _Record as StreamsRecord } from '@aws-sdk/client-dynamodb-streams';

/*
 * DynamoDB Local decides itself when it closes a shard and opens a child, and its iterators expire after
 * 15 minutes; neither can be provoked in a test. This small in-memory Streams service plays those moments
 * on demand, for the engine's shard-lifecycle tests. Everything else is tested on DynamoDB Local.
 */

/** The ARN the in-memory service answers to. */
export const STREAM_ARN = 'arn:aws:dynamodb:ddblocal:000000000000:table/lifecycle/stream/2026-01-01T00:00:00.000';

/** One shard of the in-memory stream. */
export interface FakeShard {
  id: string;
  parent?: string;
  closed: boolean;
  records: StreamsRecord[];
}

let sequence = 100;
/** A stream record of item `id` (INSERT), with the next sequence number. */
export const record = (id: string): StreamsRecord => ({
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
export class FakeStreams {
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
                ...(shard.closed
                  ? { EndingSequenceNumber: shard.records.at(-1)?.dynamodb?.SequenceNumber ?? '000000000000000000001' }
                  : {}),
              },
            })),
          },
        };
      case 'GetShardIteratorCommand': {
        const shard = this.shard(input.ShardId);
        const position =
          input.ShardIteratorType === 'TRIM_HORIZON'
            ? 0
            : shard.records.findIndex((r) => r.dynamodb!.SequenceNumber === input.SequenceNumber) +
              (input.ShardIteratorType === 'AT_SEQUENCE_NUMBER' ? 0 : 1);
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
