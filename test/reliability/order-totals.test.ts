import { describe, expect, it } from 'vitest';
import { unmarshallValue } from '../../lib/runtime/change/unmarshall.js';
import { exactSum } from '../../lib/tools/soak/ground-truth.js';
import { orderTotalText, type TotalClass } from '../../lib/tools/soak/order-totals.js';

/**
 * splitmix32, seeded: the same draws every run. Not the soak's own generator (mulberry32), so the totals are
 * checked on draws the soak does not make.
 */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return ((z ^ (z >>> 16)) >>> 0) / 4294967296;
  };
}

/** Significant digits and the exponent of the leading digit, read from plain text (undefined exponent for zero). */
function shape(text: string): { significant: number; exponent: number | undefined } {
  const plain = exactSum(text, '0').replace('-', '');
  const [whole, fraction = ''] = plain.split('.');
  const digits = `${whole}${fraction}`;
  const first = digits.search(/[1-9]/);
  if (first < 0) return { significant: 0, exponent: undefined };
  const last = digits.length - 1 - [...digits].reverse().join('').search(/[1-9]/);
  return { significant: last - first + 1, exponent: whole!.length - 1 - first };
}

/** What DynamoDB can store: zero, or up to 38 significant digits with a magnitude from 1E-130 to 9.99…E+125. */
function storable(text: string): boolean {
  const { significant, exponent } = shape(text);
  return exponent === undefined || (significant <= 38 && exponent >= -130 && exponent <= 125);
}

const DRAWS = 2000;
const classes: TotalClass[] = ['decimal38', 'tiny', 'huge'];

describe('soak order totals (finding 2)', () => {
  it.each(classes)('%s totals are legal DynamoDB numbers, and any two a customer holds add up to one', (totalClass) => {
    // Prepare
    const random = prng(7);
    const first = Array.from({ length: DRAWS }, () => orderTotalText(random, totalClass, 0));
    const second = Array.from({ length: DRAWS }, () => orderTotalText(random, totalClass, 1));

    // Act
    const illegal = [...first, ...second].filter((text) => !storable(text));
    const unreadable = [...first, ...second].filter((text) => {
      try {
        unmarshallValue({ N: text });
        return false;
      } catch {
        return true;
      }
    });
    // A customer holds at most one order of each position; a MODIFY moves one of them (after - before).
    const sums = first.map((a, i) => exactSum(a, second[i]!));
    const negated = (text: string) => (text.startsWith('-') ? text.slice(1) : `-${text}`);
    const moves = first.slice(1).map((after, i) => exactSum(after, negated(first[i]!)));

    // Assess
    expect(illegal).toEqual([]);
    expect(unreadable).toEqual([]);
    expect([...sums, ...moves].filter((text) => !storable(text))).toEqual([]);
  });

  it('reach 38 significant digits, 1E-130, 9.99…E+125 and negative totals', () => {
    // Prepare
    const random = prng(11);
    const drawn = classes.flatMap((totalClass) => Array.from({ length: DRAWS }, (_, i) => orderTotalText(random, totalClass, i % 2)));

    // Act
    const shapes = drawn.map(shape);

    // Assess
    expect(shapes.some((s) => s.significant === 38 && s.exponent === 8)).toBe(true);
    expect(drawn.some((text) => exactSum(text, '0').replace('-', '') === exactSum('1E-130', '0'))).toBe(true);
    expect(drawn.some((text) => exactSum(text, '0') === exactSum('9.9999999999999999999999999999999999999E+125', '0'))).toBe(true);
    expect(drawn.some((text) => text.includes('1.0000000000000001'))).toBe(true);
    for (const totalClass of classes) {
      expect(drawn.filter((text, i) => classes[Math.floor(i / DRAWS)] === totalClass && text.startsWith('-')).length).toBeGreaterThan(0);
    }
  });
});
