import type { _Record as StreamsRecord } from '@aws-sdk/client-dynamodb-streams';
import { toLambdaRecord, type LambdaStreamRecord, type WireRecord } from '../../mapping/lambda-record.js';

/** DynamoDB Local stamps ApproximateCreationDateTime to the whole minute; see `creationEstimate`. */
const LOCAL_TIMESTAMP_GRANULARITY_MS = 60_000;
/** What an event holds besides its records (window, state, ARN), reserved in the payload limit. */
export const EVENT_ENVELOPE_BYTES = 200;

/** One record read from a shard, on its way to the function. */
export interface Entry {
  sequenceNumber: string;
  record: LambdaStreamRecord;
  /** JSON size of the record inside an event. */
  bytes: number;
  /** Best estimate of when the record was written, in ms (record age, iterator age, tumbling windows). */
  createdMs: number;
  /** When it was buffered (batching window). */
  queuedAt: number;
  /** Tumbling window start, in epoch seconds. */
  windowStart: number;
  /** Handled: delivered, filtered out or dead-lettered. The checkpoint moves past handled records only. */
  done: boolean;
  /** Why the record cannot be delivered (it goes to the dead-letter store alone, and the shard moves on). */
  undeliverable?: string;
}

/** What turning a record into an entry needs from the mapping. */
export interface EntryContext {
  eventSourceArn: string;
  region: string;
  maxPayloadBytes: number;
  filter: (record: LambdaStreamRecord) => boolean;
  recordDecorator?: ((record: LambdaStreamRecord) => LambdaStreamRecord) | undefined;
  /** Told when the decorator throws (the record is delivered as read). */
  onDecoratorError: (sequenceNumber: string, error: unknown) => void;
}

/** DynamoDB Local stamps creation times to the minute: a record cannot be younger than that nor than when it was first seen. */
function creationEstimate(stampedMs: number | undefined, seenAt: number): number {
  if (stampedMs === undefined) return seenAt;
  return Math.min(seenAt, stampedMs + LOCAL_TIMESTAMP_GRANULARITY_MS - 1);
}

/**
 * An entry for a record read at `seenAt`. A record that cannot be converted, or is too large for an
 * invocation, becomes an undeliverable entry (known only by its metadata) instead of an error.
 */
export function entryOf(raw: StreamsRecord, wire: WireRecord | undefined, seenAt: number, ctx: EntryContext): Entry {
  try {
    return deliverableEntry(raw, wire, seenAt, ctx);
  } catch (error) {
    return undeliverableEntry(raw, seenAt, ctx, `it cannot be converted to a Lambda record: ${(error as Error)?.message ?? String(error)}`);
  }
}

function deliverableEntry(raw: StreamsRecord, wire: WireRecord | undefined, seenAt: number, ctx: EntryContext): Entry {
  const converted = toLambdaRecord(raw, { streamArn: ctx.eventSourceArn, region: ctx.region }, wire);
  let record = converted;
  try {
    if (ctx.recordDecorator) record = ctx.recordDecorator(converted);
  } catch (error) {
    ctx.onDecoratorError(converted.dynamodb.SequenceNumber, error);
  }
  const stamped = record.dynamodb.ApproximateCreationDateTime;
  const createdMs = creationEstimate(stamped === undefined ? undefined : stamped * 1000, seenAt);
  // AWS stamps the time rounded down to the second; DynamoDB Local to the minute, up to 59 s early.
  if (stamped !== undefined) record.dynamodb.ApproximateCreationDateTime = Math.floor(createdMs / 1000);
  const bytes = Buffer.byteLength(JSON.stringify(record)) + 1;
  const entry: Entry = {
    sequenceNumber: record.dynamodb.SequenceNumber,
    record,
    bytes,
    createdMs,
    queuedAt: seenAt,
    windowStart: 0,
    // Filtered-out records count as processed: the checkpoint moves past them.
    done: !ctx.filter(record),
  };
  if (!entry.done && EVENT_ENVELOPE_BYTES + bytes > ctx.maxPayloadBytes) {
    entry.undeliverable = `its ${bytes} bytes exceed the invocation payload limit of ${ctx.maxPayloadBytes} bytes`;
  }
  return entry;
}

/** An entry for a record known only by its metadata: no item contents reach the dead-letter payload or the logs. */
function undeliverableEntry(raw: StreamsRecord, seenAt: number, ctx: EntryContext, reason: string): Entry {
  const sequenceNumber = raw.dynamodb?.SequenceNumber ?? '';
  const stamped = raw.dynamodb?.ApproximateCreationDateTime;
  const createdMs = creationEstimate(stamped === undefined ? undefined : new Date(stamped).getTime(), seenAt);
  const record: LambdaStreamRecord = {
    eventID: raw.eventID ?? '',
    eventName: raw.eventName as LambdaStreamRecord['eventName'],
    eventVersion: raw.eventVersion ?? '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: ctx.region,
    dynamodb: { ApproximateCreationDateTime: Math.floor(createdMs / 1000), SequenceNumber: sequenceNumber },
    eventSourceARN: ctx.eventSourceArn,
  };
  return { sequenceNumber, record, bytes: 0, createdMs, queuedAt: seenAt, windowStart: 0, done: false, undeliverable: reason };
}
