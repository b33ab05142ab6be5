import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../lib/runtime/errors.js';
import { InvalidCursorError } from '../../lib/data/errors.js';
import { createCursorCodec, type CursorScope } from '../../lib/data/paging/cursor.js';

const secret = 'test-secret-test-secret-test-secret';
const books: CursorScope = {
  tableName: 'books-x',
  indexName: 'byAuthor',
  tableKeySchema: [{ AttributeName: 'isbn', KeyType: 'HASH' }],
  indexKeySchema: [
    { AttributeName: 'author', KeyType: 'HASH' },
    { AttributeName: 'title', KeyType: 'RANGE' },
  ],
  attributeTypes: { isbn: 'S', author: 'S', title: 'S' },
};
const key = { isbn: { S: '978-1' }, author: { S: 'Ada' }, title: { S: 'Notes' } };
const codec = createCursorCodec(books, { secret });
const valid = codec.encode(key)!;

/** Seals any payload with the right secret: what a client cannot do, used to reach the checks behind the seal. */
const sealed = (payload: unknown) => {
  const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
  return `${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`;
};
const flip = (text: string, at: number) => text.slice(0, at) + (text[at] === 'A' ? 'B' : 'A') + text.slice(at + 1);

describe('opaque cursor', () => {
  it('round-trips a LastEvaluatedKey, including numbers and binary keys', () => {
    // Prepare
    const numeric = createCursorCodec(
      {
        tableName: 't',
        tableKeySchema: [
          { AttributeName: 'p', KeyType: 'HASH' },
          { AttributeName: 's', KeyType: 'RANGE' },
        ],
      },
      { secret },
    );
    const binaryKey = { p: { B: new Uint8Array([0, 1, 255]) }, s: { N: '-12.5' } };

    // Act / Assess
    expect(codec.decode(valid)).toEqual(key);
    expect(numeric.decode(numeric.encode(binaryKey))).toEqual(binaryKey);
    expect(codec.encode(undefined)).toBeUndefined();
    expect(codec.decode(undefined)).toBeUndefined();
  });

  it.each([
    ['empty string', '', 'malformed'],
    ['no seal', valid.split('.')[0]!, 'malformed'],
    ['three parts', `${valid}.x`, 'malformed'],
    ['not base64url', 'a$b.c', 'malformed'],
    ['a changed payload', flip(valid, 5), 'tampered'],
    ['a changed seal', flip(valid, valid.length - 3), 'tampered'],
    ['a seal of another secret', createCursorCodec(books, { secret: 'another-secret-another-secret-32b' }).encode(key)!, 'tampered'],
    ['a cursor of another table', createCursorCodec({ ...books, tableName: 'orders-x' }, { secret }).encode(key)!, 'foreign'],
    ['a cursor of the table instead of the index', sealed({ v: 1, t: 'books-x', k: { isbn: { S: '1' } } }), 'foreign'],
    [
      'a cursor of another index',
      sealed({ v: 1, t: 'books-x', i: 'byTitle', k: { isbn: { S: '1' }, author: { S: 'a' }, title: { S: 't' } } }),
      'foreign',
    ],
    ['a cursor of another query', codec.encode(key, 'author=Bob')!, 'foreign'],
    [
      'another version',
      sealed({ v: 2, t: 'books-x', i: 'byAuthor', k: { isbn: { S: '1' }, author: { S: 'a' }, title: { S: 't' } } }),
      'version',
    ],
    [
      'a key missing an index attribute',
      sealed({ v: 1, t: 'books-x', i: 'byAuthor', k: { isbn: { S: '1' }, author: { S: 'a' } } }),
      'key-schema',
    ],
    [
      'a key with an extra attribute',
      sealed({ v: 1, t: 'books-x', i: 'byAuthor', k: { isbn: { S: '1' }, author: { S: 'a' }, title: { S: 't' }, x: { S: 'y' } } }),
      'key-schema',
    ],
    [
      'a key attribute of the wrong type',
      sealed({ v: 1, t: 'books-x', i: 'byAuthor', k: { isbn: { N: '1' }, author: { S: 'a' }, title: { S: 't' } } }),
      'key-schema',
    ],
    [
      'a key attribute of a non-key type',
      sealed({ v: 1, t: 'books-x', i: 'byAuthor', k: { isbn: { BOOL: true }, author: { S: 'a' }, title: { S: 't' } } }),
      'malformed',
    ],
    [
      'a payload that is not JSON',
      (() => {
        const body = Buffer.from('{nope').toString('base64url');
        return `${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`;
      })(),
      'malformed',
    ],
    ['a JSON null payload', sealed(null), 'malformed'],
    ['a key that is a string', sealed({ v: 1, t: 'books-x', i: 'byAuthor', k: 'isbn' }), 'malformed'],
  ])('refuses %s with reason %s', (_label, cursor, reason) => {
    // Act
    let caught: unknown;
    try {
      codec.decode(cursor);
    } catch (error) {
      caught = error;
    }

    // Assess
    expect(caught).toBeInstanceOf(InvalidCursorError);
    expect((caught as InvalidCursorError).reason).toBe(reason);
    expect((caught as InvalidCursorError).message).toMatch(/^Invalid cursor for index byAuthor of table books-x: /);
  });

  it('continues only the query it was bound to', () => {
    // Prepare
    const bound = codec.encode(key, 'author=Ada');

    // Act / Assess
    expect(codec.decode(bound, 'author=Ada')).toEqual(key);
    expect(() => codec.decode(bound, 'author=Bob')).toThrow(/belongs to another query/);
  });

  it('refuses to encode a key that does not fit the schema', () => {
    // Act / Assess
    expect(() => codec.encode({ isbn: { S: '1' } })).toThrow(InvalidCursorError);
  });

  it.each([
    ['an empty string', ''],
    ['one byte', 'x'],
    ['31 ASCII bytes', 'a'.repeat(31)],
    ['31 bytes as a Uint8Array', new Uint8Array(31).fill(7)],
    // Ten two-byte characters: 20 bytes, though the text is ten characters long.
    ['ten two-byte characters (20 bytes)', 'é'.repeat(10)],
  ])('refuses a secret of %s: it must hold at least 32 bytes', (_label, short) => {
    // Act / Assess
    expect(() => createCursorCodec(books, { secret: short })).toThrow(ConfigurationError);
    expect(() => createCursorCodec(books, { secret: short })).toThrow(/at least 32 bytes/);
  });

  it.each([
    ['32 ASCII bytes', 'a'.repeat(32)],
    ['32 bytes as a Uint8Array', new Uint8Array(32).fill(7)],
    ['sixteen two-byte characters (32 bytes)', 'é'.repeat(16)],
  ])('accepts a secret of %s', (_label, enough) => {
    // Act
    const strong = createCursorCodec(books, { secret: enough });

    // Assess
    expect(strong.decode(strong.encode(key))).toEqual(key);
  });
});
