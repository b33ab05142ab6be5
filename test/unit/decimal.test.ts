import { describe, expect, it } from 'vitest';
import { addDecimal, decimalText, significantDigits, subtractDecimal } from '../../lib/runtime/aggregates/decimal.js';

const MAX_PLAIN = `${'9'.repeat(38)}${'0'.repeat(88)}`;
const TINY_PLAIN = `0.${'0'.repeat(129)}1`;

describe('decimal arithmetic for totals', () => {
  it.each([
    ['19.99', '5.1', '14.89'],
    ['0.3', '0.1', '0.2'],
    ['0', '12.50', '-12.5'],
    ['100', '100', '0'],
    ['1e21', '1', '999999999999999999999'],
    ['-2.5', '-2.5', '0'],
    ['123456789012345678901234567890.12', '0.02', '123456789012345678901234567890.1'],
    ['1234567890.1234567890123456789012345678', '1234567890', '0.1234567890123456789012345678'],
    ['1.0000000000000001', '1', '0.0000000000000001'],
    ['9.9999999999999999999999999999999999999E+125', '1E-130', `${'9'.repeat(37)}8${'9'.repeat(88)}.${'9'.repeat(130)}`],
    ['1E-130', '2E-130', `-${TINY_PLAIN}`],
  ])('%s - %s = %s exactly', (a, b, expected) => {
    expect(subtractDecimal(a, b)).toBe(expected);
  });

  it.each([
    ['0.1', '0.2', '0.3'],
    ['9007199254740990.5', '0.5', '9007199254740991'],
    ['-9.9999999999999999999999999999999999999E+125', '9.9999999999999999999999999999999999999E+125', '0'],
    ['1E-130', '1E+125', `1${'0'.repeat(125)}.${'0'.repeat(129)}1`],
  ])('%s + %s = %s exactly', (a, b, expected) => {
    expect(addDecimal(a, b)).toBe(expected);
  });

  it.each<[number | bigint | string, string]>([
    [19.99, '19.99'],
    [1e21, '1000000000000000000000'],
    [12345678901234567890n, '12345678901234567890'],
    [-0.5, '-0.5'],
    ['1.50', '1.5'],
    ['-0', '0'],
    ['-0.000', '0'],
    ['007.10', '7.1'],
    ['1E-130', TINY_PLAIN],
    ['9.9999999999999999999999999999999999999E+125', MAX_PLAIN],
    ['2.5e+2', '250'],
    ['0E+99999', '0'],
    ['-0.0E-99999', '0'],
    [`0.${'0'.repeat(20_000)}1e+20001`, '1'],
    ['1000e-3', '1'],
  ])('prints %s as canonical %s', (value, expected) => {
    expect(decimalText(value)).toBe(expected);
  });

  it.each(['abc', ' 1', '1 ', '0x10', 'Infinity', 'NaN', '', '.5', '1e'])('rejects %j without repeating it in the message', (text) => {
    // Act
    let caught: unknown;
    try {
      decimalText(text);
    } catch (error) {
      caught = error;
    }

    // Assess
    expect(caught).toBeInstanceOf(RangeError);
    if (text.trim() !== '') expect((caught as Error).message).not.toContain(text.trim());
  });

  it('refuses an exponent no DynamoDB number has, instead of building a power of ten without bound', () => {
    expect(() => decimalText('1e999999999')).toThrow(RangeError);
  });

  it.each([
    ['19.99', '5.1', '25.09'],
    ['0.1', '0.2', '0.3'],
    ['-12.5', '12.50', '0'],
    ['99999999999999999999999999999999999999', '1', '100000000000000000000000000000000000000'],
    ['1E-130', '-1E-130', '0'],
  ])('%s + %s = %s exactly', (a, b, expected) => {
    expect(addDecimal(a, b)).toBe(expected);
  });

  it.each([
    ['0', 0],
    ['100', 1],
    ['-0.0012', 2],
    ['12345678901234567890123456789012345678', 38],
    ['10000000000000000000000000000000000000.1', 39],
  ])('counts the significant digits of %s as %i', (text, digits) => {
    expect(significantDigits(text)).toBe(digits);
  });
});
