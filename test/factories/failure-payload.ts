import type { StreamFailurePayload } from '../../lib/mapping/failure-payload.js';

/** What a test says of a failed batch; the rest is a plain RetryAttemptsExhausted of one record. */
export interface FailurePayloadInput {
  /** The batch's first sequence number. */
  start: string;
  /** The batch's last sequence number; default `start`. */
  end?: string;
  batchSize?: number;
  shardId?: string;
  streamArn?: string;
  functionArn?: string;
  requestId?: string;
  condition?: string;
  approximateInvokeCount?: number;
  /** When the message was written (ISO with milliseconds). */
  timestamp?: string;
  /** The arrival of the first and the last record (ISO without milliseconds, as AWS writes them). */
  arrivals?: [first: string, last: string];
}

/** The message AWS sends to an on-failure destination for a stream batch it gave up on. */
export function failurePayload(input: FailurePayloadInput): StreamFailurePayload {
  const [firstArrival, lastArrival] = input.arrivals ?? ['2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z'];
  return {
    requestContext: {
      requestId: input.requestId ?? 'r',
      functionArn: input.functionArn ?? 'arn:aws:lambda:us-east-1:123456789012:function:f',
      condition: input.condition ?? 'RetryAttemptsExhausted',
      approximateInvokeCount: input.approximateInvokeCount ?? 3,
    },
    responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
    version: '1.0',
    timestamp: input.timestamp ?? '2026-01-01T00:00:00.000Z',
    DDBStreamBatchInfo: {
      shardId: input.shardId ?? 'shardId-1',
      startSequenceNumber: input.start,
      endSequenceNumber: input.end ?? input.start,
      approximateArrivalOfFirstRecord: firstArrival,
      approximateArrivalOfLastRecord: lastArrival,
      batchSize: input.batchSize ?? 1,
      streamArn: input.streamArn ?? 'arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/x',
    },
  };
}
