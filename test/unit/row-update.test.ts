import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { isStorableNumber } from '../../lib/runtime/aggregates/decimal.js';
import { decideRowUpdate, rowUpdateItem, type RowUpdate } from '../../lib/runtime/aggregates/row-update.js';
import type { StatsDelta } from '../../lib/runtime/aggregates/stats-delta.js';

const E37 = '10000000000000000000000000000000000000';
const E38 = '100000000000000000000000000000000000000';
const NINES_38_9 = `${'9'.repeat(38)}.9`;
const MAX = '9.9999999999999999999999999999999999999E+125';

const row = (...add: [string, string][]): StatsDelta => ({ table: 'stats', key: { id: { S: 'r' } }, add });
/** The row as read: attribute values by name (a null-prototype map, so `__proto__` is data). */
const stored = (values: Record<string, AttributeValue>) => {
  const map = new Map(Object.entries(values));
  return (attribute: string) => map.get(attribute);
};

describe('isStorableNumber', () => {
  it.each<[string, boolean]>([
    ['0', true],
    ['-0.000', true],
    [E37, true],
    [E38, true],
    [`${'9'.repeat(37)}.9`, true],
    [NINES_38_9, false],
    [`-${NINES_38_9}`, false],
    ['1234567890.1234567890123456789012345678', true],
    ['1234567890.12345678901234567890123456789', false],
    [MAX, true],
    ['1E+126', false],
    ['1.98E+126', false],
    ['1E-130', true],
    ['1.2345678901234567890123456789012345678E-130', true],
    ['1E-131', false],
    ['-9.9E-131', false],
    ['12345678901234567890123456789012345678000000', true],
  ])('%s: %s', (text, expected) => {
    expect(isStorableNumber(text)).toBe(expected);
  });
});

describe('decideRowUpdate', () => {
  it.each<[string, StatsDelta, Record<string, AttributeValue> | undefined, RowUpdate]>([
    ['deltas that are DynamoDB numbers, not read: ADD', row(['count', '1'], ['total', NINES_38_9.slice(1)]), undefined, { kind: 'add' }],
    ['a 39-digit delta, not read: read the row first', row(['count', '1'], ['total', NINES_38_9]), undefined, { kind: 'read' }],
    ['a delta below 1E-130, not read: read the row first', row(['total', '-1E-131']), undefined, { kind: 'read' }],
    ['a delta above 9.99E+125, not read: read the row first', row(['total', '1.98E+126']), undefined, { kind: 'read' }],
    [
      '0.1 -> 1E38 on a row of 0.1: SET 1E38 where it still is 0.1',
      row(['total', NINES_38_9]),
      { total: { N: '0.1' } },
      { kind: 'set', values: [{ attribute: 'total', read: '0.1', value: E38 }] },
    ],
    [
      '1E38 -> 0.1 beside 5: SET 5.1; an absent counter is conditioned on staying absent',
      row(['total', `-${NINES_38_9}`], ['count', '1']),
      { total: { N: `${E38}.0` } },
      {
        kind: 'set',
        values: [
          { attribute: 'total', read: `${E38}.0`, value: '0.1' },
          { attribute: 'count', read: undefined, value: '1' },
        ],
      },
    ],
    [
      'a row that does not exist yet (read after a refused ADD): SET where the counter is still absent',
      row(['total', E38]),
      {},
      { kind: 'set', values: [{ attribute: 'total', read: undefined, value: E38 }] },
    ],
    ['a 39-digit delta on a row that does not exist: overflow', row(['total', NINES_38_9]), {}, { kind: 'overflow', attribute: 'total' }],
    [
      '0.1 added to 1E38: overflow of that attribute',
      row(['count', '1'], ['total', '0.1']),
      { total: { N: E38 } },
      { kind: 'overflow', attribute: 'total' },
    ],
    [
      '1E-130 added to the largest total: overflow',
      row(['total', '1E-130']),
      { total: { N: MAX } },
      { kind: 'overflow', attribute: 'total' },
    ],
    ['MAX added to MAX: overflow of the magnitude', row(['total', MAX]), { total: { N: MAX } }, { kind: 'overflow', attribute: 'total' }],
    ['1.4E-130 - 1.5E-130: underflow', row(['total', '-1.5E-130']), { total: { N: '1.4E-130' } }, { kind: 'overflow', attribute: 'total' }],
    [
      'a sum back to zero',
      row(['total', `-${E38}`]),
      { total: { N: E38 } },
      { kind: 'set', values: [{ attribute: 'total', read: E38, value: '0' }] },
    ],
    [
      'attribute names that are object keys',
      row(['__proto__', NINES_38_9]),
      Object.fromEntries([['__proto__', { N: '0.1' }]]),
      { kind: 'set', values: [{ attribute: '__proto__', read: '0.1', value: E38 }] },
    ],
    [
      'a counter that holds no number: ADD, so DynamoDB names the type error',
      row(['total', NINES_38_9]),
      { total: { S: 'x' } },
      { kind: 'add' },
    ],
  ])('%s', (_label, delta, current, expected) => {
    // Act
    const decision = current === undefined ? decideRowUpdate(delta) : decideRowUpdate(delta, stored(current));

    // Assess
    expect(decision).toEqual(expected);
  });
});

describe('rowUpdateItem', () => {
  it('writes a SET of the exact values conditioned on the values read', () => {
    // Act
    const item = rowUpdateItem(row(['total', NINES_38_9], ['count', '1']), {
      kind: 'set',
      values: [
        { attribute: 'total', read: '0.1', value: E38 },
        { attribute: 'count', read: undefined, value: '1' },
      ],
    });

    // Assess
    expect(item.Update).toEqual({
      TableName: 'stats',
      Key: { id: { S: 'r' } },
      UpdateExpression: 'SET #a0 = :v0, #a1 = :v1',
      ConditionExpression: '#a0 = :r0 AND attribute_not_exists(#a1)',
      ExpressionAttributeNames: { '#a0': 'total', '#a1': 'count' },
      ExpressionAttributeValues: { ':v0': { N: E38 }, ':r0': { N: '0.1' }, ':v1': { N: '1' } },
    });
  });

  it('writes the ADD of the deltas', () => {
    expect(rowUpdateItem(row(['count', '1']), { kind: 'add' }).Update?.UpdateExpression).toBe('ADD #a0 :d0');
  });
});
