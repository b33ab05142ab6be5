import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { RecordsExpiredError } from '../errors.js';
import { toLambdaRecord } from '../../mapping/lambda-record.js';
import type { RedriveEntry } from './dead-letter-source.js';
import { readEntryRecords, regionOfStream } from './redrive.js';

/** The first record of a dead letter's range (the one that failed), or why it could not be read. */
export type FirstFailingRecord =
  | {
      kind: 'found';
      sequenceNumber: string;
      eventName: string;
      /** As Lambda delivers them: binaries in base64. */
      keys: Record<string, unknown>;
    }
  /** The records left the stream (24-hour retention) or the stream is gone. */
  | { kind: 'expired'; reason: string }
  /** The stream did not answer (DynamoDB Local not running, a timeout). */
  | { kind: 'unreachable'; reason: string };

export interface FirstFailingRecordOptions {
  streams: DynamoDBStreamsClient;
  /** DynamoDB Local, whose stream ARNs differ from the delivered ones (see RedriveOptions.localDynamoDB). */
  localDynamoDB?: DynamoDBClient;
  /** A stream that does not answer in this time counts as unavailable. Default 10 s. */
  timeoutMs?: number;
}

/**
 * Reads the first record of the entry's range from the stream: a failed batch starts at the record
 * the function reported (or at the first one, when the whole invocation failed).
 */
export async function firstFailingRecord(entry: RedriveEntry, options: FirstFailingRecordOptions): Promise<FirstFailingRecord> {
  const info = entry.payload.DDBStreamBatchInfo;
  const onlyFirst = { ...info, endSequenceNumber: info.startSequenceNumber };
  const first: RedriveEntry = { ...entry, payload: { ...entry.payload, DDBStreamBatchInfo: onlyFirst } };
  try {
    const [record] = await readEntryRecords({
      entry: first,
      streams: options.streams,
      ...(options.localDynamoDB ? { localDynamoDB: options.localDynamoDB } : {}),
      signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
    });
    const delivered = toLambdaRecord(record!.record, { streamArn: info.streamArn, region: regionOfStream(info.streamArn) }, record!.wire);
    const { SequenceNumber: sequenceNumber, Keys: keys } = delivered.dynamodb;
    return { kind: 'found', sequenceNumber, eventName: delivered.eventName, keys: keys ?? {} };
  } catch (error) {
    if (error instanceof RecordsExpiredError) return { kind: 'expired', reason: error.message };
    const { name, message } = error as Error;
    return { kind: 'unreachable', reason: `the stream could not be read (${name}: ${message})` };
  }
}
