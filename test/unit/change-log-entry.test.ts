import { createHash } from 'node:crypto';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { changeLogEntry } from '../../lib/runtime/actions/change-log-entry.js';
import { itemSizeBytes } from '../../lib/runtime/change/item-size.js';
import { toChange } from '../../lib/runtime/change/to-change.js';
import { insertRecord, modifyRecord, removeRecord, streamRecord } from '../factories/stream-record.js';

const OPTIONS = { retentionSeconds: 86_400, nowSeconds: 1_800_000_000 };
const order = (total: number, notes = 'n') => ({ customerId: 'c1', orderDate: '2026-01-01', orderStatus: 'PENDING', total, notes });
const KEYS = ['customerId', 'orderDate'];

describe('itemSizeBytes', () => {
  it.each<[string, Record<string, AttributeValue>, number]>([
    // Ground truth by DynamoDB's documented rules, counted by hand.
    ['a string', { ab: { S: 'héllo' } }, 2 + 6],
    ['a binary', { b: { B: new Uint8Array(10) } }, 1 + 10],
    ['a boolean and a null', { t: { BOOL: true }, z: { NULL: true } }, 1 + 1 + 1 + 1],
    ['a number, bounded by its text', { n: { N: '12345' } }, 1 + 4],
    ['a list', { l: { L: [{ S: 'ab' }, { NULL: true }] } }, 1 + 3 + (2 + 1) + (1 + 1)],
    ['a map', { m: { M: { k: { S: 'ab' } } } }, 1 + 3 + (1 + 2 + 1)],
    ['a string set', { s: { SS: ['a', 'bc'] } }, 1 + (1 + 1) + (2 + 1)],
  ])('counts %s', (_label, item, bytes) => {
    expect(itemSizeBytes(item)).toBe(bytes);
  });
});

describe('changeLogEntry', () => {
  it.each([
    ['an INSERT that fits', insertRecord('orders-dev', KEYS, order(10)), 100_000, 'whole', ['newImage']],
    ['a MODIFY that fits', modifyRecord('orders-dev', KEYS, order(10), order(12)), 100_000, 'whole', ['newImage', 'oldImage']],
    ['a REMOVE that fits', removeRecord('orders-dev', KEYS, order(10)), 100_000, 'whole', ['oldImage']],
    [
      'a MODIFY too large for both images',
      modifyRecord('orders-dev', KEYS, order(10, 'a'.repeat(600)), order(12, 'b'.repeat(600))),
      1_000,
      'summary',
      ['newImageSha256', 'oldImageSha256', 'changedAttributes'],
    ],
    [
      'an INSERT too large for its image',
      insertRecord('orders-dev', KEYS, order(10, 'a'.repeat(1_000))),
      1_000,
      'summary',
      ['newImageSha256', 'changedAttributes'],
    ],
    [
      'a keys-only MODIFY',
      streamRecord({ eventName: 'MODIFY', table: 'orders-dev', keys: { customerId: 'c1', orderDate: 'd' }, streamViewType: 'KEYS_ONLY' }),
      1_000,
      'whole',
      [],
    ],
  ] as const)('stores %s as a %s entry with %j', (_label, record, maxBytes, kind, present) => {
    // Act
    const entry = changeLogEntry(toChange(record, 0), { ...OPTIONS, maxBytes });

    // Assess
    expect(entry.kind).toBe(kind);
    expect(itemSizeBytes(entry.item)).toBeLessThanOrEqual(maxBytes);
    const optional = ['newImage', 'oldImage', 'newImageSha256', 'oldImageSha256', 'changedAttributes', 'changedAttributeCount'];
    expect(optional.filter((name) => entry.item[name] !== undefined)).toEqual(present);
    expect(entry.item.imagesOmitted).toEqual(kind === 'summary' ? { BOOL: true } : undefined);
    expect(entry.item.keys).toEqual({ M: record.dynamodb!.Keys });
  });

  it('names exactly the attributes a MODIFY set, changed or removed, and hashes each image by content, not attribute order', () => {
    // Prepare
    const before = { ...order(10, 'a'.repeat(600)), gone: 'x', same: 5 };
    const after = { ...order(11, 'b'.repeat(600)), same: 5, added: true };
    const record = modifyRecord('orders-dev', KEYS, before, after);
    const reordered = modifyRecord('orders-dev', KEYS, { ...before }, Object.fromEntries(Object.entries(after).reverse()));

    // Act
    const entry = changeLogEntry(toChange(record, 0), { ...OPTIONS, maxBytes: 1_000 });
    const again = changeLogEntry(toChange(reordered, 0), { ...OPTIONS, maxBytes: 1_000 });

    // Assess
    expect(entry.item.changedAttributes).toEqual({ L: [{ S: 'added' }, { S: 'gone' }, { S: 'notes' }, { S: 'total' }] });
    expect(entry.item.newImageSha256).toEqual(again.item.newImageSha256);
    expect(entry.item.newImageSha256!.S).not.toBe(entry.item.oldImageSha256!.S);
    expect(entry.item.newImageSha256!.S).toMatch(/^[0-9a-f]{64}$/);
  });

  it('hashes the canonical text of the image', () => {
    // Prepare: the canonical text of this one-attribute image is written out by hand below.
    const record = insertRecord('t', ['id'], { id: 'k' });

    // Act
    const entry = changeLogEntry(toChange(record, 0), { ...OPTIONS, maxBytes: 1 });

    // Assess
    expect(entry.item.newImageSha256).toEqual({ S: createHash('sha256').update('M1:2:idS1:k').digest('hex') });
  });

  it('keeps the count instead of the names when even the names do not fit', () => {
    // Prepare: 50 changed attributes with 40-byte names.
    const names = Array.from({ length: 50 }, (_, i) => `${String(i).padStart(2, '0')}${'n'.repeat(38)}`);
    const after = { customerId: 'c1', orderDate: 'd', ...Object.fromEntries(names.map((n) => [n, 1])) };
    const record = modifyRecord('orders-dev', KEYS, { customerId: 'c1', orderDate: 'd' }, after);

    // Act
    const entry = changeLogEntry(toChange(record, 0), { ...OPTIONS, maxBytes: 1_000 });

    // Assess
    expect(entry).toMatchObject({ kind: 'summary', changedAttributesOmitted: true });
    expect(entry.item.changedAttributeCount).toEqual({ N: '50' });
    expect(entry.item.changedAttributes).toBeUndefined();
  });
});
