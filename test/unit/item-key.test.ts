import { describe, expect, it } from 'vitest';
import { attributeKeyText, derivedItemKey, itemKeyText, PARTITION_KEY_MAX_BYTES } from '../../lib/runtime/change/item-key.js';

const utf8Bytes = (text: string): number => Buffer.byteLength(text, 'utf8');
/** A string of exactly `bytes` UTF-8 bytes, made of `char` (1 to 4 bytes each) and ASCII filler. */
const textOf = (bytes: number, char: string): string =>
  char.repeat(Math.floor(bytes / utf8Bytes(char))) + 'x'.repeat(bytes % utf8Bytes(char));

describe('attributeKeyText', () => {
  it.each([
    [
      'names and values trading separators',
      { customerId: { S: 'alice|orderDate=S:2026-01-01' }, orderDate: { S: 'x' } },
      { customerId: { S: 'alice' }, orderDate: { S: '2026-01-01|orderDate=S:x' } },
    ],
    ['a value holding the next name', { a: { S: '1:b' } }, { a: { S: '1' }, b: { S: '' } }],
    ['S and B keys of the same text', { id: { S: 'AAAA' } }, { id: { B: 'AAAA' } }],
    ['N keys one double apart', { id: { N: '1' } }, { id: { N: '1.0000000000000001' } }],
  ])('tells apart keys with %s', (_label, a, b) => {
    expect(attributeKeyText(a)).not.toBe(attributeKeyText(b));
  });

  it.each([
    ['N keys written two ways', { id: { N: '1' } }, { id: { N: '10E-1' } }],
    ['B keys as base64 and as bytes', { id: { B: 'AP8=' } }, { id: { B: new Uint8Array([0, 255]) } }],
    ['attributes in another order', { a: { S: '1' }, b: { N: '2' } }, { b: { N: '2' }, a: { S: '1' } }],
  ])('gives the same text to %s', (_label, a, b) => {
    expect(attributeKeyText(a)).toBe(attributeKeyText(b));
  });

  it('names the key attribute whose value is not a DynamoDB number', () => {
    expect(() => attributeKeyText({ id: { N: '0x10' } })).toThrow('dynamodb.Keys.id has an N value that is not a DynamoDB number');
  });
});

describe('itemKeyText', () => {
  it.each([
    [{ isbn: '978-0' }, { isbn: { S: '978-0' } }],
    [{ id: 42 }, { id: { N: '42.0' } }],
    [{ id: 12345678901234567890n }, { id: { N: '12345678901234567890' } }],
    [{ id: new Uint8Array([1, 2]) }, { id: { B: 'AQI=' } }],
  ])('reads unmarshalled key %o as the record key %j', (native, raw) => {
    expect(itemKeyText(native)).toBe(attributeKeyText(raw));
  });

  it.each([[{ id: true }], [{ id: null }], [{ id: { nested: 'x' } }]])('rejects %o, which no DynamoDB key can hold', (keys) => {
    expect(() => itemKeyText(keys)).toThrow('keys.id is not a key value');
  });
});

describe('derivedItemKey', () => {
  const longest = [
    ['ASCII', { pk: { S: textOf(2048, 'a') }, sk: { S: textOf(1024, 'b') } }],
    ['two-byte characters', { pk: { S: textOf(2048, 'é') }, sk: { S: textOf(1024, 'é') } }],
    ['four-byte characters', { pk: { S: textOf(2048, '😀') }, sk: { S: textOf(1024, '😀') } }],
    ['binary', { pk: { B: new Uint8Array(2048).fill(255) }, sk: { B: new Uint8Array(1024).fill(7) } }],
  ] as const;

  it.each(longest)('stays within the partition key limit for the largest legal %s keys, with the ledger scope', (_label, keys) => {
    // Act
    const key = derivedItemKey(['customerStats', 'x'.repeat(255), attributeKeyText(keys)]);

    // Assess
    expect(utf8Bytes(key)).toBeLessThanOrEqual(PARTITION_KEY_MAX_BYTES);
    expect(key).toMatch(/^#sha256:[0-9a-f]{64}$/);
  });

  it('keeps a short key readable, scope first', () => {
    expect(derivedItemKey(['books-dev', attributeKeyText({ isbn: { S: '978-0' } })])).toBe('9:books-devM1:4:isbnS5:978-0');
  });

  it('uses the whole limit before hashing, and never gives a hashed key to a plain one', () => {
    // Prepare: key texts whose derived key is exactly at and one byte over the limit.
    const scope = 'books-dev';
    // The overhead of a value of 1,000 to 9,999 characters: its length prefix has four digits.
    const overhead = utf8Bytes(derivedItemKey([scope, attributeKeyText({ isbn: { S: 'a'.repeat(1000) } })])) - 1000;
    const atLimit = attributeKeyText({ isbn: { S: 'a'.repeat(PARTITION_KEY_MAX_BYTES - overhead) } });
    const overLimit = attributeKeyText({ isbn: { S: 'a'.repeat(PARTITION_KEY_MAX_BYTES - overhead + 1) } });
    // A plain key text that imitates a hashed key.
    const imitation = attributeKeyText({ isbn: { S: `#sha256:${'0'.repeat(64)}` } });

    // Act
    const [plain, hashed, imitated] = [atLimit, overLimit, imitation].map((text) => derivedItemKey([scope, text]));

    // Assess
    expect(utf8Bytes(plain!)).toBe(PARTITION_KEY_MAX_BYTES);
    expect(plain).toMatch(/^9:books-dev/);
    expect(hashed).toMatch(/^#sha256:/);
    expect(imitated).toMatch(/^9:books-dev/);
  });

  it.each([
    [
      ['a#b', 'c'],
      ['a', 'b#c'],
    ],
    [
      ['ab', 'c'],
      ['a', 'bc'],
    ],
  ])('tells apart scopes %j and %j that join to the same text', (a, b) => {
    const keyText = attributeKeyText({ id: { S: '1' } });
    expect(derivedItemKey([...a, keyText])).not.toBe(derivedItemKey([...b, keyText]));
  });
});
