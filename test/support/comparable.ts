/**
 * An unmarshalled value in a shape that `toStrictEqual` compares by content alone: every map becomes
 * `['M', [[name, value], …]]`, lists `['L', […]]`, sets `['Set', […]]`. Our maps have no prototype and
 * util-dynamodb's do, and an attribute named `constructor` defeats toStrictEqual's own type check, so
 * both sides go through this before comparing. Number and bigint, 0 and -0, stay apart.
 */
export function comparable(value: unknown): unknown {
  if (Array.isArray(value)) return ['L', value.map(comparable)];
  if (value instanceof Set) return ['Set', [...value].map(comparable)];
  if (value === null || typeof value !== 'object' || value instanceof Uint8Array) return value;
  return ['M', Object.keys(value).map((name) => [name, comparable((value as Record<string, unknown>)[name])])];
}
