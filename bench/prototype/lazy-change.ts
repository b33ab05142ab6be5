import type { DynamoDBRecord } from 'aws-lambda';
import { AppError, MalformedRecordError } from '../../lib/errors.js';
import { tableNameFromStreamArn } from '../../lib/change/stream-arn.js';
import type { Change, EventName, Item, StreamViewType } from '../../lib/change/types.js';
import type { StreamArnCache } from '../../lib/change/to-change.js';
import { unmarshallImage } from '../../lib/change/unmarshall.js';

export type { StreamArnCache };

/*
 * PROTOTYPE for the lead, not used by the functions: lib/change/to-change.ts (as of c11fcb6) with the images unmarshalled
 * on first read. Everything else is narrowed eagerly as before (event name, sequence number, ARN, view
 * type, keys); NewImage and OldImage become memoised getters on a class, so an action that never reads an
 * image never pays for it and one that does pays once. Measured by bench/prototype/measure-lazy.ts.
 *
 * Semantics to weigh before adopting it:
 * - a malformed image throws where an action first reads it (reported as that action failing on that
 *   record) instead of in toChange (a MalformedRecordError); either way the batch stops at that record;
 * - the images are prototype getters: `{ ...change }` and JSON.stringify(change) no longer carry them.
 */
const VIEW_TYPES = new Set(['KEYS_ONLY', 'NEW_IMAGE', 'OLD_IMAGE', 'NEW_AND_OLD_IMAGES']);
const UNSET: unique symbol = Symbol('unset');

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function image(value: unknown, index: number, field: string): Item | undefined {
  if (value === undefined) return undefined;
  try {
    return unmarshallImage(value, field);
  } catch (error) {
    if (error instanceof AppError) {
      const path = typeof (error as { path?: unknown }).path === 'string' ? (error as unknown as { path: string }).path : field;
      const problem = error.message.startsWith(path) ? error.message.slice(path.length).trim() : error.message;
      throw new MalformedRecordError(index, path, problem, { cause: error });
    }
    throw error;
  }
}

class LazyChange {
  #newRaw: unknown;
  #oldRaw: unknown;
  #new: Item | undefined | typeof UNSET = UNSET;
  #old: Item | undefined | typeof UNSET = UNSET;
  constructor(
    readonly eventName: EventName,
    readonly keys: Item,
    readonly sequenceNumber: string,
    readonly approximateCreationDateTime: number | undefined,
    readonly sizeBytes: number | undefined,
    readonly streamViewType: StreamViewType | undefined,
    readonly tableName: string,
    readonly eventSourceARN: string,
    readonly isTtlExpiry: boolean,
    readonly index: number,
    newRaw: unknown,
    oldRaw: unknown,
  ) {
    this.#newRaw = newRaw;
    this.#oldRaw = oldRaw;
  }
  get newImage(): Item | undefined {
    if (this.#new === UNSET) this.#new = image(this.#newRaw, this.index, 'dynamodb.NewImage');
    return this.#new;
  }
  get oldImage(): Item | undefined {
    if (this.#old === UNSET) this.#old = image(this.#oldRaw, this.index, 'dynamodb.OldImage');
    return this.#old;
  }
}

/** lib/change/to-change.ts's toChange, with lazily unmarshalled images. */
export function toLazyChange(record: DynamoDBRecord | unknown, index: number, arnCache?: StreamArnCache): Change {
  if (!isObject(record)) throw new MalformedRecordError(index, 'record', 'is not an object');
  const { eventName, dynamodb, eventSourceARN, userIdentity } = record as Record<string, unknown>;
  if (eventName !== 'INSERT' && eventName !== 'MODIFY' && eventName !== 'REMOVE') {
    throw new MalformedRecordError(index, 'eventName', `is ${JSON.stringify(eventName)}; expected INSERT, MODIFY or REMOVE`);
  }
  if (!isObject(dynamodb)) throw new MalformedRecordError(index, 'dynamodb', 'is missing or not an object');
  const sequenceNumber = dynamodb.SequenceNumber;
  if (typeof sequenceNumber !== 'string' || sequenceNumber === '') throw new MalformedRecordError(index, 'dynamodb.SequenceNumber', 'is missing or empty');
  if (typeof eventSourceARN !== 'string') throw new MalformedRecordError(index, 'eventSourceARN', 'is missing');
  // As lib's toChange since c11fcb6: the ARN is parsed once per batch.
  let tableName: string | undefined;
  if (arnCache !== undefined && arnCache.arn === eventSourceARN) tableName = arnCache.tableName;
  else {
    tableName = tableNameFromStreamArn(eventSourceARN);
    if (arnCache !== undefined && tableName !== undefined) {
      arnCache.arn = eventSourceARN;
      arnCache.tableName = tableName;
    }
  }
  if (tableName === undefined) throw new MalformedRecordError(index, 'eventSourceARN', `is not a DynamoDB stream ARN (${eventSourceARN.slice(0, 120)})`);
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
  const keys = image(dynamodb.Keys, index, 'dynamodb.Keys')!;
  const identity = isObject(userIdentity) ? userIdentity : undefined;
  const isTtlExpiry = eventName === 'REMOVE' && identity?.type === 'Service' && identity.principalId === 'dynamodb.amazonaws.com';
  return new LazyChange(
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
    eventName === 'REMOVE' ? undefined : dynamodb.NewImage,
    eventName === 'INSERT' ? undefined : dynamodb.OldImage,
  ) as unknown as Change;
}
