import { marshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import type { EventName, StreamViewType } from '../../lib/runtime/change/types.js';

/** Plain values a factory marshals (what `marshall` from util-dynamodb accepts). */
export type PlainItem = Record<string, unknown>;

export interface StreamRecordInput {
  eventName: EventName;
  /** Table the record comes from; the stream ARN is built from it. */
  table: string;
  keys: PlainItem;
  newImage?: PlainItem;
  oldImage?: PlainItem;
  sequenceNumber?: string;
  /** Fixed event ID (fixtures); a fresh one per record when absent. */
  eventID?: string;
  streamViewType?: StreamViewType;
  /** Marks a REMOVE as done by DynamoDB's TTL process. */
  ttlExpiry?: boolean;
  /** Epoch seconds. */
  approximateCreationDateTime?: number;
  region?: string;
  accountId?: string;
  /** The stream label, the last part of the stream ARN. */
  streamLabel?: string;
}

let counter = 0;

/** A fresh sequence number, increasing within the process, 21 digits like DynamoDB's. */
export const nextSequenceNumber = (): string => (100000000000000000000n + BigInt(++counter) * 100n).toString();

/** The stream ARN Lambda sends as `eventSourceARN` (not the table ARN). */
export const streamArn = (
  table: string,
  { region = 'us-east-1', accountId = '123456789012', streamLabel = '2026-01-01T00:00:00.000' } = {},
): string => `arn:aws:dynamodb:${region}:${accountId}:table/${table}/stream/${streamLabel}`;

const image = (item: PlainItem): Record<string, AttributeValue> =>
  marshall(item, { removeUndefinedValues: true, convertClassInstanceToMap: false }) as Record<string, AttributeValue>;

/**
 * A DynamoDB stream record exactly as Lambda delivers it. Images the stream view type does not carry
 * are left out, as DynamoDB leaves them out.
 */
export function streamRecord(input: StreamRecordInput): DynamoDBRecord {
  const viewType = input.streamViewType ?? 'NEW_AND_OLD_IMAGES';
  const carriesNew = viewType === 'NEW_IMAGE' || viewType === 'NEW_AND_OLD_IMAGES';
  const carriesOld = viewType === 'OLD_IMAGE' || viewType === 'NEW_AND_OLD_IMAGES';
  const keys = image(input.keys);
  const newImage = carriesNew && input.eventName !== 'REMOVE' && input.newImage ? image(input.newImage) : undefined;
  const oldImage = carriesOld && input.eventName !== 'INSERT' && input.oldImage ? image(input.oldImage) : undefined;
  const sizeBytes =
    Buffer.byteLength(JSON.stringify(keys)) +
    (newImage ? Buffer.byteLength(JSON.stringify(newImage)) : 0) +
    (oldImage ? Buffer.byteLength(JSON.stringify(oldImage)) : 0);
  const record: DynamoDBRecord = {
    eventID: input.eventID ?? `${input.sequenceNumber ?? ''}${Math.random().toString(16).slice(2, 18)}`,
    eventName: input.eventName,
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: input.region ?? 'us-east-1',
    dynamodb: {
      ApproximateCreationDateTime: input.approximateCreationDateTime ?? 1767225600,
      Keys: keys,
      ...(newImage ? { NewImage: newImage } : {}),
      ...(oldImage ? { OldImage: oldImage } : {}),
      SequenceNumber: input.sequenceNumber ?? nextSequenceNumber(),
      SizeBytes: sizeBytes,
      StreamViewType: viewType,
    },
    eventSourceARN: streamArn(input.table, input),
  };
  if (input.ttlExpiry) record.userIdentity = { type: 'Service', principalId: 'dynamodb.amazonaws.com' };
  return record;
}

/** An INSERT of `item`, whose keys are the named attributes. */
export const insertRecord = (table: string, keyNames: string[], item: PlainItem, extra: Partial<StreamRecordInput> = {}): DynamoDBRecord =>
  streamRecord({ eventName: 'INSERT', table, keys: pick(item, keyNames), newImage: item, ...extra });

/** A MODIFY from `before` to `after`. */
export const modifyRecord = (
  table: string,
  keyNames: string[],
  before: PlainItem,
  after: PlainItem,
  extra: Partial<StreamRecordInput> = {},
): DynamoDBRecord => streamRecord({ eventName: 'MODIFY', table, keys: pick(after, keyNames), oldImage: before, newImage: after, ...extra });

/** A REMOVE of `item`; `ttlExpiry` marks it as deleted by TTL. */
export const removeRecord = (table: string, keyNames: string[], item: PlainItem, extra: Partial<StreamRecordInput> = {}): DynamoDBRecord =>
  streamRecord({ eventName: 'REMOVE', table, keys: pick(item, keyNames), oldImage: item, ...extra });

/** Wraps records in the event Lambda passes to the handler. */
export const streamEvent = (records: DynamoDBRecord[]): DynamoDBStreamEvent => ({ Records: records });

function pick(item: PlainItem, names: string[]): PlainItem {
  return Object.fromEntries(names.map((name) => [name, item[name]]));
}
