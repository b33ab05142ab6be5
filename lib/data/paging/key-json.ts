import type { AttributeValue } from '@aws-sdk/client-dynamodb';

/** A primary key as DynamoDB returns it in `LastEvaluatedKey`. */
export type Key = Record<string, AttributeValue>;

/** A key attribute in JSON-safe form: binary values travel as base64. */
export type JsonKeyValue = { S: string } | { N: string } | { B64: string };

/** A key that survives `JSON.stringify` (state files, cursors). */
export type JsonKey = Record<string, JsonKeyValue>;

/**
 * Turns a key into JSON-safe form. Key attributes can only be S, N or B; anything else cannot be
 * part of a key and is refused, so a corrupt key never travels on.
 */
export function keyToJson(key: Key): JsonKey {
  const json: JsonKey = {};
  for (const [name, value] of Object.entries(key)) {
    if (value.S !== undefined) json[name] = { S: value.S };
    else if (value.N !== undefined) json[name] = { N: value.N };
    else if (value.B !== undefined) json[name] = { B64: Buffer.from(value.B).toString('base64') };
    else throw new TypeError(`key attribute ${name} is not of type S, N or B`);
  }
  return json;
}

/** The inverse of {@link keyToJson}; throws a TypeError on anything that is not a JSON key. */
export function keyFromJson(json: unknown): Key {
  if (!json || typeof json !== 'object' || Array.isArray(json)) throw new TypeError('key is not an object');
  const key: Key = {};
  for (const [name, value] of Object.entries(json as Record<string, unknown>)) {
    if (!value || typeof value !== 'object' || Array.isArray(value)) throw new TypeError(`key attribute ${name} is not an object`);
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length !== 1) throw new TypeError(`key attribute ${name} must have exactly one type`);
    const [type, raw] = entries[0]!;
    if (typeof raw !== 'string') throw new TypeError(`key attribute ${name} has a non-string value`);
    if (type === 'S') key[name] = { S: raw };
    else if (type === 'N') {
      if (!/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(raw)) throw new TypeError(`key attribute ${name} is not a number`);
      key[name] = { N: raw };
    } else if (type === 'B64') {
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(raw)) throw new TypeError(`key attribute ${name} is not base64`);
      key[name] = { B: new Uint8Array(Buffer.from(raw, 'base64')) };
    } else throw new TypeError(`key attribute ${name} has type ${type}, keys can only be S, N or B`);
  }
  return key;
}
