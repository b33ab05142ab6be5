import { NumberValueImpl as NumberValue } from '@aws-sdk/util-dynamodb';
import { decimalText } from '../aggregates/decimal.js';
import { InvalidAttributeValueError, UnknownAttributeTypeError } from '../errors.js';
import type { Item, NativeValue } from './types.js';

/**
 * A fast unmarshaller with @aws-sdk/util-dynamodb's semantics on every value DynamoDB can send (proven
 * equal by a property test), written for the hot path of a stream batch: one switch per value, no
 * Object.entries arrays, no reduce. Unlike util-dynamodb it refuses what DynamoDB never sends, so
 * nothing is changed silently.
 *
 * Number policy:
 * - N text must follow DynamoDB's number grammar: an optional `-`, digits, an optional fraction and an
 *   optional exponent (`1.50`, `-0.5`, `1E-130`, `1e+21`); at most 38 significant digits; zero or a
 *   magnitude from 1E-130 to 9.9999999999999999999999999999999999999E+125. Anything else (`0x10`, ` 1`,
 *   `+1`, `Infinity`, `NaN`, `1e400`, the empty text, 39 digits) is an InvalidAttributeValueError.
 * - A plain read (unmarshallImage, `change.newImage`) gives util-dynamodb's values: an N inside the
 *   safe-integer range becomes a JavaScript number, so a fraction gets the nearest double
 *   (`1.0000000000000001` reads as `1`); an integer outside that range becomes an exact bigint (in any
 *   notation, where util-dynamodb refuses `1e21`); a non-integer outside it, which no double or bigint
 *   holds, becomes util-dynamodb's `NumberValue` (its exact text, as `wrapNumbers` gives it), never a rounding
 *   and never an error: the item is legal. An NS whose members are distinct but equal as doubles becomes a set
 *   of `NumberValue`s, so a set never loses a member.
 * - Arithmetic never uses those doubles: read a number exactly with `exactNumber` (lib/runtime/change/exact-number.ts),
 *   which gives the canonical decimal text of the attribute as the record carried it, and compute with
 *   lib/runtime/aggregates/decimal.ts.
 *
 * Other values are checked the same way: exactly one type key per attribute value; `NULL` is `true`;
 * sets are non-empty with no duplicate member (NS by numeric value, BS by bytes); B and BS members are
 * canonical base64 text (as Lambda delivers them) or bytes (from the SDK). Binary values stay as delivered.
 * Maps and images have no Object.prototype in their prototype chain, so any attribute name (`__proto__`,
 * `constructor`, `toString`) is data.
 *
 * Error messages name the attribute path, never the value (item content; errors are logged at info level).
 * Paths are built only when something fails, so valid images pay nothing for them.
 */

class PathError extends Error {
  constructor(
    readonly relativePath: string,
    readonly problem: string,
    readonly kind: 'invalid' | 'unknown',
    readonly detail: string,
  ) {
    super(problem);
  }
}

const prefixed = (error: unknown, step: string): unknown =>
  error instanceof PathError ? new PathError(step + error.relativePath, error.problem, error.kind, error.detail) : error;

const invalid = (problem: string) => new PathError('', problem, 'invalid', '');

/** DynamoDB's number grammar (JSON wire form): no `+`, no spaces, no `.5` or `5.`, no hex, no words. */
const NUMBER = /^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
const MAX_SIGNIFICANT_DIGITS = 38;
/** Exponents of the leading digit: 1E-130 is the smallest magnitude, 9.99…E+125 the largest. */
const MIN_EXPONENT = -130;
const MAX_EXPONENT = 125;

/** Checks an N text that matched NUMBER against DynamoDB's digit and range limits. */
function checkNumberLimits(text: string): void {
  const e = text.search(/[eE]/);
  const mantissa = e < 0 ? text : text.slice(0, e);
  // Without an exponent, 38 characters hold at most 38 digits, all within 1E-38..1E+38: the common case stops here.
  if (e < 0 && mantissa.length <= MAX_SIGNIFICANT_DIGITS) return;
  const start = mantissa.charCodeAt(0) === 45 ? 1 : 0;
  const dot = mantissa.indexOf('.');
  const whole = dot < 0 ? mantissa.slice(start) : mantissa.slice(start, dot);
  const digits = dot < 0 ? whole : whole + mantissa.slice(dot + 1);
  let first = 0;
  while (first < digits.length && digits.charCodeAt(first) === 48) first++;
  if (first === digits.length) return; // zero, whatever its exponent
  let last = digits.length - 1;
  while (digits.charCodeAt(last) === 48) last--;
  if (last - first + 1 > MAX_SIGNIFICANT_DIGITS) {
    throw invalid(`has an N value with more than ${MAX_SIGNIFICANT_DIGITS} significant digits, which DynamoDB never stores`);
  }
  const exponent = whole.length - 1 - first + (e < 0 ? 0 : Number(text.slice(e + 1)));
  if (exponent < MIN_EXPONENT || exponent > MAX_EXPONENT) {
    throw invalid("has an N value outside DynamoDB's range (zero, or a magnitude from 1E-130 to 9.99…E+125)");
  }
}

