import { NumberValueImpl } from '@aws-sdk/util-dynamodb';
import { inheritsNothing } from './inherits-nothing.js';

/**
 * An unmarshalled value as plain tagged data, for comparing two of our own builds with toStrictEqual:
 * number, bigint and NumberValue stay apart (and 0 from -0), bytes compare by content, every map records
 * whether it inherits nothing, and an attribute named `constructor` cannot defeat the comparison.
 */
export function nativeShape(value: unknown): unknown {
  if (typeof value === 'number') return ['number', Object.is(value, -0) ? '-0' : value];
  if (typeof value === 'bigint') return ['bigint', String(value)];
  if (value instanceof NumberValueImpl) return ['NumberValue', value.value];
  if (value instanceof Uint8Array) return ['bytes', [...value]];
  if (value instanceof Set) return ['Set', [...value].map(nativeShape)];
  if (Array.isArray(value)) return ['L', value.map(nativeShape)];
  if (value === null || typeof value !== 'object') return value;
  const map = value as Record<string, unknown>;
  return ['M', inheritsNothing(map), Object.keys(map).map((name) => [name, nativeShape(map[name])])];
}
