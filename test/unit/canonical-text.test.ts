import { describe, expect, it } from 'vitest';
import { canonicalImageText, canonicalNumberText, canonicalValueText } from '../../lib/runtime/change/canonical-text.js';
import { InvalidAttributeValueError } from '../../lib/runtime/errors.js';

/** An image built as JSON.parse builds one, so that names such as `__proto__` are own attributes. */
const image = (json: string): Record<string, unknown> => JSON.parse(json) as Record<string, unknown>;

describe('canonicalNumberText', () => {
  it.each([
    ['1', '1E0'],
    ['1.0', '1E0'],
    ['10E-1', '1E0'],
    ['0.1e1', '1E0'],
    ['+1', '1E0'],
    ['001.000', '1E0'],
    ['10', '1E1'],
    ['-2.50', '-25E-1'],
    ['0', '0'],
    ['-0', '0'],
    ['0.000', '0'],
    ['0E+99', '0'],
    ['1.0000000000000001', '10000000000000001E-16'],
    ['12345678901234567890123456789012345678', '12345678901234567890123456789012345678E0'],
    ['9.9999999999999999999999999999999999999E+125', '99999999999999999999999999999999999999E88'],
    ['1E-130', '1E-130'],
    ['.5', '5E-1'],
  ])('%s is %s', (text, expected) => {
    expect(canonicalNumberText(text)).toBe(expected);
  });

  const notNumbers = [[''], ['-'], ['.'], ['1e'], ['0x10'], [' 1'], ['1 '], ['Infinity'], ['NaN'], ['1_000'], ['1e1.5'], ['--1']];
  it.each(notNumbers)('%j is not a number', (text) => {
    expect(canonicalNumberText(text)).toBeUndefined();
  });
});

describe('canonicalValueText', () => {
  it.each([
    ['N written two ways', { N: '1' }, { N: '1.0' }],
    ['N with an exponent', { N: '100' }, { N: '1E2' }],
    ['B as base64 and as bytes', { B: 'AAEC' }, { B: new Uint8Array([0, 1, 2]) }],
    ['SS in another order', { SS: ['b', 'a'] }, { SS: ['a', 'b'] }],
    ['NS in another order and form', { NS: ['2', '1.0'] }, { NS: ['1', '2.00'] }],
    ['BS in another order', { BS: ['AQ==', 'AA=='] }, { BS: [new Uint8Array([0]), new Uint8Array([1])] }],
    ['M with entries in another order', { M: { a: { S: 'x' }, b: { N: '2' } } }, { M: { b: { N: '2.0' }, a: { S: 'x' } } }],
  ])('gives %s the same text', (_label, a, b) => {
    expect(canonicalValueText(a)).toBe(canonicalValueText(b));
  });

  it.each([
    ['S and B with the same text', { S: 'AAAA' }, { B: 'AAAA' }],
    ['S and N with the same text', { S: '1' }, { N: '1' }],
    ['N one double apart', { N: '1' }, { N: '1.0000000000000001' }],
    ['38-digit N one apart', { N: '12345678901234567890123456789012345678' }, { N: '12345678901234567890123456789012345679' }],
    ['S and SS of one member', { S: 'a' }, { SS: ['a'] }],
    ['BOOL true and false', { BOOL: true }, { BOOL: false }],
    ['NULL and empty S', { NULL: true }, { S: '' }],
    ['L and SS with the same members', { L: [{ S: 'a' }, { S: 'b' }] }, { SS: ['a', 'b'] }],
    ['L in two orders', { L: [{ S: 'a' }, { S: 'b' }] }, { L: [{ S: 'b' }, { S: 'a' }] }],
    ['M whose names and values trade a separator', { M: { 'a:b': { S: 'c' } } }, { M: { a: { S: 'b:c' } } }],
  ])('tells apart %s', (_label, a, b) => {
    expect(canonicalValueText(a)).not.toBe(canonicalValueText(b));
  });

  it.each([
    [{ N: 'abc' }, 'item.n has an N value that is not a DynamoDB number'],
    [{ X: 'a' }, 'item.n has an unknown attribute type "X"'],
    [{}, 'item.n has no value'],
    ['text', 'item.n is not an attribute value'],
  ])('rejects %j naming the path', (value, message) => {
    expect(() => canonicalValueText(value, 'item.n')).toThrow(InvalidAttributeValueError);
    expect(() => canonicalValueText(value, 'item.n')).toThrow(message);
  });
});

describe('canonicalImageText', () => {
  it('is injective where a naive join of names and values is not', () => {
    // The keys of issue 9 finding 4: joined as name=S:value with "|", both read the same.
    const first = { customerId: { S: 'alice|orderDate=S:2026-01-01' }, orderDate: { S: 'x' } };
    const second = { customerId: { S: 'alice' }, orderDate: { S: '2026-01-01|orderDate=S:x' } };
    expect(canonicalImageText(first)).not.toBe(canonicalImageText(second));
  });

  it('keeps attributes named __proto__ and constructor, in any order', () => {
    const a = image('{"__proto__":{"S":"p"},"constructor":{"N":"1"},"toString":{"BOOL":true}}');
    const b = image('{"toString":{"BOOL":true},"constructor":{"N":"1.0"},"__proto__":{"S":"p"}}');
    const without = image('{"constructor":{"N":"1"},"toString":{"BOOL":true}}');
    expect(canonicalImageText(a)).toBe(canonicalImageText(b));
    expect(canonicalImageText(a)).not.toBe(canonicalImageText(without));
    expect(canonicalImageText(a)).toBe('M3:9:__proto__S1:p11:constructorN3:1E08:toStringT');
  });
});