/** The exact integer an N text outside the safe range stands for, or its NumberValue when it has a fraction. */
function wideNumber(text: string): bigint | NumberValue {
  if (!/[.eE]/.test(text)) return BigInt(text);
  const e = text.search(/[eE]/);
  const mantissa = e < 0 ? text : text.slice(0, e);
  const dot = mantissa.indexOf('.');
  const fraction = dot < 0 ? '' : mantissa.slice(dot + 1);
  const digits = dot < 0 ? mantissa : mantissa.slice(0, dot) + fraction;
  // The limits were checked first, so this power is at most 10^125.
  const shift = (e < 0 ? 0 : Number(text.slice(e + 1))) - fraction.length;
  if (shift >= 0) return BigInt(digits) * 10n ** BigInt(shift);
  // Outside the safe range the integer part is never empty, so the sign stays in `digits.slice(0, shift)`.
  if (/[1-9]/.test(digits.slice(shift))) return NumberValue.from(text);
  return BigInt(digits.slice(0, shift));
}

/** The common case, checked with one cheap test: no exponent, at most 38 characters (so within every limit). */
const SHORT_PLAIN_NUMBER = /^-?\d+(?:\.\d+)?$/;

/** toNumber's checks, building nothing: validateImage runs them while the parsed event is young (see checkMap). */
function checkNumber(value: unknown): asserts value is string {
  if (typeof value !== 'string') throw invalid(`has an N value of type ${typeof value}; N must be a string`);
  if (value.length > MAX_SIGNIFICANT_DIGITS || !SHORT_PLAIN_NUMBER.test(value)) {
    // The value itself stays out of the message: it is item content, and error lines are logged at info level.
    if (!NUMBER.test(value)) {
      throw invalid('has an N value that is not a DynamoDB number (an optional "-", digits, an optional fraction and exponent)');
    }
    checkNumberLimits(value);
  }
}

/** The native value of a checked N text: a double inside the safe range, else its exact bigint or NumberValue. */
function checkedNumber(text: string): number | bigint | NumberValue {
  const n = +text;
  return n <= Number.MAX_SAFE_INTEGER && n >= Number.MIN_SAFE_INTEGER ? n : wideNumber(text);
}

function toNumber(value: unknown): number | bigint | NumberValue {
  checkNumber(value);
  return checkedNumber(value);
}

/** DynamoDB nests documents at most 32 levels deep; deeper input is malformed, and would overflow the stack. */
const MAX_DEPTH = 32;

function listToNative(list: unknown[], depth: number): NativeValue[] {
  const out = new Array<NativeValue>(list.length);
  let i = 0;
  try {
    for (; i < list.length; i++) out[i] = toNative(list[i], depth);
  } catch (error) {
    throw prefixed(error, `[${i}]`);
  }
  return out;
}

/**
 * Maps are made by this constructor, whose prototype has no prototype and no members: `__proto__`,
 * `constructor` or `toString` are attribute names like any other, and absent ones read as undefined.
 * (Object.create(null) would do the same, but makes V8 keep each map in slow dictionary mode.)
 */
const AttributeMap = function AttributeMap() {} as unknown as new () => Item;
AttributeMap.prototype = Object.freeze(Object.create(null) as object) as Item;

function mapToNative(map: Record<string, unknown>, depth: number): Item {
  const out = new AttributeMap();
  let name = '';
  try {
    for (name in map) out[name] = toNative(map[name], depth);
  } catch (error) {
    throw prefixed(error, `.${name}`);
  }
  return out;
}

const stringMember = (v: unknown): string => {
  if (typeof v !== 'string') throw invalid(`is a ${typeof v}, not a string`);
  return v;
};

/** Each base64 character's 6-bit value, -1 for other characters. */
const BASE64_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < 64; i++) BASE64_VALUE['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'.charCodeAt(i)] = i;

