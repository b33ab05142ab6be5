import { createHash } from 'node:crypto';
import { InvalidAttributeValueError } from '../errors.js';
import { canonicalImageText } from './canonical-text.js';
import type { Item, NativeValue } from './types.js';

/** DynamoDB's limit for a partition key value, in UTF-8 bytes. */
export const PARTITION_KEY_MAX_BYTES = 2048;

/**
 * A text that identifies an item by its key attribute values as a stream record carries them
 * (`{ isbn: { S: '…' } }`): injective (no two keys share a text, whatever their texts contain), N keys by
 * value (`1` and `1.0` are one key), B keys by bytes, attributes in any order.
 * @throws InvalidAttributeValueError naming `path` when a key value is not an attribute value.
 */
export function attributeKeyText(keys: Readonly<Record<string, unknown>>, path = 'dynamodb.Keys'): string {
  return canonicalImageText(keys, path);
}

const toAttributeValue = (value: NativeValue, name: string): unknown => {
  if (typeof value === 'string') return { S: value };
  if (typeof value === 'number' || typeof value === 'bigint') return { N: value.toString() };
  if (value instanceof Uint8Array) return { B: value };
  throw new InvalidAttributeValueError(`keys.${name}`, 'is not a key value: DynamoDB keys are strings, numbers or binary');
};

/**
 * {@link attributeKeyText} of an unmarshalled key (strings are S, numbers N, bytes B). Exact only when the
 * numbers are: prefer attributeKeyText on the record's own key values where they are at hand.
 */
export function itemKeyText(keys: Item): string {
  const values: Record<string, unknown> = {};
  for (const name of Object.keys(keys)) {
    Object.defineProperty(values, name, { value: toAttributeValue(keys[name]!, name), enumerable: true });
  }
  return attributeKeyText(values, 'keys');
}

/**
 * A table key derived from `parts` (scope first, an item's key text last) that fits `maxBytes` for every
 * legal source key: the parts length-prefixed while they fit, else `#sha256:` and the hash of that text.
 * Injective: a plain key starts with a digit, a hashed one with `#`, so a hashed key never equals a plain one.
 */
export function derivedItemKey(parts: readonly string[], maxBytes = PARTITION_KEY_MAX_BYTES): string {
  // The last part is a canonical text (self-delimiting), the others are prefixed with their length.
  const text = parts.map((part, i) => (i === parts.length - 1 ? part : `${part.length}:${part}`)).join('');
  if (Buffer.byteLength(text, 'utf8') <= maxBytes && /^[0-9]/.test(text)) return text;
  return `#sha256:${createHash('sha256').update(text, 'utf8').digest('hex')}`;
}
