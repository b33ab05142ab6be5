import type { LambdaStreamRecord } from './lambda-record.js';

/**
 * What AWS sends to an on-failure destination for a DynamoDB stream batch: metadata, and for an S3
 * destination also the invoked event with its records (`payload`).
 */
export interface StreamFailurePayload {
  requestContext: {
    requestId: string;
    functionArn: string;
    condition: 'RetryAttemptsExhausted' | 'RecordAgeExceeded' | string;
    approximateInvokeCount: number;
  };
  responseContext: { statusCode: number; executedVersion: string; functionError?: string };
  version: '1.0';
  timestamp: string;
  DDBStreamBatchInfo: {
    shardId: string;
    startSequenceNumber: string;
    endSequenceNumber: string;
    approximateArrivalOfFirstRecord: string;
    approximateArrivalOfLastRecord: string;
    batchSize: number;
    streamArn: string;
  };
  /** The event the function was invoked with (S3 destinations only). */
  payload?: { Records: unknown[] };
}

/** ISO time without milliseconds, as AWS writes arrival times in on-failure records. */
const isoSeconds = (epochSeconds: number | undefined): string =>
  new Date(Math.floor(epochSeconds ?? Date.now() / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * Why a batch was given up: AWS's two conditions, and `RecordNotDeliverable` for a record the local
 * engine could not hand to the function at all (the dead-letter entry's `reason` says why).
 */
export type FailureCondition = 'RetryAttemptsExhausted' | 'RecordAgeExceeded' | 'RecordNotDeliverable';

/** The message AWS sends to an on-failure destination for a DynamoDB stream batch it gave up on. */
export function streamFailurePayload(options: {
  records: readonly LambdaStreamRecord[];
  shardId: string;
  streamArn: string;
  functionArn: string;
  requestId: string;
  condition: FailureCondition;
  approximateInvokeCount: number;
  responseContext: StreamFailurePayload['responseContext'];
  now: Date;
  /**
   * For an S3 destination AWS writes the whole invocation record: the metadata plus the invoked event,
   * records included, under `payload` (Lambda developer guide, "Retaining discarded records ... DynamoDB").
   */
  includeRecords?: boolean;
}): StreamFailurePayload {
  const first = options.records[0]!;
  const last = options.records[options.records.length - 1]!;
  const payload: StreamFailurePayload = {
    requestContext: {
      requestId: options.requestId,
      functionArn: options.functionArn,
      condition: options.condition,
      approximateInvokeCount: options.approximateInvokeCount,
    },
    responseContext: options.responseContext,
    version: '1.0',
    timestamp: options.now.toISOString(),
    DDBStreamBatchInfo: {
      shardId: options.shardId,
      startSequenceNumber: first.dynamodb.SequenceNumber,
      endSequenceNumber: last.dynamodb.SequenceNumber,
      approximateArrivalOfFirstRecord: isoSeconds(first.dynamodb.ApproximateCreationDateTime),
      approximateArrivalOfLastRecord: isoSeconds(last.dynamodb.ApproximateCreationDateTime),
      batchSize: options.records.length,
      streamArn: options.streamArn,
    },
  };
  if (options.includeRecords) payload.payload = { Records: [...options.records] };
  return payload;
}
