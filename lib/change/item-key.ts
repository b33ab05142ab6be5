import type { Item, NativeValue } from './types.js';

const keyPart = (value: NativeValue): string => {
  if (typeof value === 'string') return `S:${value}`;
  if (typeof value === 'number' || typeof value === 'bigint') return `N:${value.toString()}`;
  if (value instanceof Uint8Array) return `B:${Buffer.from(value).toString('base64')}`;
  return `?:${JSON.stringify(value)}`;
};

/**
 * A stable text form of an item's key (attributes sorted by name, typed), usable as part of another
 * table's key: the same item always gives the same text, whatever order the stream lists its keys in.
 */
export function itemKeyText(keys: Item): string {
  return Object.keys(keys)
    .sort()
    .map((name) => `${name}=${keyPart(keys[name]!)}`)
    .join('|');
}
