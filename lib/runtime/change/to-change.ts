import type { DynamoDBRecord } from 'aws-lambda';
import { AppError, MalformedRecordError } from '../errors.js';
import { BACKFILL_SEQUENCE_NUMBER, isStreamSequenceNumber } from './sequence-number.js';
import { tableNameFromStreamArn } from '../arn.js';
import type { AttributeValueMap, Change, Item, RawAttributes, StreamViewType } from './types.js';
import { buildCheckedImage, unmarshallImage, validateImage } from './unmarshall.js';

const VIEW_TYPES = new Set(['KEYS_ONLY', 'NEW_IMAGE', 'OLD_IMAGE', 'NEW_AND_OLD_IMAGES']);

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** True when `map` (a built image: no inherited names) has no attribute; unlike Object.keys, allocates nothing. */
function isEmpty(map: object): boolean {
  for (const _ in map) return false;
  return true;
}

function asMalformedRecord(error: unknown, index: number, field: string): unknown {
  if (!(error instanceof AppError)) return error;
  // The unmarshaller names the full attribute path (dynamodb.NewImage.tags[2]); keep it as the field.
  const path = typeof (error as { path?: unknown }).path === 'string' ? (error as unknown as { path: string }).path : field;
  const problem = error.message.startsWith(path) ? error.message.slice(path.length).trim() : error.message;
  return new MalformedRecordError(index, path, problem, { cause: error });
}

function image<T extends Item>(value: unknown, index: number, field: string): T | undefined {
  if (value === undefined) return undefined;
  try {
    return unmarshallImage<T>(value, field);
  } catch (error) {
    throw asMalformedRecord(error, index, field);
  }
}

/** Checks an image the record carries, so that a malformed one fails here, at the edge. */
function checked(value: unknown, index: number, field: string): unknown {
  if (value === undefined) return undefined;
  try {
    validateImage(value, field);
  } catch (error) {
    throw asMalformedRecord(error, index, field);
  }
  return value;
}

const UNBUILT: unique symbol = Symbol('unbuilt');

/**
 * A change whose images are checked when it is made and built on first read, then kept. An action that
 * reads only keys never pays for the images. `toJSON` includes them, so logging or serialising a change
 * shows everything; `{ ...change }` does not (the images are getters), so read them by name.
 * The attribute values as the record carried them stay too: exact reads of numbers start from their text.
 */
class StreamChange<T extends Item, K extends Item> {
  #newRaw: unknown;
  #oldRaw: unknown;
  #rawKeys: unknown;
  #raw: RawAttributes | undefined;
  #newImage: T | undefined | typeof UNBUILT = UNBUILT;
  #oldImage: T | undefined | typeof UNBUILT = UNBUILT;

  constructor(
    readonly eventName: 'INSERT' | 'MODIFY' | 'REMOVE',
    readonly keys: K,
    readonly sequenceNumber: string,
    readonly approximateCreationDateTime: number | undefined,
    readonly sizeBytes: number | undefined,
    readonly streamViewType: StreamViewType | undefined,
    readonly tableName: string,
    readonly eventSourceARN: string,
    readonly isTtlExpiry: boolean,
    readonly index: number,
    readonly isBackfill: boolean,
    newRaw: unknown,
    oldRaw: unknown,
    rawKeys: unknown,
  ) {
    this.#newRaw = newRaw;
    this.#oldRaw = oldRaw;
    this.#rawKeys = rawKeys;
  }

