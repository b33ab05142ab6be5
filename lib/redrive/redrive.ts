import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { tableNameFromStreamArn } from '../change/stream-arn.js';
import { RecordsExpiredError, RedriveFailedError } from '../errors.js';
import { compileFilterPatterns } from '../offline/filter/filter-patterns.js';
import type { LambdaStreamRecord } from '../offline/mapping/lambda-record.js';
import type { RedriveEntry } from './dead-letter-source.js';
import { readStreamRange } from './stream-reader.js';

/** A stream handler as functions export it. */
export type RedriveHandler = (event: { Records: LambdaStreamRecord[] }, context: { awsRequestId: string; getRemainingTimeInMillis(): number }) => Promise<unknown>;

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
}

export interface RedriveResult {
  /** Records read from the stream for the entry's range. */
  records: number;
  /** Of those, the ones the mapping's filter lets through (the ones the function got). */
  delivered: number;
  invocations: number;
}

const labelOf = (arn: string) => arn.split('/stream/')[1];

async function apiStreamArn(options: RedriveOptions): Promise<string> {
  const delivered = options.entry.payload.DDBStreamBatchInfo.streamArn;
  if (!options.localDynamoDB) return delivered;
  const table = tableNameFromStreamArn(delivered);
  if (!table) throw new RecordsExpiredError(`The entry's streamArn ${delivered} is not a DynamoDB stream ARN`);
  let current: string | undefined;
  try {
    current = (await options.localDynamoDB.send(new DescribeTableCommand({ TableName: table }))).Table?.LatestStreamArn;
  } catch (error) {
    if ((error as Error).name === 'ResourceNotFoundException') throw new RecordsExpiredError(`Table ${table} no longer exists, and its stream with it: the records of this entry are gone`, { cause: error });
    throw error;
  }
  if (!current || labelOf(current) !== labelOf(delivered)) {
    throw new RecordsExpiredError(
      `The stream ${delivered} no longer exists (table ${table} now has ${current ? `stream ${labelOf(current)}` : 'no stream'}; it was recreated or DynamoDB Local lost its data): the records of this entry are gone`,
    );
  }
  return current;
}

/**
 * Fetches the records of a dead-letter entry from the stream (shard and sequence range, while within
 * retention) and runs them through the function's handler again, in order, in batches of the
 * mapping's size. Throws RecordsExpiredError when the records left the stream, RedriveFailedError when
 * the handler still fails (the entry must then be kept). Removing the entry is the caller's job.
 */
export async function redriveEntry(options: RedriveOptions): Promise<RedriveResult> {
  const info = options.entry.payload.DDBStreamBatchInfo;
  const streamArn = await apiStreamArn(options);
  const region = info.streamArn.split(':')[3] || 'us-east-1';
  const records = await readStreamRange({
    streams: options.streams,
    streamArn,
    shardId: info.shardId,
    startSequenceNumber: info.startSequenceNumber,
    endSequenceNumber: info.endSequenceNumber,
    eventSourceArn: info.streamArn,
    region,
  });
  const filter = compileFilterPatterns(options.filterPatterns ?? []);
  const delivered = records.filter((record) => filter(record));
  const batchSize = options.batchSize ?? 100;
  const timeoutMs = options.timeoutMs ?? 60_000;
  let invocations = 0;
  for (let i = 0; i < delivered.length; i += batchSize) {
    const batch = delivered.slice(i, i + batchSize);
    const deadline = Date.now() + timeoutMs;
    invocations += 1;
    let response: unknown;
    try {
      response = await options.handler({ Records: batch }, { awsRequestId: `redrive-${options.entry.id}-${invocations}`, getRemainingTimeInMillis: () => deadline - Date.now() });
    } catch (error) {
      throw new RedriveFailedError(
        `The handler failed on the redriven batch ${batch[0]!.dynamodb.SequenceNumber}..${batch[batch.length - 1]!.dynamodb.SequenceNumber}: ${(error as Error).message}. The entry is kept; fix the cause and redrive again`,
        { cause: error },
      );
    }
    const failures = (response as { batchItemFailures?: Array<{ itemIdentifier?: string }> } | undefined)?.batchItemFailures ?? [];
    if (failures.length > 0) {
      throw new RedriveFailedError(
        `Record ${failures[0]!.itemIdentifier} failed again (see the handler's log lines above for the reason). Records before it were applied; the entry is kept: fix the cause and redrive again`,
      );
    }
  }
  return { records: records.length, delivered: delivered.length, invocations };
}