/**
 * Canonical base64, as Lambda (Java) encodes: whole groups of four, padding only at the end, unused bits
 * zero, so equal bytes mean equal text. A loop, not a regex: it is as fast on short values and linear on 400 KB ones.
 */
function isCanonicalBase64(text: string): boolean {
  const n = text.length;
  if (n % 4 !== 0) return false;
  let end = n;
  if (n > 0 && text.charCodeAt(n - 1) === 61) end = text.charCodeAt(n - 2) === 61 ? n - 2 : n - 1;
  for (let i = 0; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c > 127 || BASE64_VALUE[c]! < 0) return false;
  }
  // The last character before `==` carries 4 unused bits, before `=` 2: both must be zero.
  if (end === n - 2) return (BASE64_VALUE[text.charCodeAt(n - 3)]! & 15) === 0;
  if (end === n - 1) return (BASE64_VALUE[text.charCodeAt(n - 2)]! & 3) === 0;
  return true;
}

const binaryMember = (v: unknown): string | Uint8Array => {
  if (typeof v === 'string') {
    if (!isCanonicalBase64(v)) throw invalid('is not canonical base64 text (as Lambda delivers binary values)');
    return v;
  }
  if (!(v instanceof Uint8Array)) throw invalid('is not binary (a base64 string or bytes)');
  return v;
};

/** What makes two set members the same member in DynamoDB's eyes. */
const numberIdentity = (v: unknown): string => decimalText(v as string);
const binaryIdentity = (v: unknown): string => (typeof v === 'string' ? v : Buffer.from(v as Uint8Array).toString('base64'));

/** Path and error of the first member equal (by `identity`) to an earlier one, or undefined when all are distinct. */
function firstDuplicate(values: unknown[], identity: (v: unknown) => string): number | undefined {
  const seen = new Set<string>();
  for (let i = 0; i < values.length; i++) {
    const key = identity(values[i]);
    if (seen.has(key)) return i;
    seen.add(key);
  }
  return undefined;
}

/**
 * Builds a set, member by member, and refuses an empty set or a duplicate member: DynamoDB never sends
 * either, and collapsing duplicates would change the value silently.
 */
function setOf<T>(values: unknown, type: 'SS' | 'NS' | 'BS', each: (v: unknown) => T): Set<T> {
  if (!Array.isArray(values)) throw invalid(`has a ${type} value that is not an array`);
  if (values.length === 0) throw invalid(`has an empty ${type}; DynamoDB sets hold at least one member`);
  const out = new Set<T>();
  for (let i = 0; i < values.length; i++) {
    try {
      out.add(each(values[i]));
    } catch (error) {
      throw prefixed(error, `.${type}[${i}]`);
    }
  }
  // Bytes from the SDK are distinct objects whatever they hold: only their contents tell duplicates.
  const bytes = type === 'BS' && values.some((v) => typeof v !== 'string');
  if (out.size === values.length && !bytes) return out;
  // Rare: work out whether two members are the same member, or distinct numbers that share a double.
  const identity = type === 'SS' ? (v: unknown) => v as string : type === 'NS' ? numberIdentity : binaryIdentity;
  const duplicate = firstDuplicate(values, identity);
  if (duplicate !== undefined)
    throw prefixed(invalid(`repeats an earlier member; DynamoDB sets hold distinct members`), `.${type}[${duplicate}]`);
  if (type !== 'NS') return out;
  // Distinct numbers that share a double: each member keeps its exact text instead.
  return new Set(values.map((v) => NumberValue.from(v as string))) as Set<T>;
}

/** Finds the one type key of an attribute value; refuses none, or two (`{ S, N }`), which DynamoDB never sends. */
function typeOf(value: Record<string, unknown>): string {
  let found: string | undefined;
  for (const type in value) {
    if (value[type] === undefined) continue;
    if (found !== undefined) throw invalid(`has two type keys (${found} and ${type}); an attribute value has exactly one`);
    found = type;
  }
  if (found === undefined) throw invalid('has no value: an attribute value needs one of S, N, B, BOOL, NULL, M, L, SS, NS, BS');
  return found;
}

function attributeValue(av: unknown): Record<string, unknown> {
  if (typeof av !== 'object' || av === null || Array.isArray(av))
    throw invalid('is not an attribute value (an object such as {"S": "text"})');
  return av as Record<string, unknown>;
}

