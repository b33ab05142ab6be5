import {
  DescribeStreamCommand,
  GetShardIteratorCommand,
  type DynamoDBStreamsClient,
  type _Record as StreamsRecord,
} from '@aws-sdk/client-dynamodb-streams';
import { RecordsExpiredError } from '../errors.js';
import { toLambdaRecord, type LambdaStreamRecord, type WireRecord } from '../../mapping/lambda-record.js';
import { readRecords, type RecordsRead } from '../../mapping/read-records.js';

export interface StreamRangeOptions {
  streams: DynamoDBStreamsClient;
  /** The stream ARN the API answers to (on DynamoDB Local: the local ARN, not the delivered one). */
  streamArn: string;
  shardId: string;
  startSequenceNumber: string;
  endSequenceNumber: string;
  /** The ARN and region the records carry, as Lambda delivered them. */
  eventSourceArn: string;
  region: string;
  /** Empty GetRecords pages in a row before giving up on reaching the end. Default 20. */
  maxEmptyPages?: number;
  /** Cancels the reading (a caller's time limit). */
  signal?: AbortSignal;
}

/** One record of a range: the SDK's form (binaries as bytes, for requests back to DynamoDB) and the raw wire form. */
export interface RangeRecord {
  record: StreamsRecord;
  /** The record as GetRecords' body carried it: the SDK's parser loses an attribute named __proto__, this keeps it. */
  wire: WireRecord | undefined;
}

const isGone = (error: unknown): boolean => {
  const name = (error as { name?: string })?.name;
  return name === 'TrimmedDataAccessException' || name === 'ResourceNotFoundException';
};

/**
 * Reads the records of one shard from `startSequenceNumber` to `endSequenceNumber` (both included),
 * as Lambda delivers them. Sequence numbers are compared as integers.
 * @throws RecordsExpiredError when the records have left the stream (trimmed after 24 hours, or the shard or stream is gone).
 */
export async function readStreamRange(options: StreamRangeOptions): Promise<LambdaStreamRecord[]> {
  const found = await readStreamRangeRecords(options);
  return found.map(({ record, wire }) => toLambdaRecord(record, { streamArn: options.eventSourceArn, region: options.region }, wire));
}

/** {@link readStreamRange} in both forms, for callers that also send the records' keys back to DynamoDB. */
export async function readStreamRangeRecords(options: StreamRangeOptions): Promise<RangeRecord[]> {
  const start = BigInt(options.startSequenceNumber);
  const end = BigInt(options.endSequenceNumber);
  const where =
    `shard ${options.shardId} of ${options.streamArn}, ` +
    `sequence numbers ${options.startSequenceNumber} to ${options.endSequenceNumber}`;
  const expired = (cause?: unknown) =>
    new RecordsExpiredError(
      `The records of ${where} are no longer in the stream (DynamoDB keeps stream records for 24 hours; ` +
        `the shard or stream may also be gone). ` +
        'They cannot be redriven from the stream: recover the items from the table (or a backup) and backfill them instead.',
      cause === undefined ? undefined : { cause },
    );
  let iterator: string | undefined;
  try {
    const output = await options.streams.send(
      new GetShardIteratorCommand({
        StreamArn: options.streamArn,
        ShardId: options.shardId,
        ShardIteratorType: 'AT_SEQUENCE_NUMBER',
        SequenceNumber: options.startSequenceNumber,
      }),
    );
    iterator = output.ShardIterator;
  } catch (error) {
    if (isGone(error)) throw expired(error);
    throw error;
  }
  const found: RangeRecord[] = [];
  const maxEmpty = options.maxEmptyPages ?? 20;
  let empty = 0;
  let first = true;
  while (iterator) {
    let page: RecordsRead;
    options.signal?.throwIfAborted();
    try {
      // The raw body, as the engine reads it: the SDK's parser loses an attribute named __proto__.
      page = await readRecords(options.streams, iterator, 1000);
      iterator = page.nextShardIterator;
    } catch (error) {
      if (isGone(error)) throw expired(error);
      throw error;
    }
    const { records, wire } = page;
    if (records.length === 0) {
      if (++empty >= maxEmpty) break;
      continue;
    }
    empty = 0;
    for (const [index, record] of records.entries()) {
      const sequenceNumber = BigInt(record.dynamodb?.SequenceNumber ?? '0');
      // The first record must be the start itself: a later one means the start was trimmed away.
      if (first && sequenceNumber > start) throw expired();
      first = false;
      if (sequenceNumber < start) continue;
      if (sequenceNumber > end) return found;
      found.push({ record, wire: wire[index] });
      if (sequenceNumber === end) return found;
    }
  }
  if (found.length === 0) throw expired();
  throw new RecordsExpiredError(
    `Read ${found.length} records of ${where} but the stream ended before ${options.endSequenceNumber}; the rest are gone`,
  );
}

/** Every record of every shard of a stream, oldest first per shard (tests, small streams). */
export async function readWholeStream(options: {
  streams: DynamoDBStreamsClient;
  streamArn: string;
  eventSourceArn: string;
  region: string;
}): Promise<LambdaStreamRecord[]> {
  const description = await options.streams.send(new DescribeStreamCommand({ StreamArn: options.streamArn }));
  const out: LambdaStreamRecord[] = [];
  for (const shard of description.StreamDescription?.Shards ?? []) {
    let { ShardIterator: iterator } = await options.streams.send(
      new GetShardIteratorCommand({ StreamArn: options.streamArn, ShardId: shard.ShardId!, ShardIteratorType: 'TRIM_HORIZON' }),
    );
    let empty = 0;
    while (iterator && empty < 3) {
      const { records, wire, nextShardIterator } = await readRecords(options.streams, iterator, 1000);
      empty = records.length === 0 ? empty + 1 : 0;
      for (const [index, record] of records.entries())
        out.push(toLambdaRecord(record, { streamArn: options.eventSourceArn, region: options.region }, wire[index]));
      iterator = nextShardIterator;
    }
  }
  return out;
}
