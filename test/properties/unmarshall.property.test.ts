import { NumberValueImpl, unmarshall } from '@aws-sdk/util-dynamodb';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { unmarshallImage, validateImage } from '../../lib/runtime/change/unmarshall.js';
import { comparable } from '../support/comparable.js';
import { attributeName, image } from './arbitraries.js';
import { inheritsNothing } from '../support/inherits-nothing.js';

const NUM_RUNS = 3000;

/*
 * On legal input (all the generators make) our unmarshaller equals util-dynamodb's, except that maps are
 * null-prototype objects (so `constructor` can be an attribute name): both sides are compared by content
 * (test/support/comparable.ts). On illegal input util-dynamodb accepts what DynamoDB never sends
 * (hex, spaces, duplicates, NULL false); we refuse it, on purpose: see test/unit/unmarshall.test.ts.
 */
describe('unmarshallImage against @aws-sdk/util-dynamodb (property)', () => {
  it(`gives exactly what util-dynamodb's unmarshall gives for random valid images (${NUM_RUNS} cases)`, () => {
    // Prepare / Act / Assess, per generated image: all ten types, nested M and L, sets, 38-digit, tiny and huge numbers, base64 binary.
    let ran = 0;
    fc.assert(
      fc.property(image, (generated) => {
        ran++;
        const ours = unmarshallImage(generated as Record<string, unknown>);
        const theirs = unmarshall(generated as never);
        // toStrictEqual tells number from bigint, Set from array, and checks every nested key.
        expect(comparable(ours)).toStrictEqual(comparable(theirs));
        expect(inheritsNothing(ours)).toBe(true);
        expect(() => validateImage(generated)).not.toThrow();
      }),
      { numRuns: NUM_RUNS },
    );
    console.log(`[properties] unmarshall equivalence: ${ran} images checked`);
    expect(ran).toBe(NUM_RUNS);
  });

  it('reads a non-integer outside the safe range as a NumberValue with its exact text, where util-dynamodb throws (500 cases)', () => {
    let ran = 0;
    fc.assert(
      fc.property(
        attributeName,
        fc.bigInt({ min: 2n ** 53n, max: 10n ** 30n }),
        fc.stringMatching(/^[0-9]{0,5}[1-9]$/),
        (name, whole, fraction) => {
          ran++;
          // Prepare
          const generated = { [name]: { N: `${whole}.${fraction}` } };
          // Act / Assess: util-dynamodb refuses a legal item; ours keeps the exact text, as its wrapNumbers would.
          expect(() => unmarshall(generated as never)).toThrow();
          const value = unmarshallImage(generated, 'dynamodb.NewImage')[name];
          expect(value).toBeInstanceOf(NumberValueImpl);
          expect(value).toEqual(unmarshall(generated as never, { wrapNumbers: true })[name]);
        },
      ),
      { numRuns: 500 },
    );
    console.log(`[properties] exact NumberValue beyond the safe range: ${ran} cases checked`);
  });
});