function checkNested(v: unknown, type: 'M' | 'L', depth: number): void {
  if (type === 'M' ? typeof v !== 'object' || v === null || Array.isArray(v) : !Array.isArray(v)) {
    throw invalid(`has an ${type} value that is not ${type === 'M' ? 'an object' : 'an array'}`);
  }
  if (depth >= MAX_DEPTH) throw invalid(`nests deeper than DynamoDB's limit of ${MAX_DEPTH} levels`);
}

/** A value that holds no nested map or list: its native form (sets are built: finding duplicates needs them). */
function scalarToNative(type: string, v: unknown): NativeValue {
  switch (type) {
    case 'S':
      if (typeof v !== 'string') throw invalid(`has an S value of type ${typeof v}`);
      return v;
    case 'N':
      return toNumber(v);
    case 'BOOL':
      if (typeof v !== 'boolean') throw invalid(`has a BOOL value of type ${typeof v}`);
      return v;
    case 'NULL':
      if (v !== true) throw invalid('has a NULL value other than true');
      return null;
    case 'SS':
      return setOf(v, 'SS', stringMember);
    case 'NS':
      return setOf(v, 'NS', toNumber) as Set<number | bigint | NumberValue>;
    case 'BS':
      return setOf(v, 'BS', binaryMember);
    case 'B':
      return binaryMember(v);
    default:
      throw new PathError('', '', 'unknown', type);
  }
}

function toNative(av: unknown, depth: number): NativeValue {
  const value = attributeValue(av);
  const type = typeOf(value);
  const v = value[type];
  if (type === 'M') {
    checkNested(v, 'M', depth);
    return mapToNative(v as Record<string, unknown>, depth + 1);
  }
  if (type === 'L') {
    checkNested(v, 'L', depth);
    return listToNative(v as unknown[], depth + 1);
  }
  return scalarToNative(type, v);
}

/*
 * The same checks as toNative, without building anything but sets (needed to find duplicates). toChange
 * runs it on every image it carries, so a malformed record is still rejected at the edge, while the
 * images themselves are built only when an action reads them: allocating them eagerly, while the freshly
 * parsed event is still young, made the garbage collector copy the whole event (see bench/).
 */
function checkMap(map: Record<string, unknown>, depth: number): void {
  let name = '';
  try {
    for (name in map) checkValue(map[name], depth);
  } catch (error) {
    throw prefixed(error, `.${name}`);
  }
}

function checkValue(av: unknown, depth: number): void {
  const value = attributeValue(av);
  const type = typeOf(value);
  const v = value[type];
  if (type === 'M') {
    checkNested(v, 'M', depth);
    checkMap(v as Record<string, unknown>, depth + 1);
  } else if (type === 'L') {
    checkNested(v, 'L', depth);
    const list = v as unknown[];
    let i = 0;
    try {
      for (; i < list.length; i++) checkValue(list[i], depth + 1);
    } catch (error) {
      throw prefixed(error, `[${i}]`);
    }
  } else if (type === 'N') {
    checkNumber(v);
  } else if (type === 'SS' || type === 'NS' || type === 'BS') {
    checkSet(v, type);
  } else {
    // S, BOOL, NULL and B build nothing (their native value is the value): one code path keeps both walks in agreement.
    scalarToNative(type, v);
  }
}

/** The set scalarToNative builds: each member checked as its type requires. */
const buildSet = (values: unknown, type: 'SS' | 'NS' | 'BS'): Set<unknown> =>
  type === 'SS' ? setOf(values, 'SS', stringMember) : type === 'NS' ? setOf(values, 'NS', toNumber) : setOf(values, 'BS', binaryMember);

/** Sets up to this size are checked for duplicates pair by pair, without building them; larger ones are built. */
const PAIRWISE_SET_LIMIT = 16;

/**
 * setOf's checks, without building the set in the common case: every member is checked, then, when no two
 * members can be the same (distinct strings; numbers with distinct doubles, as equal numbers have equal doubles),
 * setOf would find no duplicate either. Otherwise (or for a large set) setOf itself decides, so both agree.
 */
function checkSet(values: unknown, type: 'SS' | 'NS' | 'BS'): void {
  if (!Array.isArray(values) || values.length === 0 || values.length > PAIRWISE_SET_LIMIT) {
    buildSet(values, type);
    return;
  }
  let strings = true;
  for (let i = 0; i < values.length; i++) {
    try {
      if (type === 'SS') stringMember(values[i]);
      else if (type === 'NS') checkNumber(values[i]);
      else binaryMember(values[i]);
    } catch (error) {
      throw prefixed(error, `.${type}[${i}]`);
    }
    if (typeof values[i] !== 'string') strings = false;
  }
  // Bytes from the SDK (BS) are compared by content: setOf does that.
  if (!strings) return void buildSet(values, type);
  for (let i = 1; i < values.length; i++) {
    const member = values[i] as string;
    for (let j = 0; j < i; j++) {
      const earlier = values[j] as string;
      if (type === 'NS' ? +earlier === +member : earlier === member) return void buildSet(values, type);
    }
  }
}

