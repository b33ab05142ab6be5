import { InvalidAttributeValueError, NumberPrecisionError, UnknownAttributeTypeError } from '../errors.js';
import type { Item, NativeValue } from './types.js';

/*
 * A fast unmarshaller with @aws-sdk/util-dynamodb's semantics (proven equal by a property test), written
 * for the hot path of a stream batch: one switch per value, no Object.entries arrays, no reduce.
 *
 * Number policy (the same as util-dynamodb's default):
 * - an N inside the safe-integer range becomes a JavaScript number (decimals get the nearest double);
 * - an integer outside that range becomes a bigint, exactly;
 * - a non-integer outside that range cannot be held exactly, so it is an error, never a silent rounding.
 * Binary values stay as delivered (base64 strings in a Lambda event, Uint8Array from the SDK); sets become Set.
 *
 * Paths in errors are built only when something fails, so valid images pay nothing for them.
 */

class PathError extends Error {
  constructor(
    readonly relativePath: string,
    readonly problem: string,
    readonly kind: 'invalid' | 'unknown' | 'precision',
    readonly detail: string,
  ) {
    super(problem);
  }
}

const prefixed = (error: unknown, step: string): unknown =>
  error instanceof PathError ? new PathError(step + error.relativePath, error.problem, error.kind, error.detail) : error;

