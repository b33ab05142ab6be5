import fc from 'fast-check';

/** A DynamoDB attribute value as it arrives in a Lambda event (JSON: binary as base64 text). */
export type Av = Record<string, unknown>;

/*
 * Attribute names: any text, ASCII and beyond, except `__proto__`. Our unmarshaller keeps a
 * `__proto__` key as an own data property on purpose; util-dynamodb's `acc[key] = value` sets the
 * prototype instead, so the two differ there by design (covered by a unit test of its own).
 */
export const attributeName = fc.oneof(fc.string({ maxLength: 12 }), fc.string({ unit: 'binary', maxLength: 8 })).filter((name) => name !== '__proto__');

/** Integers of any size DynamoDB holds (38 digits): safe ones become numbers, the rest bigints. */
const integerText = fc.oneof(
  fc.integer().map(String),
  fc.constantFrom(Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, 0).map(String),
  fc.bigInt({ min: -(10n ** 38n) + 1n, max: 10n ** 38n - 1n }).map(String),
  fc.bigInt({ min: 2n ** 53n, max: 2n ** 64n }).map((n) => String(-n)),
);

/** Decimals inside the safe range, in DynamoDB's normalised form (no exponent, no trailing zeros). */
const decimalText = fc
  .tuple(fc.boolean(), fc.integer({ min: 0, max: 2 ** 40 }), fc.stringMatching(/^[0-9]{0,8}[1-9]$/))
  .map(([negative, whole, fraction]) => `${negative ? '-' : ''}${whole}.${fraction}`);

export const numberText = fc.oneof(integerText, decimalText);

/** Base64 text of random bytes, as Lambda delivers B and BS members. */
const base64 = fc.uint8Array({ maxLength: 24 }).map((bytes) => Buffer.from(bytes).toString('base64'));

const scalar: fc.Arbitrary<Av> = fc.oneof(
  fc.string({ maxLength: 20 }).map((S) => ({ S })),
  numberText.map((N) => ({ N })),
  base64.map((B) => ({ B })),
  fc.boolean().map((BOOL) => ({ BOOL })),
  fc.constant({ NULL: true }),
  fc.uniqueArray(fc.string({ maxLength: 10 }), { minLength: 1, maxLength: 5 }).map((SS) => ({ SS })),
  fc.uniqueArray(numberText, { minLength: 1, maxLength: 5 }).map((NS) => ({ NS })),
  fc.uniqueArray(base64, { minLength: 1, maxLength: 4 }).map((BS) => ({ BS })),
);

/** Any valid attribute value: the ten types, with M and L nested. */
export const attributeValue: fc.Arbitrary<Av> = fc.letrec<{ value: Av; map: Av; list: Av }>((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalar, tie('map'), tie('list')),
  map: fc.dictionary(attributeName, tie('value'), { maxKeys: 5 }).map((M) => ({ M })),
  list: fc.array(tie('value'), { maxLength: 5 }).map((L) => ({ L })),
})).value;

/** A valid image: a map of attribute names to attribute values. */
export const image = fc.dictionary(attributeName, attributeValue, { maxKeys: 8 });
