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

/**
 * Narrows a stream record once, at the edge, into a typed change. Images stay `undefined` when the
 * record does not carry them (the stream view type decides), never `{}`.
 * @throws MalformedRecordError naming the record index and the field.
 */
export function toChange<T extends Item = Item, K extends Item = Item>(record: DynamoDBRecord | unknown, index: number): Change<T, K> {
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
  const tableName = tableNameFromStreamArn(eventSourceARN);
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
  const base = {
    keys,
    sequenceNumber,
    approximateCreationDateTime: created as number | undefined,
    sizeBytes: size as number | undefined,
    streamViewType: viewType as StreamViewType | undefined,
    tableName,
    eventSourceARN,
    index,
  };
  if (eventName === 'INSERT') {
    return { eventName, ...base, isTtlExpiry: false, newImage: image<T>(dynamodb.NewImage, index, 'dynamodb.NewImage'), oldImage: undefined };
  }
  if (eventName === 'MODIFY') {
    return {
      eventName,
      ...base,
      isTtlExpiry: false,
      newImage: image<T>(dynamodb.NewImage, index, 'dynamodb.NewImage'),
      oldImage: image<T>(dynamodb.OldImage, index, 'dynamodb.OldImage'),
    };
  }
  const identity = isObject(userIdentity) ? userIdentity : undefined;
  const isTtlExpiry = identity?.type === 'Service' && identity.principalId === 'dynamodb.amazonaws.com';
  return { eventName, ...base, isTtlExpiry, newImage: undefined, oldImage: image<T>(dynamodb.OldImage, index, 'dynamodb.OldImage') };
}
