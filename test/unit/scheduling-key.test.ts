import { describe, expect, it } from 'vitest';
import { schedulingKey, UNREADABLE_KEYS } from '../../lib/runtime/dispatch/scheduling-key.js';

/** A raw record as Lambda delivers it, parsed from JSON so names like `__proto__` are own properties. */
const recordWithKeys = (keysJson: string): unknown =>
  JSON.parse(`{"dynamodb":{"Keys":${keysJson},"SequenceNumber":"100000000000000000001"}}`);

describe('schedulingKey', () => {
  it.each([
    ['attribute order', '{"pk":{"S":"a"},"sk":{"N":"1"}}', '{"sk":{"N":"1"},"pk":{"S":"a"}}'],
    ['1 and 1.0', '{"id":{"N":"1"}}', '{"id":{"N":"1.0"}}'],
    ['100 and 1E2', '{"id":{"N":"100"}}', '{"id":{"N":"1E2"}}'],
    ['-0 and 0', '{"id":{"N":"-0"}}', '{"id":{"N":"0"}}'],
    ['38 digits', '{"id":{"N":"12345678901234567890123456789012345678"}}', '{"id":{"N":"12345678901234567890123456789012345678.000"}}'],
  ])('gives equal texts for equal keys: %s', (_label, a, b) => {
    // Act
    const left = schedulingKey(recordWithKeys(a));
    const right = schedulingKey(recordWithKeys(b));

    // Assess
    expect(left).not.toBe(UNREADABLE_KEYS);
    expect(left).toBe(right);
  });

  it.each([
    ['S and N of the same text', '{"id":{"S":"1"}}', '{"id":{"N":"1"}}'],
    ['S and B of the same text', '{"id":{"S":"AQI="}}', '{"id":{"B":"AQI="}}'],
    [
      '38-digit numbers one unit apart',
      '{"id":{"N":"12345678901234567890123456789012345678"}}',
      '{"id":{"N":"12345678901234567890123456789012345679"}}',
    ],
    ['a separator moved between name and value', '{"a":{"S":"b\\",\\"c"}}', '{"a\\",\\"b":{"S":"c"}}'],
    ['a separator moved between two attributes', '{"a":{"S":"x|b=S:y"},"c":{"S":"z"}}', '{"a":{"S":"x"},"b":{"S":"y|c=S:z"}}'],
    ['__proto__ and constructor names', '{"__proto__":{"S":"x"}}', '{"constructor":{"S":"x"}}'],
    ['one key attribute and two', '{"pk":{"S":"a"}}', '{"pk":{"S":"a"},"sk":{"S":""}}'],
    ['case of a name', '{"id":{"S":"a"}}', '{"ID":{"S":"a"}}'],
    ['length prefixes moved into a name', '{"1:a":{"S":"x"}}', '{"1":{"S":":ax"}}'],
    ['a value that looks like a second attribute', '{"a":{"S":"x1:bS1:y"}}', '{"a":{"S":"x"},"b":{"S":"y"}}'],
  ])('gives different texts for different keys: %s', (_label, a, b) => {
    // Act
    const left = schedulingKey(recordWithKeys(a));
    const right = schedulingKey(recordWithKeys(b));

    // Assess
    expect(left).not.toBe(UNREADABLE_KEYS);
    expect(right).not.toBe(UNREADABLE_KEYS);
    expect(left).not.toBe(right);
  });

  it('tells apart 2,048-byte keys that differ in their last character', () => {
    // Prepare
    const long = 'é'.repeat(1023);

    // Act
    const a = schedulingKey(recordWithKeys(JSON.stringify({ pk: { S: `${long}a` } })));
    const b = schedulingKey(recordWithKeys(JSON.stringify({ pk: { S: `${long}b` } })));

    // Assess
    expect(a).not.toBe(UNREADABLE_KEYS);
    expect(a).not.toBe(b);
  });

  it.each<[string, unknown]>([
    ['no record', undefined],
    ['no dynamodb', {}],
    ['no Keys', { dynamodb: {} }],
    ['Keys an array', { dynamodb: { Keys: [] } }],
    ['empty Keys', { dynamodb: { Keys: {} } }],
    ['an attribute without a type', { dynamodb: { Keys: { id: {} } } }],
    ['an attribute with two types', { dynamodb: { Keys: { id: { S: 'a', N: '1' } } } }],
    ['a type keys cannot have', { dynamodb: { Keys: { id: { SS: ['a'] } } } }],
    ['a value of the wrong JSON type', { dynamodb: { Keys: { id: { N: 1 } } } }],
    ['a number that is not one', { dynamodb: { Keys: { id: { N: 'one' } } } }],
  ])('puts a record with unreadable keys (%s) in the shared lane', (_label, record) => {
    // Act
    const key = schedulingKey(record);

    // Assess
    expect(key).toBe(UNREADABLE_KEYS);
  });
});
