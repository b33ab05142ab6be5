import { DescribeTableCommand, GetItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type {
  DynamoDBStreamsClient,
  _Record as StreamsRecord,
  AttributeValue as StreamsAttributeValue,
} from '@aws-sdk/client-dynamodb-streams';
import { regionOfArn, streamLabelOf, tableNameFromStreamArn } from '../../runtime/arn.js';
import { SERVERLESS_DEFAULTS } from '../../mapping/serverless-defaults.js';
import { RecordsExpiredError, RedriveFailedError } from '../errors.js';
import { compileFilterPatterns } from '../../mapping/filter-patterns.js';
import { toLambdaRecord, type LambdaStreamRecord } from '../../mapping/lambda-record.js';
import type { RedriveEntry } from './dead-letter-source.js';
import { itemReplayRecord, planItemReplays } from './item-replay.js';
import { readStreamRangeRecords, type RangeRecord } from './stream-reader.js';

/** A stream handler as functions export it. */
export type RedriveHandler = (
  event: { Records: LambdaStreamRecord[] },
  context: { awsRequestId: string; getRemainingTimeInMillis(): number },
) => Promise<unknown>;

export interface RedriveOptions {
  entry: RedriveEntry;
  streams: DynamoDBStreamsClient;
  handler: RedriveHandler;
  /**
   * Given on DynamoDB Local: its stream ARNs differ from the ones delivered (region `ddblocal`), so the
   * table's current stream is looked up and must carry the same label as the entry's.
   */
  localDynamoDB?: DynamoDBClient;
  /** The mapping's batch size and filter patterns: redriven batches look like the original deliveries. Default 100, no filter. */
  batchSize?: number;
  filterPatterns?: unknown[];
  /** Per-invocation time budget, as the function's timeout. Default 60 s. */
  timeoutMs?: number;
  /**
   * Run each item of the range as it is now in the table instead of the stream's records (for a dead
   * letter caused by bad data: fix the item, then redrive). Reads the table with this client.
   */
  fromItem?: { dynamodb: DynamoDBClient };
}

export interface RedriveResult {
  /** Records read from the stream for the entry's range. */
  records: number;
  /** Of those, the ones the mapping's filter lets through (the ones the function got). */
  delivered: number;
  /** From-item redrive only: the items of those records, run through the function as they are now. */
  items?: number;
  invocations: number;
}

async function apiStreamArn(options: Pick<RedriveOptions, 'entry' | 'localDynamoDB'> & { signal?: AbortSignal }): Promise<string> {
  const delivered = options.entry.payload.DDBStreamBatchInfo.streamArn;
  if (!options.localDynamoDB) return delivered;
  const table = tableNameFromStreamArn(delivered);
  if (!table) throw new RecordsExpiredError(`The entry's streamArn ${delivered} is not a DynamoDB stream ARN`);
  let current: string | undefined;
  try {
    const abort = options.signal ? { abortSignal: options.signal } : {};
    const described = await options.localDynamoDB.send(new DescribeTableCommand({ TableName: table }), abort);
    current = described.Table?.LatestStreamArn;
  } catch (error) {
    if ((error as Error).name === 'ResourceNotFoundException')
      throw new RecordsExpiredError(`Table ${table} no longer exists, and its stream with it: the records of this entry are gone`, {
        cause: error,
      });
    throw error;
  }
  if (!current || streamLabelOf(current) !== streamLabelOf(delivered)) {
    throw new RecordsExpiredError(
      `The stream ${delivered} no longer exists (table ${table} now has ${current ? `stream ${streamLabelOf(current)}` : 'no stream'}; ` +
        `it was recreated or DynamoDB Local lost its data): the records of this entry are gone`,
    );
  }
  return current;
}

/** The records of a dead-letter entry's range, as the Streams API returns them. */
export async function readEntryRecords(
  options: Pick<RedriveOptions, 'entry' | 'streams' | 'localDynamoDB'> & { signal?: AbortSignal },
): Promise<RangeRecord[]> {
  const info = options.entry.payload.DDBStreamBatchInfo;
  return readStreamRangeRecords({
    streams: options.streams,
    streamArn: await apiStreamArn(options),
    shardId: info.shardId,
    startSequenceNumber: info.startSequenceNumber,
    endSequenceNumber: info.endSequenceNumber,
    eventSourceArn: info.streamArn,
    region: regionOfStream(info.streamArn),
    ...(options.signal ? { signal: options.signal } : {}),
  });
}

/** The region a delivered stream ARN names, which its records carry as awsRegion. */
export const regionOfStream = (streamArn: string): string => regionOfArn(streamArn) ?? SERVERLESS_DEFAULTS.region;

/**
 * The items of the delivered records as they are now: one change per item, read with a consistent
 * read, carrying the sequence number planItemReplays explains. The mapping's filter chose which items
 * the function got; their replays are not filtered again, since each stands in for a record the
 * function did get (filtering it out would clear the entry with nothing applied).
 */
async function currentItemRecords(
  options: RedriveOptions,
  delivered: readonly StreamsRecord[],
  dynamodb: DynamoDBClient,
): Promise<LambdaStreamRecord[]> {
  const info = options.entry.payload.DDBStreamBatchInfo;
  const table = tableNameFromStreamArn(info.streamArn);
  if (!table) {
    const arn = info.streamArn;
    throw new RecordsExpiredError(`The entry's streamArn ${arn} is not a DynamoDB stream ARN: it names no table to read items from`);
  }
  const nowSeconds = Math.floor(Date.now() / 1000);
  const records: LambdaStreamRecord[] = [];
  for (const [n, replay] of planItemReplays(delivered).entries()) {
    const key = replay.keys as Record<string, AttributeValue>;
    const output = await dynamodb.send(new GetItemCommand({ TableName: table, Key: key, ConsistentRead: true }));
    // The two SDK packages declare the same AttributeValue union twice.
    const current = output.Item as Record<string, StreamsAttributeValue> | undefined;
    const record = itemReplayRecord(replay, current, { eventID: `redrive-${options.entry.id}-item-${n + 1}`, nowSeconds });
    records.push(toLambdaRecord(record, { streamArn: info.streamArn, region: regionOfStream(info.streamArn) }));
  }
  return records;
}

/**
 * Fetches the records of a dead-letter entry from the stream (shard and sequence range, while within
 * retention) and runs them through the function's handler again, in order, in batches of the
 * mapping's size; with `fromItem`, runs the items of those records as they are now instead. Throws
 * RecordsExpiredError when the records left the stream, RedriveFailedError when the handler still
 * fails (the entry must then be kept). Removing the entry is the caller's job.
 */
export async function redriveEntry(options: RedriveOptions): Promise<RedriveResult> {
  const info = options.entry.payload.DDBStreamBatchInfo;
  const region = regionOfStream(info.streamArn);
  const records = await readEntryRecords(options);
  const filter = compileFilterPatterns(options.filterPatterns ?? []);
  const delivered = records.map(({ record, wire }) => ({
    record,
    lambda: toLambdaRecord(record, { streamArn: info.streamArn, region }, wire),
  }));
  const passed = delivered.filter(({ lambda }) => filter(lambda));
  const runs = options.fromItem
    ? await currentItemRecords(
        options,
        passed.map(({ record }) => record),
        options.fromItem.dynamodb,
      )
    : passed.map(({ lambda }) => lambda);
  const batchSize = options.batchSize ?? 100;
  const timeoutMs = options.timeoutMs ?? 60_000;
  let invocations = 0;
  for (let i = 0; i < runs.length; i += batchSize) {
    const batch = runs.slice(i, i + batchSize);
    const deadline = Date.now() + timeoutMs;
    invocations += 1;
    let response: unknown;
    try {
      response = await options.handler(
        { Records: batch },
        { awsRequestId: `redrive-${options.entry.id}-${invocations}`, getRemainingTimeInMillis: () => deadline - Date.now() },
      );
    } catch (error) {
      throw new RedriveFailedError(
        `The handler failed on the redriven batch ` +
          `${batch[0]!.dynamodb.SequenceNumber}..${batch[batch.length - 1]!.dynamodb.SequenceNumber}: ` +
          `${(error as Error).message}. The entry is kept; fix the cause and redrive again`,
        { cause: error },
      );
    }
    const failures = (response as { batchItemFailures?: Array<{ itemIdentifier?: string }> } | undefined)?.batchItemFailures ?? [];
    if (failures.length > 0) {
      throw new RedriveFailedError(
        `Record ${failures[0]!.itemIdentifier} failed again (see the handler's log lines above for the reason). ` +
          `Records before it were applied; the entry is kept: fix the cause and redrive again`,
      );
    }
  }
  return { records: records.length, delivered: passed.length, ...(options.fromItem ? { items: runs.length } : {}), invocations };
}
