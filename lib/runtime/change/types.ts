import type { NumberValueImpl as NumberValue } from '@aws-sdk/util-dynamodb';

/**
 * Plain JavaScript value of an unmarshalled DynamoDB attribute (util-dynamodb semantics: a number is the
 * nearest double inside the safe-integer range, an exact bigint beyond it, and a `NumberValue` (exact text)
 * for a non-integer beyond it; read numbers for arithmetic with `exactNumber`).
 */
export type NativeValue =
  | string
  | number
  | bigint
  | NumberValue
  | boolean
  | null
  | Uint8Array
  | NativeValue[]
  | Set<string>
  | Set<number | bigint | NumberValue>
  | Set<Uint8Array | string>
  | { [key: string]: NativeValue };

/**
 * An unmarshalled item image. Images and maps inherit nothing (no Object.prototype members), so any
 * attribute name, `__proto__` or `constructor` included, reads as the item's data or as undefined.
 */
export type Item = Record<string, NativeValue>;

export type StreamViewType = 'KEYS_ONLY' | 'NEW_IMAGE' | 'OLD_IMAGE' | 'NEW_AND_OLD_IMAGES';

export type EventName = 'INSERT' | 'MODIFY' | 'REMOVE';

/** Attribute values exactly as the record carries them (`{ S: 'x' }`, `{ N: '1.0' }`, binary as base64 text or bytes). */
export type AttributeValueMap = Readonly<Record<string, unknown>>;

/** The record's own keys and images, for actions that must identify or store them type for type and exactly. */
export interface RawAttributes {
  readonly keys: AttributeValueMap;
  readonly newImage: AttributeValueMap | undefined;
  readonly oldImage: AttributeValueMap | undefined;
}

/** What every change carries, whatever its event name. */
interface ChangeBase<K extends Item> {
  /** Unmarshalled primary key of the item. */
  readonly keys: K;
  /** The keys and images as delivered, checked but not unmarshalled. */
  readonly raw: RawAttributes;
  /** Stream sequence number: the record's identity in a partial batch response. */
  readonly sequenceNumber: string;
  /** When the change was written, as epoch seconds (what Lambda delivers). */
  readonly approximateCreationDateTime: number | undefined;
  readonly sizeBytes: number | undefined;
  readonly streamViewType: StreamViewType | undefined;
  /** Table name parsed from the stream ARN. */
  readonly tableName: string;
  /** The stream ARN the record came from. */
  readonly eventSourceARN: string;
  /** True when DynamoDB's TTL process deleted the item (REMOVE by the `dynamodb.amazonaws.com` service). */
  readonly isTtlExpiry: boolean;
  /** True when the change was made up by a backfill from a table scan rather than read from a stream. */
  readonly isBackfill?: boolean;
  /** Position of the record in its batch. */
  readonly index: number;
}

/** An item was created. `newImage` is undefined when the stream view type does not carry new images. */
export interface Insert<T extends Item = Item, K extends Item = Item> extends ChangeBase<K> {
  readonly eventName: 'INSERT';
  readonly newImage: T | undefined;
  readonly oldImage: undefined;
}

/** An item was replaced or updated. Each image is undefined when the stream view type does not carry it. */
export interface Modify<T extends Item = Item, K extends Item = Item> extends ChangeBase<K> {
  readonly eventName: 'MODIFY';
  readonly newImage: T | undefined;
  readonly oldImage: T | undefined;
}

/** An item was deleted, by a caller or by TTL. */
export interface Remove<T extends Item = Item, K extends Item = Item> extends ChangeBase<K> {
  readonly eventName: 'REMOVE';
  readonly newImage: undefined;
  readonly oldImage: T | undefined;
}

/** One stream record, narrowed once: a discriminated union on `eventName`. */
export type Change<T extends Item = Item, K extends Item = Item> = Insert<T, K> | Modify<T, K> | Remove<T, K>;
