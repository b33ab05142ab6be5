import { describe, expect, it } from 'vitest';
import { addDecimal, decimalText, significantDigits, subtractDecimal } from '../../lib/aggregates/decimal.js';

describe('decimal arithmetic for totals', () => {
  it.each([
    ['19.99', '5.1', '14.89'],
    ['0.3', '0.1', '0.2'],
    ['0', '12.50', '-12.5'],
    ['100', '100', '0'],
    ['1e21', '1', '999999999999999999999'],
    ['-2.5', '-2.5', '0'],
    ['123456789012345678901234567890.12', '0.02', '123456789012345678901234567890.1'],
  ])('%s - %s = %s exactly', (a, b, expected) => {
    expect(subtractDecimal(a, b)).toBe(expected);
  });

  it.each([
    [19.99, '19.99'],
    [1e21, '1000000000000000000000'],
    [12345678901234567890n, '12345678901234567890'],
    [-0.5, '-0.5'],
  ])('prints %s as %s', (value, expected) => {
    expect(decimalText(value)).toBe(expected);
  });

  it('rejects text that is not a number', () => {
    expect(() => subtractDecimal('abc', '1')).toThrow('"abc" is not a decimal number');
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
