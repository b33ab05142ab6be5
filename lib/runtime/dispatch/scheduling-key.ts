import { decimalText } from '../aggregates/decimal.js';

/**
 * The scheduling key of every record whose `dynamodb.Keys` cannot be read. Such a record fails in
 * toChange anyway; one shared lane keeps all of them in stream order. A readable key's text is never empty.
 */
export const UNREADABLE_KEYS = '';

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Canonical, injective text of a raw stream record's `dynamodb.Keys`: equal item keys give equal texts
 * and different item keys give different texts. Per attribute, sorted by name: the name's length, `:`, the name,
 * the type letter (S, N or B), the value's length, `:`, the value. The lengths make it injective whatever the names
 * and values hold (separators, digits, `__proto__`), with plain concatenation: it runs once per record.
 *
 * N values go through decimalText so `1`, `1.0` and `1E0` meet in one lane. DynamoDB already sends canonical
 * number text, so this only guards hand-made events. B values are compared as the base64 text Lambda sends,
 * which is canonical (padded, standard alphabet) in every event DynamoDB produces.
 */
export function schedulingKey(record: unknown): string {
  const keys = isObject(record) && isObject(record.dynamodb) ? record.dynamodb.Keys : undefined;
  if (!isObject(keys)) return UNREADABLE_KEYS;
  const names = Object.keys(keys);
  if (names.length === 0) return UNREADABLE_KEYS;
  if (names.length > 1) names.sort();
  let text = '';
  for (const name of names) {
    const value = keys[name];
    if (!isObject(value)) return UNREADABLE_KEYS;
    const types = Object.keys(value);
    if (types.length !== 1) return UNREADABLE_KEYS;
    const type = types[0]!;
    let part = value[type];
    if (typeof part !== 'string' || (type !== 'S' && type !== 'N' && type !== 'B')) return UNREADABLE_KEYS;
    if (type === 'N') {
      try {
        part = decimalText(part);
      } catch {
        return UNREADABLE_KEYS;
      }
    }
    text += `${name.length}:${name}${type}${(part as string).length}:${part as string}`;
  }
  return text;
}
