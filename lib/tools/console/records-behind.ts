import { GetShardIteratorCommand, type DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { readRecords } from '../../mapping/read-records.js';

export interface RecordsBehindOptions {
  streams: DynamoDBStreamsClient;
  /** The stream ARN the API answers to. */
  streamArn: string;
  shardId: string;
  /** The mapping's checkpoint: count the records after it; from the shard's start when undefined. */
  after: string | undefined;
  /** Stop counting here (the count is then a lower bound). Default 10,000. */
  cap?: number;
  signal?: AbortSignal;
}

/** How many records of a shard come after a position, read from the stream; `capped` when counting stopped at the cap. */
export async function countRecordsBehind(options: RecordsBehindOptions): Promise<{ count: number; capped: boolean }> {
  const cap = options.cap ?? 10_000;
  const abort = options.signal ? { abortSignal: options.signal } : {};
  const position = options.after
    ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER' as const, SequenceNumber: options.after }
    : { ShardIteratorType: 'TRIM_HORIZON' as const };
  const started = await options.streams.send(
    new GetShardIteratorCommand({ StreamArn: options.streamArn, ShardId: options.shardId, ...position }),
    abort,
  );
  let iterator = started.ShardIterator;
  let count = 0;
  while (iterator && count < cap) {
    options.signal?.throwIfAborted();
    const page = await readRecords(options.streams, iterator, 1_000);
    // An open shard always hands out a next iterator: an empty page means the end for now.
    if (page.records.length === 0) break;
    count += page.records.length;
    iterator = page.nextShardIterator;
  }
  return { count: Math.min(count, cap), capped: count >= cap };
}
