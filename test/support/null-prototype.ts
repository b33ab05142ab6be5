/**
 * A value from util-dynamodb's unmarshall with every plain object turned into a null-prototype object,
 * the shape our unmarshaller gives (so `constructor` or `toString` can be attribute names). `toStrictEqual`
 * then compares what both hold, still telling number from bigint and Set from array.
 */
export function withNullPrototypes<T>(value: T): T {
  if (Array.isArray(value)) return value.map(withNullPrototypes) as T;
  if (value === null || typeof value !== 'object' || value instanceof Set || value instanceof Uint8Array) return value;
  const out = Object.create(null) as Record<string, unknown>;
  for (const [name, inner] of Object.entries(value)) out[name] = withNullPrototypes(inner);
  return out as T;
}
