import { unmarshall } from '@aws-sdk/util-dynamodb';
import { describe, expect, it } from 'vitest';
import { unmarshallImage, unmarshallValue } from '../../lib/change/unmarshall.js';
import { InvalidAttributeValueError, NumberPrecisionError, UnknownAttributeTypeError } from '../../lib/errors.js';

describe('unmarshallImage', () => {
  it.each([
    ['S', { S: 'text' }, 'text'],
    ['N integer', { N: '42' }, 42],
    ['N decimal', { N: '-19.99' }, -19.99],
    ['N safe-integer edge', { N: '9007199254740991' }, 9007199254740991],
    ['N beyond the safe range (exact bigint)', { N: '12345678901234567890123' }, 12345678901234567890123n],
    ['N negative beyond the safe range', { N: '-9007199254740993' }, -9007199254740993n],
    ['BOOL', { BOOL: false }, false],
    ['NULL', { NULL: true }, null],
    ['B as delivered in a Lambda event (base64)', { B: 'AAEC' }, 'AAEC'],
    ['SS', { SS: ['a', 'b'] }, new Set(['a', 'b'])],
    ['NS', { NS: ['1', '2.5'] }, new Set([1, 2.5])],
    ['BS', { BS: ['AA==', 'AQ=='] }, new Set(['AA==', 'AQ=='])],
    ['L', { L: [{ S: 'x' }, { N: '1' }, { NULL: true }] }, ['x', 1, null]],
    ['M', { M: { a: { M: { b: { BOOL: true } } } } }, { a: { b: true } }],
  ])('unmarshalls %s exactly as @aws-sdk/util-dynamodb does', (_type, value, expected) => {
    // Act
    const ours = unmarshallImage({ v: value });

    // Assess
    expect(ours).toEqual({ v: expected });
    expect(ours).toEqual(unmarshall({ v: value } as never));
  });

  it.each<[string, unknown, new (...args: never[]) => Error, string]>([
    ['an unknown type', { tags: { L: [{ Q: 'x' }] } }, UnknownAttributeTypeError, 'img.tags[0] has an unknown attribute type "Q"'],
    ['a non-integer beyond the safe range', { price: { M: { amount: { N: '12345678901234567.5' } } } }, NumberPrecisionError, 'img.price.amount holds a non-integer number outside the safe-integer range'],
    ['an N that is not a number', { n: { N: 'abc' } }, InvalidAttributeValueError, 'img.n has an N value that is not a number'],
    ['an N given as a JSON number', { n: { N: 5 } }, InvalidAttributeValueError, 'img.n has an N value of type number'],
    ['an empty attribute value', { e: {} }, InvalidAttributeValueError, 'img.e has no value'],
    ['a bare string instead of an attribute value', { e: 'x' }, InvalidAttributeValueError, 'img.e is not an attribute value'],
    ['nesting deeper than 32 levels', { d: JSON.parse('{"M":{"n":'.repeat(33) + '{"S":"x"}' + '}}'.repeat(33)) }, InvalidAttributeValueError, "nests deeper than DynamoDB's limit of 32 levels"],
    ['an SS member that is not a string', { s: { SS: ['a', 1] } }, InvalidAttributeValueError, 'img.s.SS[1] is a number, not a string'],
  ])('rejects %s with the attribute path in the message', (_label, image, type, message) => {
    // Act / Assess
    expect(() => unmarshallImage(image, 'img')).toThrow(type);
    expect(() => unmarshallImage(image, 'img')).toThrow(message);
  });

  it('keeps a __proto__ attribute as data instead of setting the prototype', () => {
    // Prepare
    const image = JSON.parse('{"__proto__": {"M": {"polluted": {"BOOL": true}}}}');

    // Act
    const item = unmarshallImage(image);

    // Assess
    expect(Object.getPrototypeOf(item)).toBe(Object.prototype);
    expect(Object.keys(item)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('unmarshalls a single value', () => {
    expect(unmarshallValue({ NS: ['1', '99999999999999999999'] })).toEqual(new Set([1, 99999999999999999999n]));
  });
});