  /**
   * Kept apart from the built images: both point into the event, which outlives the change anyway.
   * Made on first read, like the images: nothing is allocated per record that an action may never read.
   */
  get raw(): RawAttributes {
    this.#raw ??= {
      keys: this.#rawKeys as AttributeValueMap,
      newImage: this.#newRaw as AttributeValueMap | undefined,
      oldImage: this.#oldRaw as AttributeValueMap | undefined,
    };
    return this.#raw;
  }

  // The raw images passed validateImage when the change was made, so they are built without checking them again.
  get newImage(): T | undefined {
    if (this.#newImage === UNBUILT) {
      this.#newImage = this.#newRaw === undefined ? undefined : buildCheckedImage<T>(this.#newRaw as Record<string, unknown>);
    }
    return this.#newImage;
  }

  get oldImage(): T | undefined {
    if (this.#oldImage === UNBUILT) {
      this.#oldImage = this.#oldRaw === undefined ? undefined : buildCheckedImage<T>(this.#oldRaw as Record<string, unknown>);
    }
    return this.#oldImage;
  }

  toJSON(): Record<string, unknown> {
    return { ...(this as object), newImage: this.newImage, oldImage: this.oldImage };
  }
}

/** The last stream ARN parsed and its table, kept by the caller for the length of one batch. */
export interface StreamArnCache {
  arn?: string;
  tableName?: string;
}

/**
 * Narrows a stream record once, at the edge, into a typed change. Every field is checked here; the
 * images are built on first read. Images stay `undefined` when the record does not carry them (the
 * stream view type decides), never `{}`. `backfill` marks a change a backfill made up from a scanned item.
 * @throws MalformedRecordError naming the record index and the field.
 */
export function toChange<T extends Item = Item, K extends Item = Item>(
  record: DynamoDBRecord | unknown,
  index: number,
  arnCache?: StreamArnCache,
  options?: { backfill?: boolean },
): Change<T, K> {
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
  if (!isStreamSequenceNumber(sequenceNumber) && !(options?.backfill === true && sequenceNumber === BACKFILL_SEQUENCE_NUMBER)) {
    throw new MalformedRecordError(index, 'dynamodb.SequenceNumber', 'is not 21 to 40 decimal digits (only a backfilled change carries 0)');
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
    throw new MalformedRecordError(
      index,
      'dynamodb.StreamViewType',
      `is ${JSON.stringify(viewType)}; expected KEYS_ONLY, NEW_IMAGE, OLD_IMAGE or NEW_AND_OLD_IMAGES`,
    );
  }
  const created = dynamodb.ApproximateCreationDateTime;
  if (created !== undefined && (typeof created !== 'number' || !Number.isFinite(created))) {
    throw new MalformedRecordError(index, 'dynamodb.ApproximateCreationDateTime', 'is not a number of epoch seconds');
  }
  const size = dynamodb.SizeBytes;
  if (size !== undefined && typeof size !== 'number') throw new MalformedRecordError(index, 'dynamodb.SizeBytes', 'is not a number');
  if (dynamodb.Keys === undefined) throw new MalformedRecordError(index, 'dynamodb.Keys', 'is missing');
  const keys = image<K>(dynamodb.Keys, index, 'dynamodb.Keys')!;
  // Every item has a key: with none, all such records would share one identity (one ledger entry, one log key).
  if (isEmpty(keys)) throw new MalformedRecordError(index, 'dynamodb.Keys', 'has no attributes; a stream record names the item key');
  const newRaw = eventName === 'REMOVE' ? undefined : checked(dynamodb.NewImage, index, 'dynamodb.NewImage');
  const oldRaw = eventName === 'INSERT' ? undefined : checked(dynamodb.OldImage, index, 'dynamodb.OldImage');
  const isTtlExpiry =
    eventName === 'REMOVE' &&
    isObject(userIdentity) &&
    userIdentity.type === 'Service' &&
    userIdentity.principalId === 'dynamodb.amazonaws.com';
  return new StreamChange<T, K>(
    eventName,
    keys,
    sequenceNumber,
    created as number | undefined,
    size as number | undefined,
    viewType as StreamViewType | undefined,
    tableName,
    eventSourceARN,
    isTtlExpiry,
    index,
    options?.backfill === true,
    newRaw,
    oldRaw,
    dynamodb.Keys,
  ) as unknown as Change<T, K>;
}
