import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDecimal, decimalText, subtractDecimal } from '../../lib/runtime/aggregates/decimal.js';
import { exactNumber } from '../../lib/runtime/change/exact-number.js';
import { toChange } from '../../lib/runtime/change/to-change.js';
import { unmarshallValue, validateImage } from '../../lib/runtime/change/unmarshall.js';
import { InvalidAttributeValueError } from '../../lib/runtime/errors.js';
import { exactSum, sameNumber } from '../../lib/tools/soak/ground-truth.js';
import { exactN } from '../factories/exact-number.js';
import { insertRecord } from '../factories/stream-record.js';
import { decimal38Text, hugeText, numberText, tinyText } from './arbitraries.js';

/*
 * Numbers against oracles that share no code with lib/: DynamoDB's rules restated from its documentation
 * (below) and the soak's ground-truth arithmetic (lib/tools/soak/ground-truth.ts, its own BigInt code).
 */

/** DynamoDB's number rules, from the documentation: sign, digits, fraction, exponent; 38 digits; 1E-130 to 9.99…E+125. */
function dynamoDBAccepts(text: string): boolean {
  const match = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!match) return false;
  const [, , whole, fraction = '', exponent = '0'] = match;
  const digits = `${whole}${fraction}`.replace(/^0+/, '');
  if (digits === '') return true;
  const significant = digits.replace(/0+$/, '').length;
  // Position of the leading digit: digits before the point, less the zeros that led, plus the exponent.
  const leading =
    whole!.replace(/^0+/, '').length > 0
      ? whole!.replace(/^0+/, '').length - 1
      : -(fraction.length - fraction.replace(/^0+/, '').length) - 1;
  const magnitude = leading + Number(exponent);
  return significant <= 38 && magnitude >= -130 && magnitude <= 125;
}

/** Text near the grammar's edges: digits, signs, points, exponents, spaces, hex and words. */
const numberLike = fc.oneof(
  fc.string({ unit: fc.constantFrom(...'0123456789.-+eE x'), maxLength: 12 }),
  fc.constantFrom('Infinity', '-Infinity', 'NaN', '0x1F', '0b11', '0o7', '1_0', '١٢', '\t1', '1\n'),
  fc.tuple(fc.stringMatching(/^-?[0-9]{1,45}(\.[0-9]{1,45})?$/), fc.integer({ min: -200, max: 200 })).map(([m, e]) => `${m}e${e}`),
  fc.stringMatching(/^-?[0-9]{1,50}(\.[0-9]{1,140})?$/),
);

const legalNumber = fc.oneof(
  numberText,
  decimal38Text,
  tinyText,
  hugeText,
  fc.tuple(fc.stringMatching(/^-?[1-9][0-9]{0,20}(\.[0-9]{1,16})?$/), fc.integer({ min: -100, max: 100 })).map(([m, e]) => `${m}E${e}`),
);

describe('DynamoDB numbers (property)', () => {
  it('accepts exactly the texts DynamoDB accepts, in N and inside NS (3000 cases, finding 3)', () => {
    let accepted = 0;
    fc.assert(
      fc.property(numberLike, (text) => {
        // Act
        let error: unknown;
        try {
          unmarshallValue({ N: text });
        } catch (caught) {
          error = caught;
        }
        let setError: unknown;
        try {
          validateImage({ s: { NS: [text] } });
        } catch (caught) {
          setError = caught;
        }

        // Assess: the verdict is the documentation's; a refusal is an InvalidAttributeValueError without the text.
        const legal = dynamoDBAccepts(text);
        if (legal) accepted++;
        if (legal) expect(error, `${JSON.stringify(text)} is legal`).toBeUndefined();
        if (!legal) {
          expect(error, `${JSON.stringify(text)} is not a DynamoDB number`).toBeInstanceOf(InvalidAttributeValueError);
          expect(setError).toBeInstanceOf(InvalidAttributeValueError);
          if (text.trim().length > 2) expect((error as Error).message).not.toContain(text.trim());
        }
      }),
      { numRuns: 3000 },
    );
    expect(accepted).toBeGreaterThan(300);
  });

  it('exactNumber gives the canonical text of the very value the record carried (1000 cases, finding 1)', () => {
    fc.assert(
      fc.property(legalNumber, (text) => {
        // Prepare
        const change = toChange(insertRecord('t', ['id'], { id: 'k', n: exactN(text) }), 0);

        // Act
        const exact = exactNumber(change, 'newImage', 'n')!;

        // Assess: same value, written the one canonical way (the ground truth's plain text).
        expect(sameNumber(exact, text)).toBe(true);
        expect(exact).toBe(exactSum(text, '0'));
      }),
      { numRuns: 1000 },
    );
  });

  it('decimal arithmetic equals the ground truth on any two DynamoDB numbers (2000 cases, finding 1)', () => {
    fc.assert(
      fc.property(legalNumber, legalNumber, (a, b) => {
        // Act
        const sum = addDecimal(a, b);
        const difference = subtractDecimal(a, b);

        // Assess: exact and canonical.
        expect(sum).toBe(exactSum(a, b));
        expect(difference).toBe(exactSum(a, b.startsWith('-') ? b.slice(1) : `-${b}`));
        expect(decimalText(a)).toBe(exactSum(a, '0'));
      }),
      { numRuns: 2000 },
    );
  });
});