function toNumber(value: unknown): number | bigint {
  if (typeof value !== 'string') throw new PathError('', `has an N value of type ${typeof value}; N must be a string`, 'invalid', '');
  const n = +value;
  if (n <= Number.MAX_SAFE_INTEGER && n >= Number.MIN_SAFE_INTEGER && value !== '') return n;
  // The value itself stays out of the message: it is item content, and error lines are logged at info level.
  if (n !== n || value === '') throw new PathError('', 'has an N value that is not a number', 'invalid', '');
  if (n === Infinity || n === -Infinity) return n;
  try {
    return BigInt(value);
  } catch {
    throw new PathError('', '', 'precision', '');
  }
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

function mapToNative(map: Record<string, unknown>, depth: number): Item {
  const out: Item = {};
  let name = '';
  try {
    for (name in map) {
      const value = toNative(map[name], depth);
      // A JSON `__proto__` key is data, not a prototype: keep it as an own property.
      if (name === '__proto__') Object.defineProperty(out, name, { value, enumerable: true, writable: true, configurable: true });
      else out[name] = value;
    }
  } catch (error) {
    throw prefixed(error, `.${name}`);
  }
  return out;
}

function setOf<T>(values: unknown, type: string, each: (v: unknown) => T): Set<T> {
  if (!Array.isArray(values)) throw new PathError('', `has a ${type} value that is not an array`, 'invalid', '');
  const out = new Set<T>();
  for (let i = 0; i < values.length; i++) {
    try {
      out.add(each(values[i]));
    } catch (error) {
      throw prefixed(error, `.${type}[${i}]`);
    }
  }
  return out;
}

const stringMember = (v: unknown): string => {
  if (typeof v !== 'string') throw new PathError('', `is a ${typeof v}, not a string`, 'invalid', '');
  return v;
};

const binaryMember = (v: unknown): string | Uint8Array => {
  if (typeof v !== 'string' && !(v instanceof Uint8Array)) throw new PathError('', 'is not binary (a base64 string or bytes)', 'invalid', '');
  return v;
};

function toNative(av: unknown, depth: number): NativeValue {
  if (typeof av !== 'object' || av === null || Array.isArray(av)) {
    throw new PathError('', 'is not an attribute value (an object such as {"S": "text"})', 'invalid', '');
  }
  const value = av as Record<string, unknown>;
  for (const type in value) {
    const v = value[type];
    if (v === undefined) continue;
    switch (type) {
      case 'S':
        if (typeof v !== 'string') throw new PathError('', `has an S value of type ${typeof v}`, 'invalid', '');
        return v;
      case 'N':
        return toNumber(v);
      case 'BOOL':
        if (typeof v !== 'boolean') throw new PathError('', `has a BOOL value of type ${typeof v}`, 'invalid', '');
        return v;
      case 'NULL':
        return null;
      case 'M':
        if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new PathError('', 'has an M value that is not an object', 'invalid', '');
        if (depth >= MAX_DEPTH) throw new PathError('', `nests deeper than DynamoDB's limit of ${MAX_DEPTH} levels`, 'invalid', '');
        return mapToNative(v as Record<string, unknown>, depth + 1);
      case 'L':
        if (!Array.isArray(v)) throw new PathError('', 'has an L value that is not an array', 'invalid', '');
        if (depth >= MAX_DEPTH) throw new PathError('', `nests deeper than DynamoDB's limit of ${MAX_DEPTH} levels`, 'invalid', '');
        return listToNative(v, depth + 1);
      case 'SS':
        return setOf(v, 'SS', stringMember);
      case 'NS':
        return setOf(v, 'NS', toNumber) as Set<number | bigint>;
      case 'BS':
        return setOf(v, 'BS', binaryMember);
      case 'B':
        return binaryMember(v) as string | Uint8Array;
      default:
        throw new PathError('', '', 'unknown', type);
    }
  }
  throw new PathError('', 'has no value: an attribute value needs one of S, N, B, BOOL, NULL, M, L, SS, NS, BS', 'invalid', '');
}

/*
 * The same checks as toNative, without building anything. toChange runs it on every image it carries, so
 * a malformed record is still rejected at the edge, while the images themselves are built only when an
 * action reads them: allocating them eagerly, while the freshly parsed event is still young, made the
 * garbage collector copy the whole event (see bench/).
 */
function checkNumber(value: unknown): void {
  if (typeof value !== 'string') throw new PathError('', `has an N value of type ${typeof value}; N must be a string`, 'invalid', '');
  const n = +value;
  if (n <= Number.MAX_SAFE_INTEGER && n >= Number.MIN_SAFE_INTEGER && value !== '') return;
  toNumber(value);
}

function checkMembers(values: unknown, type: string, each: (v: unknown) => unknown): void {
  if (!Array.isArray(values)) throw new PathError('', `has a ${type} value that is not an array`, 'invalid', '');
  for (let i = 0; i < values.length; i++) {
    try {
      each(values[i]);
    } catch (error) {
      throw prefixed(error, `.${type}[${i}]`);
    }
  }
}

function checkMap(map: Record<string, unknown>, depth: number): void {
  let name = '';
  try {
    for (name in map) checkValue(map[name], depth);
  } catch (error) {
    throw prefixed(error, `.${name}`);
  }
}

function checkValue(av: unknown, depth: number): void {
  if (typeof av !== 'object' || av === null || Array.isArray(av)) {
    throw new PathError('', 'is not an attribute value (an object such as {"S": "text"})', 'invalid', '');
  }
  const value = av as Record<string, unknown>;
  for (const type in value) {
    const v = value[type];
    if (v === undefined) continue;
    switch (type) {
      case 'S':
        if (typeof v !== 'string') throw new PathError('', `has an S value of type ${typeof v}`, 'invalid', '');
        return;
      case 'N':
        return checkNumber(v);
      case 'BOOL':
        if (typeof v !== 'boolean') throw new PathError('', `has a BOOL value of type ${typeof v}`, 'invalid', '');
        return;
      case 'NULL':
        return;
      case 'M':
        if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new PathError('', 'has an M value that is not an object', 'invalid', '');
        if (depth >= MAX_DEPTH) throw new PathError('', `nests deeper than DynamoDB's limit of ${MAX_DEPTH} levels`, 'invalid', '');
        return checkMap(v as Record<string, unknown>, depth + 1);
      case 'L': {
        if (!Array.isArray(v)) throw new PathError('', 'has an L value that is not an array', 'invalid', '');
        if (depth >= MAX_DEPTH) throw new PathError('', `nests deeper than DynamoDB's limit of ${MAX_DEPTH} levels`, 'invalid', '');
        let i = 0;
        try {
          for (; i < v.length; i++) checkValue(v[i], depth + 1);
        } catch (error) {
          throw prefixed(error, `[${i}]`);
        }
        return;
      }
      case 'SS':
        return checkMembers(v, 'SS', stringMember);
      case 'NS':
        return checkMembers(v, 'NS', checkNumber);
      case 'BS':
        return checkMembers(v, 'BS', binaryMember);
      case 'B':
        binaryMember(v);
        return;
      default:
        throw new PathError('', '', 'unknown', type);
    }
  }
  throw new PathError('', 'has no value: an attribute value needs one of S, N, B, BOOL, NULL, M, L, SS, NS, BS', 'invalid', '');
}

function toAppError(error: unknown, path: string): unknown {
  if (!(error instanceof PathError)) return error;
  const full = path + error.relativePath;
  if (error.kind === 'unknown') return new UnknownAttributeTypeError(full, error.detail);
  if (error.kind === 'precision') return new NumberPrecisionError(full);
  return new InvalidAttributeValueError(full, error.problem);
}

/**
 * Unmarshalls an image (a map of attribute values) into a plain object.
 * @param path names the image in errors, for example `dynamodb.NewImage`.
 * @throws UnknownAttributeTypeError, InvalidAttributeValueError or NumberPrecisionError naming the attribute path.
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
