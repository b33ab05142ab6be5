import { decimalText } from '../aggregates/decimal.js';

/**
 * The scheduling key of every record whose `dynamodb.Keys` cannot be read. Such a record fails in
 * toChange anyway; one shared lane keeps all of them in stream order. Never a JSON text, so it equals no readable key.
 */
export const UNREADABLE_KEYS = '';

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Canonical, injective text of a raw stream record's `dynamodb.Keys`: equal item keys give equal texts
 * and different item keys give different texts. It is the JSON of the `[name, type, value]` triples sorted by name;
 * JSON string escaping makes it injective whatever the names and values hold (separators, `__proto__`).
 *
 * N values go through decimalText so `1`, `1.0` and `1E0` meet in one lane. DynamoDB already sends canonical
 * number text, so this only guards hand-made events. B values are compared as the base64 text Lambda sends,
 * which is canonical (padded, standard alphabet) in every event DynamoDB produces.
 */
export function schedulingKey(record: unknown): string {
  const keys = isObject(record) && isObject(record.dynamodb) ? record.dynamodb.Keys : undefined;
  if (!isObject(keys)) return UNREADABLE_KEYS;
  const names = Object.keys(keys).sort();
  if (names.length === 0) return UNREADABLE_KEYS;
  const triples: [string, string, string][] = [];
  for (const name of names) {
    const value = keys[name];
    if (!isObject(value)) return UNREADABLE_KEYS;
    const types = Object.keys(value);
    if (types.length !== 1) return UNREADABLE_KEYS;
    const type = types[0]!;
    const text = value[type];
    if (typeof text !== 'string' || (type !== 'S' && type !== 'N' && type !== 'B')) return UNREADABLE_KEYS;
    let canonical = text;
    if (type === 'N') {
      try {
        canonical = decimalText(text);
      } catch {
        return UNREADABLE_KEYS;
      }
    }
    triples.push([name, type, canonical]);
  }
  return JSON.stringify(triples);
}
