import fc from 'fast-check';

/** A DynamoDB attribute value as it arrives in a Lambda event (JSON: binary as base64 text). */
export type Av = Record<string, unknown>;

/*
 * Every generator here makes legal DynamoDB input only: util-dynamodb accepts illegal input too (hex or
 * spaced numbers, empty or duplicate sets, NULL false), where our unmarshaller refuses it on purpose, so
 * the equality properties hold on legal input, and the refusals have tests of their own.
 *
 * Attribute names: any text, ASCII and beyond, Object.prototype's member names included, except
 * `__proto__`: util-dynamodb's `acc[key] = value` sets the prototype there instead of an attribute, so
 * the two differ by design (covered by unit tests of their own).
 */
export const attributeName = fc
  .oneof(
    fc.string({ maxLength: 12 }),
    fc.string({ unit: 'binary', maxLength: 8 }),
    fc.constantFrom('constructor', 'toString', 'hasOwnProperty', 'valueOf', 'isPrototypeOf', '__defineGetter__'),
  )
  .filter((name) => name !== '__proto__');

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

const sign = fc.constantFrom('', '-');

/** Decimals of exactly 38 significant digits inside the safe range (1 to 15 integer digits). */
export const decimal38Text = fc
  .tuple(sign, fc.integer({ min: 1, max: 15 }), fc.stringMatching(/^[1-9][0-9]{36}[1-9]$/))
  .map(([s, whole, digits]) => `${s}${digits.slice(0, whole)}.${digits.slice(whole)}`);

/** Tiny magnitudes, down to 1E-130, as DynamoDB writes them and in plain notation. */
export const tinyText = fc
  .tuple(sign, fc.stringMatching(/^[1-9]([0-9]{0,36}[1-9])?$/), fc.integer({ min: -130, max: -100 }), fc.boolean())
  .map(([s, digits, exponent, plain]) => {
    // value = 0.d1d2…dn × 10^(exponent + 1): the leading digit's exponent is `exponent`.
    if (!plain) return `${s}${digits[0]}${digits.length > 1 ? `.${digits.slice(1)}` : ''}E${exponent}`;
    return `${s}0.${'0'.repeat(-exponent - 1)}${digits}`;
  });

/**
 * Huge magnitudes, up to 9.99…E+125, in plain notation: integers, so they become exact bigints. (In
 * exponent form util-dynamodb refuses them where we give the bigint; unit tests cover that form.)
 */
export const hugeText = fc
  .tuple(sign, fc.stringMatching(/^[1-9][0-9]{0,37}$/), fc.integer({ min: 60, max: 125 }))
  .map(([s, digits, exponent]) => `${s}${digits}${'0'.repeat(Math.max(0, exponent - digits.length + 1))}`);

export const numberText = fc.oneof(integerText, decimalText, decimal38Text, tinyText, hugeText);

/** Base64 text of random bytes, as Lambda delivers B and BS members. */
const base64 = fc.uint8Array({ maxLength: 24 }).map((bytes) => Buffer.from(bytes).toString('base64'));

const scalar: fc.Arbitrary<Av> = fc.oneof(
  fc.string({ maxLength: 20 }).map((S) => ({ S })),
  numberText.map((N) => ({ N })),
  base64.map((B) => ({ B })),
  fc.boolean().map((BOOL) => ({ BOOL })),
  fc.constant({ NULL: true }),
  fc.uniqueArray(fc.string({ maxLength: 10 }), { minLength: 1, maxLength: 5 }).map((SS) => ({ SS })),
  // Distinct as doubles too: members that share a double are legal, but a plain read gives NumberValues for them,
  // which util-dynamodb's default read cannot.
  fc.uniqueArray(numberText, { minLength: 1, maxLength: 5, selector: (text) => Number(text) }).map((NS) => ({ NS })),
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
