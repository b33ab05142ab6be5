import type { DynamoDBRecord } from 'aws-lambda';
import { AppError, MalformedRecordError } from '../errors.js';
import { tableNameFromStreamArn } from './stream-arn.js';
import type { Change, Item, StreamViewType } from './types.js';
import { unmarshallImage } from './unmarshall.js';

const VIEW_TYPES = new Set(['KEYS_ONLY', 'NEW_IMAGE', 'OLD_IMAGE', 'NEW_AND_OLD_IMAGES']);

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function image<T extends Item>(value: unknown, index: number, field: string): T | undefined {
  if (value === undefined) return undefined;
  try {
    return unmarshallImage<T>(value, field);
  } catch (error) {
    if (error instanceof AppError) {
      // The unmarshaller names the full attribute path (dynamodb.NewImage.tags[2]); keep it as the field.
      const path = typeof (error as { path?: unknown }).path === 'string' ? (error as unknown as { path: string }).path : field;
      const problem = error.message.startsWith(path) ? error.message.slice(path.length).trim() : error.message;
      throw new MalformedRecordError(index, path, problem, { cause: error });
    }
    throw error;
  }
}

/** The last stream ARN parsed and its table, kept by the caller for the length of one batch. */
export interface StreamArnCache {
  arn?: string;
  tableName?: string;
}

/**
 * Narrows a stream record once, at the edge, into a typed change. Images stay `undefined` when the
 * record does not carry them (the stream view type decides), never `{}`.
 * @throws MalformedRecordError naming the record index and the field.
 */
export function toChange<T extends Item = Item, K extends Item = Item>(record: DynamoDBRecord | unknown, index: number, arnCache?: StreamArnCache): Change<T, K> {
  if (!isObject(record)) throw new MalformedRecordError(index, 'record', 'is not an object');
  const { eventName, dynamodb, eventSourceARN, userIdentity } = record as Record<string, unknown>;
  if (eventName !== 'INSERT' && eventName !== 'MODIFY' && eventName !== 'REMOVE') {
    throw new MalformedRecordError(index, 'eventName', `is ${JSON.stringify(eventName)}; expected INSERT, MODIFY or REMOVE`);
  }
  if (!isObject(dynamodb)) throw new MalformedRecordError(index, 'dynamodb', 'is missing or not an object');
  const sequenceNumber = dynamodb.SequenceNumber;
  if (typeof sequenceNumber !== 'string' || sequenceNumber === '') {
    throw new MalformedRecordError(index, 'dynamodb.SequenceNumber', 'is missing or empty');
  }
  if (typeof eventSourceARN !== 'string') throw new MalformedRecordError(index, 'eventSourceARN', 'is missing');
  // A batch comes from one stream: parse its ARN once per batch, not once per record.
  let tableName: string | undefined;
  if (arnCache !== undefined && arnCache.arn === eventSourceARN) tableName = arnCache.tableName;
  else {
    tableName = tableNameFromStreamArn(eventSourceARN);
    if (arnCache !== undefined && tableName !== undefined) {
      arnCache.arn = eventSourceARN;
      arnCache.tableName = tableName;
    }
  }
  if (tableName === undefined) {
    throw new MalformedRecordError(index, 'eventSourceARN', `is not a DynamoDB stream ARN (${eventSourceARN.slice(0, 120)})`);
  }
  const viewType = dynamodb.StreamViewType;
  if (viewType !== undefined && !VIEW_TYPES.has(viewType as string)) {
    throw new MalformedRecordError(index, 'dynamodb.StreamViewType', `is ${JSON.stringify(viewType)}; expected KEYS_ONLY, NEW_IMAGE, OLD_IMAGE or NEW_AND_OLD_IMAGES`);
  }
  const created = dynamodb.ApproximateCreationDateTime;
  if (created !== undefined && (typeof created !== 'number' || !Number.isFinite(created))) {
    throw new MalformedRecordError(index, 'dynamodb.ApproximateCreationDateTime', 'is not a number of epoch seconds');
  }
  const size = dynamodb.SizeBytes;
  if (size !== undefined && typeof size !== 'number') throw new MalformedRecordError(index, 'dynamodb.SizeBytes', 'is not a number');
  if (dynamodb.Keys === undefined) throw new MalformedRecordError(index, 'dynamodb.Keys', 'is missing');
  const keys = image<K>(dynamodb.Keys, index, 'dynamodb.Keys')!;
  let newImage: T | undefined;
  let oldImage: T | undefined;
  let isTtlExpiry = false;
  if (eventName !== 'REMOVE') newImage = image<T>(dynamodb.NewImage, index, 'dynamodb.NewImage');
  if (eventName !== 'INSERT') oldImage = image<T>(dynamodb.OldImage, index, 'dynamodb.OldImage');
  if (eventName === 'REMOVE' && isObject(userIdentity)) {
    isTtlExpiry = userIdentity.type === 'Service' && userIdentity.principalId === 'dynamodb.amazonaws.com';
  }
  // One literal with every field in one order: all changes share a hidden class, which keeps the
  // actions' property reads monomorphic on the hot path.
  return {
    eventName,
    keys,
    newImage,
    oldImage,
    sequenceNumber,
    approximateCreationDateTime: created as number | undefined,
    sizeBytes: size as number | undefined,
    streamViewType: viewType as StreamViewType | undefined,
    tableName,
    eventSourceARN,
    isTtlExpiry,
    index,
  } as Change<T, K>;
}
