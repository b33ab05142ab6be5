import { describe, expect, it } from 'vitest';
import { exactNumber, exactNumberSet } from '../../lib/runtime/change/exact-number.js';
import { toChange } from '../../lib/runtime/change/to-change.js';
import type { Change } from '../../lib/runtime/change/types.js';
import { exactN } from '../factories/exact-number.js';
import { insertRecord, modifyRecord, removeRecord } from '../factories/stream-record.js';

const order = (total: unknown) => ({ customerId: 'c1', orderDate: '2026-01-01', orderStatus: 'PAID', total });
const keys = ['customerId', 'orderDate'];

describe('exactNumber (finding 1)', () => {
  it.each([
    ['38 significant digits', '1234567890.1234567890123456789012345678', '1234567890.1234567890123456789012345678'],
    ['20 fraction digits', '0.12345678901234567891', '0.12345678901234567891'],
    ['a digit past double precision', '1.0000000000000001', '1.0000000000000001'],
    ['a half inside the safe range', '9007199254740990.5', '9007199254740990.5'],
    ['the smallest magnitude', '1E-130', `0.${'0'.repeat(129)}1`],
    ['the largest magnitude', '-9.9999999999999999999999999999999999999E+125', `-${'9'.repeat(38)}${'0'.repeat(88)}`],
    ['trailing zeros', '19.900', '19.9'],
    ['negative zero', '-0', '0'],
  ])('reads %s from the record text, where the plain image holds a double', (_label, text, expected) => {
    // Prepare
    const change = toChange(insertRecord('orders-local', keys, order(exactN(text))), 0);

    // Act
    const exact = exactNumber(change, 'newImage', 'total');

    // Assess
    expect(exact).toBe(expected);
  });

  it('leaves the plain image with util-dynamodb values', () => {
    // Prepare
    const change = toChange(insertRecord('orders-local', keys, order(exactN('1.0000000000000001'))), 0);

    // Act / Assess
    expect(change.newImage!.total).toBe(1);
    expect(exactNumber(change, 'newImage', 'total')).toBe('1.0000000000000001');
  });

  it('reads old images, keys, nested paths and number sets', () => {
    // Prepare
    const before = {
      ...order(exactN('0.10')),
      id: exactN('1.0000000000000001'),
      price: { amounts: [exactN('1'), exactN('2.50')] },
      sizes: new Set([exactN('1.0000000000000001'), exactN('3')]),
    };
    const change = toChange(
      modifyRecord('orders-local', ['customerId', 'id'], before, { ...order(exactN('2')), id: exactN('1.0000000000000001') }),
      0,
    );

    // Act / Assess
    expect(exactNumber(change, 'oldImage', 'total')).toBe('0.1');
    expect(exactNumber(change, 'keys', 'id')).toBe('1.0000000000000001');
    expect(exactNumber(change, 'oldImage', ['price', 'amounts', 1])).toBe('2.5');
    expect(exactNumberSet(change, 'oldImage', 'sizes')).toEqual(['1.0000000000000001', '3']);
  });

  it.each<[string, Change, Parameters<typeof exactNumber>[1], Parameters<typeof exactNumber>[2]]>([
    ['an absent attribute', toChange(insertRecord('orders-local', keys, order(exactN('1'))), 0), 'newImage', 'missing'],
    ['a text attribute', toChange(insertRecord('orders-local', keys, order('12')), 0), 'newImage', 'total'],
    ['an image the record does not carry', toChange(removeRecord('orders-local', keys, order(exactN('1'))), 0), 'newImage', 'total'],
    ['a prototype member name', toChange(insertRecord('orders-local', keys, order(exactN('1'))), 0), 'newImage', 'constructor'],
    ['a path through a non-map', toChange(insertRecord('orders-local', keys, order(exactN('1'))), 0), 'newImage', ['total', 'x']],
    ['a list index past the end', toChange(insertRecord('orders-local', keys, { ...order(1), l: [exactN('1')] }), 0), 'newImage', ['l', 3]],
  ])('gives undefined for %s', (_label, change, image, path) => {
    expect(exactNumber(change, image, path)).toBeUndefined();
  });

  it('refuses a change that toChange did not make, instead of guessing from a double', () => {
    // Prepare
    const made = toChange(insertRecord('orders-local', keys, order(exactN('1.5'))), 0);
    const copy = { ...made, newImage: made.newImage } as Change;

    // Act / Assess
    expect(() => exactNumber(copy, 'newImage', 'total')).toThrow(TypeError);
  });
});