/*
 * Building an image validateImage already accepted (toChange checks every image at the edge and builds it
 * on first read): the same values as toNative, without checking anything again. Nothing here may be
 * reached with an unchecked value: a malformed one would be built wrongly instead of refused.
 */
function buildValue(av: Record<string, unknown>): NativeValue {
  // Exactly one type key holds a value (checked); an SDK object may still carry others set to undefined.
  let type = '';
  for (type in av) if (av[type] !== undefined) break;
  const v = av[type];
  switch (type) {
    case 'S':
    case 'BOOL':
    case 'B':
      return v as NativeValue;
    case 'N':
      // Grammar and limits were checked: only the range decides between a double and the exact forms.
      return checkedNumber(v as string);
    case 'M':
      return buildMap(v as Record<string, unknown>);
    case 'L': {
      const list = v as Record<string, unknown>[];
      const out = new Array<NativeValue>(list.length);
      for (let i = 0; i < list.length; i++) out[i] = buildValue(list[i]!);
      return out;
    }
    case 'NULL':
      return null;
    case 'SS':
    case 'BS':
      // Members were checked distinct (BS by bytes), so the set keeps every one, as delivered.
      return new Set(v as string[]);
    default:
      // NS, the only type left in a checked value.
      return buildNumberSet(v as string[]);
  }
}

function buildNumberSet(values: string[]): Set<number | bigint | NumberValue> {
  const out = new Set<number | bigint | NumberValue>();
  for (let i = 0; i < values.length; i++) out.add(checkedNumber(values[i]!));
  // Members were checked distinct, so a smaller set means some share a double: each keeps its exact text instead.
  if (out.size === values.length) return out;
  return new Set(values.map((text) => NumberValue.from(text)));
}

function buildMap(map: Record<string, unknown>): Item {
  const out = new AttributeMap();
  for (const name in map) out[name] = buildValue(map[name] as Record<string, unknown>);
  return out;
}

function toAppError(error: unknown, path: string): unknown {
  if (!(error instanceof PathError)) return error;
  const full = path + error.relativePath;
  if (error.kind === 'unknown') return new UnknownAttributeTypeError(full, error.detail);
  return new InvalidAttributeValueError(full, error.problem);
}

/**
 * Unmarshalls an image (a map of attribute values) into a null-prototype object.
 * @param path names the image in errors, for example `dynamodb.NewImage`.
 * @throws UnknownAttributeTypeError or InvalidAttributeValueError naming the attribute path.
 */
export function unmarshallImage<T extends Item = Item>(image: unknown, path = 'image'): T {
  if (typeof image !== 'object' || image === null || Array.isArray(image)) {
    throw new InvalidAttributeValueError(path, 'is not a map of attribute values');
  }
  try {
    return mapToNative(image as Record<string, unknown>, 0) as T;
  } catch (error) {
    throw toAppError(error, path);
  }
}

/** Unmarshalls one attribute value. */
export function unmarshallValue(value: unknown, path = 'value'): NativeValue {
  try {
    return toNative(value, 0);
  } catch (error) {
    throw toAppError(error, path);
  }
}

/**
 * Checks an image exactly as unmarshallImage would, without building it.
 * @throws the error unmarshallImage would throw, naming the attribute path.
 */
export function validateImage(image: unknown, path = 'image'): void {
  if (typeof image !== 'object' || image === null || Array.isArray(image)) {
    throw new InvalidAttributeValueError(path, 'is not a map of attribute values');
  }
  try {
    checkMap(image as Record<string, unknown>, 0);
  } catch (error) {
    throw toAppError(error, path);
  }
}

/**
 * Builds an image that validateImage has accepted, giving exactly what unmarshallImage gives, without
 * checking it again (toChange checks every image at the edge and builds it on first read).
 * Anything else must go through unmarshallImage: an unchecked image may be built wrongly instead of refused.
 */
export function buildCheckedImage<T extends Item = Item>(image: Record<string, unknown>): T {
  return buildMap(image) as T;
}
