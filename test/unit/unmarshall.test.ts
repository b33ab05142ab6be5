import { NumberValueImpl, unmarshall } from '@aws-sdk/util-dynamodb';
import { describe, expect, it } from 'vitest';
import { buildCheckedImage, unmarshallImage, unmarshallValue, validateImage } from '../../lib/runtime/change/unmarshall.js';
import { InvalidAttributeValueError, UnknownAttributeTypeError } from '../../lib/runtime/errors.js';
import { comparable } from '../support/comparable.js';
import { inheritsNothing } from '../support/inherits-nothing.js';
import { nativeShape } from '../support/native-shape.js';

const MAX_N = '9.9999999999999999999999999999999999999E+125';
const MAX_N_PLAIN = `${'9'.repeat(38)}${'0'.repeat(88)}`;

/** What a call threw, so one test can assert on the error's class and fields. */
function thrownBy(act: () => unknown): Error {
  try {
    act();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the call to throw');
}

describe('unmarshallImage', () => {
  it.each([
    ['S', { S: 'text' }, 'text'],
    ['N integer', { N: '42' }, 42],
    ['N decimal', { N: '-19.99' }, -19.99],
    ['N safe-integer edge', { N: '9007199254740991' }, 9007199254740991],
    ['N beyond the safe range (exact bigint)', { N: '12345678901234567890123' }, 12345678901234567890123n],
    ['N negative beyond the safe range', { N: '-9007199254740993' }, -9007199254740993n],
    ['N with 38 digits (nearest double, as util-dynamodb)', { N: '1234567890.1234567890123456789012345678' }, 1234567890.1234567],
    ['N of the largest magnitude, plain', { N: MAX_N_PLAIN }, BigInt(MAX_N_PLAIN)],
    ['N of the smallest magnitude', { N: '1E-130' }, 1e-130],
    ['N negative zero', { N: '-0' }, -0],
    ['BOOL', { BOOL: false }, false],
    ['NULL', { NULL: true }, null],
    ['B as delivered in a Lambda event (base64)', { B: 'AAEC' }, 'AAEC'],
    ['B empty', { B: '' }, ''],
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
    expect(comparable(ours)).toStrictEqual(comparable(unmarshall({ v: value } as never)));
  });

  it.each([
    ['an integer in exponent form', '1e21', 10n ** 21n],
    ['an integer with a zero fraction', '9007199254740993.000', 9007199254740993n],
    ['the largest magnitude in exponent form', MAX_N, BigInt(MAX_N_PLAIN)],
    ['a negative integer in exponent form', '-1.5E+20', -150000000000000000000n],
  ])('gives the exact bigint of %s beyond the safe range, where util-dynamodb refuses it', (_label, text, expected) => {
    // Act / Assess
    expect(unmarshallImage({ v: { N: text } }).v).toBe(expected);
    expect(() => unmarshall({ v: { N: text } } as never)).toThrow();
  });

  it.each<[string, unknown, new (...args: never[]) => Error, string]>([
    ['an unknown type', { tags: { L: [{ Q: 'x' }] } }, UnknownAttributeTypeError, 'img.tags[0] has an unknown attribute type "Q"'],
    ['an N that is not a number', { n: { N: 'abc' } }, InvalidAttributeValueError, 'img.n has an N value that is not a DynamoDB number'],
    ['an N given as a JSON number', { n: { N: 5 } }, InvalidAttributeValueError, 'img.n has an N value of type number'],
    ['an empty attribute value', { e: {} }, InvalidAttributeValueError, 'img.e has no value'],
    ['a bare string instead of an attribute value', { e: 'x' }, InvalidAttributeValueError, 'img.e is not an attribute value'],
    [
      'nesting deeper than 32 levels',
      { d: JSON.parse(`${'{"M":{"n":'.repeat(33)}{"S":"x"}${'}}'.repeat(33)}`) },
      InvalidAttributeValueError,
      "nests deeper than DynamoDB's limit of 32 levels",
    ],
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
    expect(inheritsNothing(item)).toBe(true);
    expect(Object.keys(item)).toEqual(['__proto__']);
    // biome-ignore lint/suspicious/noProto: the attribute named __proto__ is the subject of this test
    expect(item.__proto__).toEqual({ polluted: true });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('unmarshalls a single value', () => {
    expect(unmarshallValue({ NS: ['1', '99999999999999999999'] })).toEqual(new Set([1, 99999999999999999999n]));
  });
});

describe('DynamoDB number grammar (finding 3)', () => {
  it.each([
    ['hexadecimal', '0x10'],
    ['binary', '0b101'],
    ['octal', '0o17'],
    ['a leading space', ' 1'],
    ['a trailing space', '1 '],
    ['a leading plus', '+1'],
    ['Infinity', 'Infinity'],
    ['-Infinity', '-Infinity'],
    ['NaN', 'NaN'],
    ['the empty text', ''],
    ['a bare fraction', '.5'],
    ['a bare point', '5.'],
    ['an exponent without digits', '1e'],
    ['an underscore separator', '1_000'],
    ['a huge exponent', '1e400'],
    ['a magnitude above 9.99…E+125', '1E+126'],
    ['a magnitude below 1E-130', '1E-131'],
    ['a magnitude below 1E-130, plain', `0.${'0'.repeat(130)}1`],
    ['39 significant digits', '1234567890.12345678901234567890123456789'],
    ['39 significant digits in exponent form', `1.${'1'.repeat(38)}E+5`],
  ])('rejects an N of %s, naming the path and never the value', (_label, text) => {
    // Act
    const plain = thrownBy(() => unmarshallImage({ price: { M: { amount: { N: text } } } }, 'dynamodb.NewImage'));
    const inSet = thrownBy(() => unmarshallImage({ sizes: { NS: ['1', text] } }, 'dynamodb.NewImage'));

    // Assess
    expect(plain).toBeInstanceOf(InvalidAttributeValueError);
    expect((plain as InvalidAttributeValueError).path).toBe('dynamodb.NewImage.price.amount');
    expect(inSet).toBeInstanceOf(InvalidAttributeValueError);
    expect((inSet as InvalidAttributeValueError).path).toBe('dynamodb.NewImage.sizes.NS[1]');
    if (text.trim() !== '') expect(plain.message).not.toContain(text.trim());
  });

  it.each([
    ['zero', '0', 0],
    ['a leading zero', '007', 7],
    ['trailing zeros in the fraction', '1.50', 1.5],
    ['an exponent with a sign', '1e+21', 10n ** 21n],
    ['an upper-case exponent', '2.5E-3', 0.0025],
    ['zero with any exponent', '0E+999', 0],
    ['38 significant digits between zeros', `000.00${'7'.repeat(38)}000`, Number(`0.00${'7'.repeat(38)}`)],
    ['1E-130 in plain notation', `0.${'0'.repeat(129)}1`, 1e-130],
    ['the largest magnitude, negative', `-${MAX_N}`, -BigInt(MAX_N_PLAIN)],
  ])('accepts an N with %s', (_label, text, expected) => {
    // Act / Assess
    expect(unmarshallImage({ v: { N: text } }).v).toBe(expected);
    expect(() => validateImage({ v: { N: text } })).not.toThrow();
  });
});

/** Malformed values of finding 8, each with the path the error must name (image `img`, attribute `a`). */
const malformed: [string, unknown, string, string][] = [
  ['an attribute value with two type keys', { S: 'x', N: '1' }, 'img.a', 'has two type keys (S and N)'],
  ['NULL false', { NULL: false }, 'img.a', 'has a NULL value other than true'],
  ['NULL given as text', { NULL: 'true' }, 'img.a', 'has a NULL value other than true'],
  ['an empty SS', { SS: [] }, 'img.a', 'has an empty SS'],
  ['an empty NS', { NS: [] }, 'img.a', 'has an empty NS'],
  ['an empty BS', { BS: [] }, 'img.a', 'has an empty BS'],
  ['a duplicate SS member', { SS: ['x', 'y', 'x'] }, 'img.a.SS[2]', 'repeats an earlier member'],
  ['NS members equal by value', { NS: ['1', '1.0'] }, 'img.a.NS[1]', 'repeats an earlier member'],
  ['NS members equal by value, one in exponent form', { NS: ['250', '2.5E+2'] }, 'img.a.NS[1]', 'repeats an earlier member'],
  ['a duplicate BS member', { BS: ['AAEC', 'AQ==', 'AAEC'] }, 'img.a.BS[2]', 'repeats an earlier member'],
  ['BS members with equal bytes', { BS: [new Uint8Array([1, 2]), new Uint8Array([1, 2])] }, 'img.a.BS[1]', 'repeats an earlier member'],
  [
    'a BS member as bytes equal to an earlier text member',
    { BS: ['AQI=', new Uint8Array([1, 2])] },
    'img.a.BS[1]',
    'repeats an earlier member',
  ],
  ['NS members 0 and -0', { NS: ['0', '-0'] }, 'img.a.NS[1]', 'repeats an earlier member'],
  [
    'a duplicate SS member in a set of 17',
    { SS: [...Array.from({ length: 16 }, (_, i) => `t${i}`), 't3'] },
    'img.a.SS[16]',
    'repeats an earlier member',
  ],
  ['a malformed NS member after a duplicate pair', { NS: ['1', '1', 'x'] }, 'img.a.NS[2]', 'is not a DynamoDB number'],
  ['B that is not base64', { B: 'not base64!' }, 'img.a', 'is not canonical base64'],
  ['B base64 without padding', { B: 'AAE' }, 'img.a', 'is not canonical base64'],
  ['B base64 with non-zero unused bits', { B: 'AB==' }, 'img.a', 'is not canonical base64'],
  ['B with padding inside', { B: 'AA==AAAA' }, 'img.a', 'is not canonical base64'],
  ['a BS member that is not base64', { BS: ['AA==', 'A A='] }, 'img.a.BS[1]', 'is not canonical base64'],
  ['nested in a list in a map', { M: { l: { L: [{ S: 'ok' }, { NULL: false }] } } }, 'img.a.l[1]', 'has a NULL value other than true'],
];

describe('strict attribute values (finding 8)', () => {
  it.each(malformed)('rejects %s, naming the attribute path', (_label, value, path, problem) => {
    // Act
    const error = thrownBy(() => unmarshallImage({ a: value }, 'img'));

    // Assess
    expect(error).toBeInstanceOf(InvalidAttributeValueError);
    expect((error as InvalidAttributeValueError).path).toBe(path);
    expect(error.message).toContain(problem);
  });

  it.each(malformed)('validateImage and unmarshallImage agree on %s', (_label, value) => {
    // Act
    const built = thrownBy(() => unmarshallImage({ ok: { S: 'fine' }, a: value }, 'img'));
    const checked = thrownBy(() => validateImage({ ok: { S: 'fine' }, a: value }, 'img'));

    // Assess
    expect(checked).toEqual(built);
    expect(checked.constructor).toBe(built.constructor);
  });

  it('reads an NS whose distinct members share a double as NumberValues, instead of dropping one', () => {
    // Prepare: legal in DynamoDB, but as JS numbers both are 1, and a Set of numbers would keep one.
    const image = { sizes: { NS: ['1', '1.0000000000000001'] } };

    // Act
    const built = unmarshallImage(image, 'img').sizes as Set<NumberValueImpl>;

    // Assess
    expect(() => validateImage(image, 'img')).not.toThrow();
    expect([...built].map((member) => member.value)).toEqual(['1', '1.0000000000000001']);
    expect([...built].every((member) => member instanceof NumberValueImpl)).toBe(true);
  });

  it.each([
    ['a fraction past 2^53', '12345678901234567.5'],
    ['38 digits with a fraction', '98765432109876543210.123456789012345678'],
    ['a negative one in exponent form', '-9.0071992547409915E+15'],
  ])('reads %s, legal but beyond any double, as a NumberValue holding its exact text', (_label, text) => {
    // Act
    const value = unmarshallImage({ price: { M: { amount: { N: text } } } }, 'img').price as Record<string, NumberValueImpl>;

    // Assess: never an error (the item is legal), never a rounding
    expect(() => validateImage({ n: { N: text } }, 'img')).not.toThrow();
    expect(value.amount).toBeInstanceOf(NumberValueImpl);
    expect(value.amount!.value).toBe(text);
  });

  it('keeps bytes from the SDK (Uint8Array) as they are', () => {
    // Prepare
    const bytes = new Uint8Array([0, 1, 2]);

    // Act / Assess
    expect(unmarshallImage({ b: { B: bytes }, bs: { BS: [bytes, new Uint8Array([3])] } })).toEqual({
      b: bytes,
      bs: new Set([bytes, new Uint8Array([3])]),
    });
  });
});

describe('attribute names that are Object.prototype members (finding 7)', () => {
  const names = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__', 'isPrototypeOf'];

  it.each(names)('unmarshalls %s at the top, in a nested map and in a map inside a list', (name) => {
    // Prepare: JSON.parse makes each name an own key, as Lambda's runtime does.
    const text = `{"${name}": {"M": {"${name}": {"L": [{"M": {"${name}": {"N": "1.5"}}}]}}}, "other": {"S": "x"}}`;
    const image = JSON.parse(text) as Record<string, unknown>;

    // Act
    const item = unmarshallImage(image);
    validateImage(image);

    // Assess
    expect(inheritsNothing(item)).toBe(true);
    expect(Object.keys(item)).toEqual([name, 'other']);
    const inner = item[name] as Record<string, unknown>;
    expect(inheritsNothing(inner)).toBe(true);
    expect((inner[name] as Record<string, unknown>[])[0]![name]).toBe(1.5);
    expect(JSON.parse(JSON.stringify(item))).toEqual(JSON.parse(`{"${name}": {"${name}": [{"${name}": 1.5}]}, "other": "x"}`));
  });

  it('does not find a prototype member when the attribute is absent', () => {
    // Act
    const item = unmarshallImage({ a: { S: 'x' } });

    // Assess
    expect(item.constructor).toBeUndefined();
    expect('toString' in item).toBe(false);
  });
});

/** An attribute value nested `levels` deep, alternating M and L, as deep as DynamoDB allows at 32. */
function nested(levels: number): Record<string, unknown> {
  let value: Record<string, unknown> = { N: '1.5' };
  for (let level = 0; level < levels; level++) value = level % 2 === 0 ? { M: { n: value } } : { L: [{ S: 'x' }, value] };
  return value;
}

describe('buildCheckedImage (the build of an image validateImage accepted)', () => {
  it.each<[string, Record<string, unknown>]>([
    ['NS members that share a double', { NS: ['1', '1.0000000000000001'] }],
    ['NS members that share a double, in exponent form', { NS: ['0.1', '1.0000000000000001E-1', '2'] }],
    ['NS members beyond 2^53 that share a double', { NS: ['9007199254740993', '9007199254740992'] }],
    ['NS members beyond 2^53 with fractions', { NS: ['12345678901234567.5', '12345678901234567.25'] }],
    ['NS of safe, wide and exponent-form members', { NS: ['1', '99999999999999999999', '1e21', '-0.5'] }],
    ['N integer beyond 2^53', { N: '12345678901234567890123' }],
    ['N negative integer beyond 2^53', { N: '-9007199254740993' }],
    ['N integer beyond 2^53 in exponent form', { N: '1e21' }],
    ['N integer with a zero fraction beyond 2^53', { N: '9007199254740993.000' }],
    ['N fraction beyond 2^53', { N: '12345678901234567.5' }],
    ['N with 38 digits and a fraction beyond 2^53', { N: '98765432109876543210.123456789012345678' }],
    ['N 1E-130', { N: '1E-130' }],
    ['N 9.99E+125', { N: '9.99E+125' }],
    ['N of the largest magnitude', { N: MAX_N }],
    ['N of the largest magnitude, plain', { N: MAX_N_PLAIN }],
    ['N -0', { N: '-0' }],
    ['N zero with an exponent', { N: '0E+999' }],
    ['N at the safe-integer edge', { N: '-9007199254740991' }],
    ['S empty', { S: '' }],
    ['SS with an empty member', { SS: ['', 'a'] }],
    ['B as base64 text', { B: 'AAEC' }],
    ['B empty', { B: '' }],
    ['B as bytes', { B: new Uint8Array([0, 1, 2]) }],
    ['BS as base64 text', { BS: ['AA==', 'AQ=='] }],
    ['BS as bytes', { BS: [new Uint8Array([1]), new Uint8Array([2, 3])] }],
    ['BOOL', { BOOL: false }],
    ['NULL', { NULL: true }],
    ['an SDK value with other type keys set to undefined', { S: undefined, N: '7', M: undefined }],
    ['an empty M and an empty L', { M: { m: { M: {} }, l: { L: [] } } }],
    ['M and L nested 32 levels deep', nested(32)],
  ])('gives what unmarshallImage gives for %s', (_label, value) => {
    // Prepare
    const image = { a: value, b: { S: 'other' } };
    validateImage(image, 'img');

    // Act
    const built = buildCheckedImage(image);

    // Assess
    expect(nativeShape(built)).toStrictEqual(nativeShape(unmarshallImage(image, 'img')));
  });

  it.each(['__proto__', 'constructor', 'toString', 'hasOwnProperty'])('builds attributes named %s as data, at every level', (name) => {
    // Prepare: JSON.parse makes each name an own key, as Lambda's runtime does.
    const image = JSON.parse(`{"${name}": {"M": {"${name}": {"L": [{"M": {"${name}": {"N": "1.5"}}}]}}}, "other": {"S": "x"}}`);
    validateImage(image);

    // Act
    const built = buildCheckedImage(image);

    // Assess
    expect(inheritsNothing(built)).toBe(true);
    expect(nativeShape(built)).toStrictEqual(nativeShape(unmarshallImage(image)));
    expect(Object.keys(built)).toEqual([name, 'other']);
  });

  it('keeps the delivered bytes objects, as unmarshallImage does', () => {
    // Prepare
    const bytes = new Uint8Array([0, 1, 2]);
    const member = new Uint8Array([3]);

    // Act
    const built = buildCheckedImage({ b: { B: bytes }, bs: { BS: [member] } });

    // Assess
    expect(built.b).toBe(bytes);
    expect([...(built.bs as Set<Uint8Array>)][0]).toBe(member);
  });
});
