import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { KeySchemaElement, ScalarAttributeType } from '@aws-sdk/client-dynamodb';
import { ConfigurationError } from '../../runtime/errors.js';
import { InvalidCursorError } from '../errors.js';
import { keyFromJson, keyToJson, type Key } from './key-json.js';

const VERSION = 1;
/** The HMAC key must be at least as long as its output (SHA-256: 32 bytes). */
export const MIN_SECRET_BYTES = 32;

/** What a cursor is for: the table (and index) whose pages it continues, with their keys. */
export interface CursorScope {
  tableName: string;
  /** The index queried, when not the table itself. */
  indexName?: string | undefined;
  /** The table's key schema. */
  tableKeySchema: KeySchemaElement[];
  /** The index's key schema, for an index. */
  indexKeySchema?: KeySchemaElement[] | undefined;
  /** Types of the key attributes (from AttributeDefinitions), checked when a cursor is read. */
  attributeTypes?: Record<string, ScalarAttributeType> | undefined;
}

export interface CursorCodecOptions {
  /**
   * Key of the HMAC that seals cursors. Clients can read a cursor (it is base64url JSON) but cannot
   * change it without the key. At least 32 bytes (`MIN_SECRET_BYTES`); shorter secrets are refused.
   */
  secret: string | Uint8Array;
}

/** Encodes and checks opaque cursors for one table or index. */
export interface CursorCodec {
  /**
   * The cursor for a page's `lastEvaluatedKey`; undefined when there is no next page. `query` binds the
   * cursor to one query (for example `author=Ada`), so it cannot continue a different one.
   */
  encode(lastEvaluatedKey: Key | undefined, query?: string): string | undefined;
  /** The `ExclusiveStartKey` a cursor stands for; undefined for an absent cursor. Throws InvalidCursorError otherwise. */
  decode(cursor: string | undefined | null, query?: string): Key | undefined;
}

interface Payload {
  v: number;
  t: string;
  i?: string;
  q?: string;
  k: unknown;
}

/** The attributes a LastEvaluatedKey of the scope must have: the table's key, plus the index's key for an index. */
export function requiredKeyAttributes(scope: CursorScope): string[] {
  const names = new Set((scope.tableKeySchema ?? []).map((k) => k.AttributeName!));
  for (const k of scope.indexKeySchema ?? []) names.add(k.AttributeName!);
  return [...names].sort();
}

// The query's parameters (an author's name, say) are not readable from the cursor, only comparable.
const fingerprint = (query: string) => createHash('sha256').update(query).digest('base64url').slice(0, 22);

const TYPE_OF = (value: Key[string]): ScalarAttributeType | undefined =>
  value.S !== undefined ? 'S' : value.N !== undefined ? 'N' : value.B !== undefined ? 'B' : undefined;

/**
 * A codec for opaque pagination cursors: `base64url(JSON{v, t, i, k}).base64url(HMAC-SHA256)`.
 * Decoding rejects, with an InvalidCursorError whose `reason` says why, a cursor that is not one
 * (malformed), whose seal does not match (tampered), of another version, of another table or index
 * (foreign), or whose key does not fit the key schema (key-schema). It never falls back to the start.
 */
export function createCursorCodec(scope: CursorScope, options: CursorCodecOptions): CursorCodec {
  const secret = typeof options.secret === 'string' ? Buffer.from(options.secret, 'utf8') : Buffer.from(options.secret);
  if (secret.length < MIN_SECRET_BYTES) {
    // A short HMAC key can be guessed offline from one cursor, and then any cursor forged.
    throw new ConfigurationError(
      `The cursor secret holds ${secret.length} byte(s); it must hold at least ${MIN_SECRET_BYTES} bytes. ` +
        'Generate one with `openssl rand -base64 32` and pass it as the cursor secret.',
    );
  }
  const required = requiredKeyAttributes(scope);
  const where = scope.indexName ? `index ${scope.indexName} of table ${scope.tableName}` : `table ${scope.tableName}`;
  const seal = (body: string) => createHmac('sha256', secret).update(body).digest();

  const fail = (reason: InvalidCursorError['reason'], detail: string): never => {
    throw new InvalidCursorError(
      reason,
      `Invalid cursor for ${where}: ${detail}. Start again without a cursor, or pass the cursor exactly as it was returned.`,
    );
  };

  const checkKey = (key: Key): Key => {
    const names = Object.keys(key).sort();
    if (names.join(',') !== required.join(','))
      fail('key-schema', `its key has attributes [${names.join(', ')}], expected [${required.join(', ')}]`);
    for (const name of names) {
      const expected = scope.attributeTypes?.[name];
      const actual = TYPE_OF(key[name]!);
      if (expected && actual !== expected) fail('key-schema', `key attribute ${name} is of type ${actual}, expected ${expected}`);
    }
    return key;
  };

  return {
    encode(lastEvaluatedKey, query) {
      if (!lastEvaluatedKey) return undefined;
      const payload: Payload = {
        v: VERSION,
        t: scope.tableName,
        ...(scope.indexName ? { i: scope.indexName } : {}),
        ...(query !== undefined ? { q: fingerprint(query) } : {}),
        k: keyToJson(checkKey(lastEvaluatedKey)),
      };
      const body = Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url');
      return `${body}.${seal(body).toString('base64url')}`;
    },
    decode(cursor, query) {
      if (cursor === undefined || cursor === null) return undefined;
      if (typeof cursor !== 'string' || cursor.length === 0) return fail('malformed', 'it is empty or not a string');
      if (cursor.length > 8192) return fail('malformed', 'it is too long');
      const parts = cursor.split('.');
      if (parts.length !== 2 || !/^[A-Za-z0-9_-]+$/.test(parts[0]!) || !/^[A-Za-z0-9_-]+$/.test(parts[1]!)) {
        return fail('malformed', 'it is not of the form <payload>.<seal>');
      }
      const [body, signature] = parts as [string, string];
      const given = Buffer.from(signature, 'base64url');
      const expected = seal(body);
      if (given.length !== expected.length || !timingSafeEqual(given, expected))
        return fail('tampered', 'its seal does not match its content');
      let payload: Payload;
      try {
        payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Payload;
      } catch (error) {
        throw new InvalidCursorError('malformed', `Invalid cursor for ${where}: its payload is not JSON`, { cause: error });
      }
      if (!payload || typeof payload !== 'object') return fail('malformed', 'its payload is not an object');
      if (payload.v !== VERSION) return fail('version', `it has version ${String(payload.v)}, this service reads version ${VERSION}`);
      if (payload.t !== scope.tableName || (payload.i ?? undefined) !== scope.indexName) {
        const from = payload.i ? `index ${payload.i} of table ${payload.t}` : `table ${payload.t}`;
        return fail('foreign', `it belongs to ${from}`);
      }
      if ((payload.q ?? undefined) !== (query === undefined ? undefined : fingerprint(query)))
        return fail('foreign', 'it belongs to another query');
      let key: Key;
      try {
        key = keyFromJson(payload.k);
      } catch (error) {
        throw new InvalidCursorError('malformed', `Invalid cursor for ${where}: ${(error as Error).message}`, { cause: error });
      }
      return checkKey(key);
    },
  };
}
