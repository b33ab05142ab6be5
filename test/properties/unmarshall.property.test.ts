import { NumberValueImpl, unmarshall } from '@aws-sdk/util-dynamodb';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildCheckedImage, unmarshallImage, validateImage } from '../../lib/runtime/change/unmarshall.js';
import { comparable } from '../support/comparable.js';
import { attributeName, type Av, image, numberText } from './arbitraries.js';
import { inheritsNothing } from '../support/inherits-nothing.js';
import { nativeShape } from '../support/native-shape.js';

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
        expect(nativeShape(buildCheckedImage(generated as Record<string, unknown>))).toStrictEqual(nativeShape(ours));
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

/** A map whose names are own data properties, `__proto__` included (an object literal or `o[name] =` would set the prototype). */
const mapOf = (entries: [string, unknown][]): Record<string, unknown> => {
  const map: Record<string, unknown> = {};
  for (const [name, value] of entries) Object.defineProperty(map, name, { value, enumerable: true, writable: true, configurable: true });
  return map;
};

/*
 * Legal images util-dynamodb cannot read as we do, so only our two builds are compared: `__proto__` names,
 * NS members that share a double (read as NumberValues), bytes from the SDK, SDK values with other type
 * keys set to undefined, and nesting down to DynamoDB's limit of 32 levels.
 */
const anyName = fc.oneof(attributeName, fc.constant('__proto__'));
const sharedDouble = fc.constantFrom(['1', '1.0000000000000001'], ['0.1', '1.0000000000000001E-1'], ['-2', '-2.0000000000000001']);
const bytes = fc.uint8Array({ maxLength: 12 });
const wideScalar: fc.Arbitrary<Av> = fc.oneof(
  fc.string({ maxLength: 8 }).map((S) => ({ S })),
  numberText.map((N) => ({ N })),
  numberText.map((N) => ({ S: undefined, N, M: undefined })),
  bytes.map((B) => ({ B })),
  fc.uniqueArray(bytes, { minLength: 1, maxLength: 3, selector: (b) => Buffer.from(b).toString('hex') }).map((BS) => ({ BS })),
  fc.tuple(sharedDouble, fc.uniqueArray(numberText, { maxLength: 3, selector: (text) => Number(text) })).map(([shared, others]) => ({
    NS: [...shared, ...others.filter((text) => Number(text) !== Number(shared[0]))],
  })),
  fc.uniqueArray(numberText, { minLength: 1, maxLength: 4, selector: (text) => Number(text) }).map((NS) => ({ NS })),
);
const MAX_LEVELS = 32;
const wideValue = (levels: number): fc.Arbitrary<Av> =>
  levels === 0
    ? wideScalar
    : fc.oneof(
        { depthSize: 'small' },
        wideScalar,
        fc
          .uniqueArray(fc.tuple(anyName, fc.constant(null)), { maxLength: 3, selector: ([name]) => name })
          .chain((names) =>
            fc
              .tuple(...names.map(() => wideValue(levels - 1)))
              .map((values) => ({ M: mapOf(names.map(([name], i) => [name, values[i]])) })),
          ),
        fc.array(wideValue(levels - 1), { maxLength: 3 }).map((L) => ({ L })),
      );
/** A chain of single-attribute maps and one-element lists down to exactly 32 levels, with a wide value at the bottom. */
const deepest = fc
  .tuple(fc.array(fc.boolean(), { minLength: MAX_LEVELS, maxLength: MAX_LEVELS }), wideScalar)
  .map(([kinds, bottom]) => kinds.reduce<Av>((inner, isMap) => (isMap ? { M: mapOf([['__proto__', inner]]) } : { L: [inner] }), bottom));
const wideImage = fc
  .uniqueArray(fc.tuple(anyName, fc.oneof(wideValue(4), deepest)), { maxLength: 6, selector: ([name]) => name })
  .map((entries) => mapOf(entries));

describe('buildCheckedImage against unmarshallImage (property)', () => {
  it(`builds exactly what unmarshallImage builds from every image validateImage accepts (${NUM_RUNS} cases)`, () => {
    let ran = 0;
    fc.assert(
      fc.property(wideImage, (generated) => {
        ran++;
        // Prepare: the precondition of the build without checks
        validateImage(generated);
        // Act
        const built = buildCheckedImage(generated);
        // Assess
        expect(nativeShape(built)).toStrictEqual(nativeShape(unmarshallImage(generated)));
      }),
      { numRuns: NUM_RUNS },
    );
    console.log(`[properties] checked build equivalence: ${ran} images checked`);
    expect(ran).toBe(NUM_RUNS);
  });
});
