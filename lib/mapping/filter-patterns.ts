import { FilterPatternError } from './errors.js';

/**
 * EventBridge-style filter patterns as Lambda applies them to stream records (FilterCriteria).
 * A record passes when any pattern matches (OR); a pattern matches when every field in it matches (AND).
 * A field's list of matchers matches when any matcher matches the value (or, for an array value, any element).
 */
export type RecordFilter = (record: unknown) => boolean;

/** Lambda's limit on one pattern's JSON text. */
const MAX_PATTERN_CHARS = 4096;

type Matcher = (value: unknown, present: boolean) => boolean;
type Node = (value: unknown, present: boolean) => boolean;

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Compiles the patterns of one mapping; no patterns means every record passes. Throws FilterPatternError. */
export function compileFilterPatterns(patterns: readonly unknown[]): RecordFilter {
  if (!Array.isArray(patterns)) throw new FilterPatternError('filter patterns must be a list');
  if (patterns.length === 0) return () => true;
  const compiled = patterns.map((pattern, index) => compileFilterPattern(pattern, `pattern ${index + 1}`));
  return (record) => compiled.some((match) => match(record));
}

/** Compiles one pattern (an object, or its JSON text). Throws FilterPatternError naming the path of the problem. */
export function compileFilterPattern(pattern: unknown, label = 'pattern'): RecordFilter {
  const value = typeof pattern === 'string' ? parse(pattern, label) : pattern;
  const text = JSON.stringify(value) ?? '';
  if (text.length > MAX_PATTERN_CHARS)
    throw new FilterPatternError(`${label} is ${text.length} characters long; Lambda allows ${MAX_PATTERN_CHARS}`);
  if (!isObject(value)) throw new FilterPatternError(`${label} must be an object, like { "eventName": ["INSERT"] }`);
  if (Object.keys(value).length === 0) throw new FilterPatternError(`${label} is empty; remove it or give it a field`);
  const node = compileObject(value, label);
  return (record) => node(record, true);
}

function parse(text: string, label: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new FilterPatternError(`${label} is not valid JSON: ${text}`);
  }
}

function compileObject(pattern: Record<string, unknown>, path: string): Node {
  const fields: Node[] = Object.entries(pattern).map(([key, sub]) => {
    const subPath = `${path}.${key}`;
    if (key === '$or') return compileOr(sub, subPath);
    const child = compileField(sub, subPath);
    return (value, present) => {
      const has = present && isObject(value) && Object.hasOwn(value, key);
      return child(has ? (value as Record<string, unknown>)[key] : undefined, has);
    };
  });
  return (value, present) => fields.every((field) => field(value, present));
}

function compileOr(sub: unknown, path: string): Node {
  if (!Array.isArray(sub) || sub.length < 2 || !sub.every(isObject))
    throw new FilterPatternError(`${path} must be a list of at least two objects`);
  const alternatives = sub.map((alternative, index) => compileObject(alternative, `${path}[${index}]`));
  return (value, present) => alternatives.some((alternative) => alternative(value, present));
}

function compileField(sub: unknown, path: string): Node {
  if (isObject(sub)) {
    if (Object.keys(sub).length === 0) throw new FilterPatternError(`${path} is an empty object`);
    return compileObject(sub, path);
  }
  if (!Array.isArray(sub)) {
    throw new FilterPatternError(
      `${path} must be a list of values or an object, not ${JSON.stringify(sub)} (write [${JSON.stringify(sub)}] to match that value)`,
    );
  }
  if (sub.length === 0) throw new FilterPatternError(`${path} is an empty list, which matches nothing`);
  const matchers = sub.map((entry, index) => compileMatcher(entry, `${path}[${index}]`));
  return (value, present) => {
    // exists:false and friends look at presence; everything else needs a leaf value.
    if (Array.isArray(value)) {
      if (value.length === 0) return matchers.some((matcher) => matcher(undefined, false));
      return value.some((element) => matchers.some((matcher) => matcher(element, true)));
    }
    return matchers.some((matcher) => matcher(value, present));
  };
}

const isLeaf = (value: unknown, present: boolean): boolean => present && !isObject(value);

function compileMatcher(entry: unknown, path: string): Matcher {
  if (entry === null) return (value, present) => present && value === null;
  if (typeof entry === 'string') return (value, present) => present && value === entry;
  if (typeof entry === 'number') return (value, present) => present && typeof value === 'number' && value === entry;
  if (typeof entry === 'boolean') return (value, present) => present && value === entry;
  if (!isObject(entry))
    throw new FilterPatternError(`${path} must be a string, number, boolean, null or an operator object, not ${JSON.stringify(entry)}`);
  const keys = Object.keys(entry);
  if (keys.length !== 1)
    throw new FilterPatternError(`${path} must hold exactly one operator, not ${keys.length ? keys.join(', ') : 'none'}`);
  const operator = keys[0]!;
  const operand = entry[operator];
  const at = `${path}.${operator}`;
  switch (operator) {
    case 'prefix': {
      const text = stringOperand(operand, at);
      return (value, present) => isLeaf(value, present) && typeof value === 'string' && value.startsWith(text);
    }
    case 'suffix': {
      const text = stringOperand(operand, at);
      return (value, present) => isLeaf(value, present) && typeof value === 'string' && value.endsWith(text);
    }
    case 'equals-ignore-case': {
      const text = stringOperand(operand, at).toLowerCase();
      return (value, present) => isLeaf(value, present) && typeof value === 'string' && value.toLowerCase() === text;
    }
    case 'exists': {
      if (typeof operand !== 'boolean') throw new FilterPatternError(`${at} must be true or false`);
      // EventBridge: exists matches leaf nodes only; an object is not a leaf.
      return operand ? (value, present) => isLeaf(value, present) : (_value, present) => !present;
    }
    case 'numeric':
      return compileNumeric(operand, at);
    case 'anything-but':
      return compileAnythingBut(operand, at);
    default:
      throw new FilterPatternError(
        `${path} uses unknown operator "${operator}"; use prefix, suffix, equals-ignore-case, anything-but, numeric or exists`,
      );
  }
}

function stringOperand(operand: unknown, path: string): string {
  if (typeof operand !== 'string') throw new FilterPatternError(`${path} must be a string, not ${JSON.stringify(operand)}`);
  return operand;
}

const COMPARATORS: Record<string, (a: number, b: number) => boolean> = {
  '=': (a, b) => a === b,
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
  '>': (a, b) => a > b,
  '>=': (a, b) => a >= b,
};

function compileNumeric(operand: unknown, path: string): Matcher {
  if (!Array.isArray(operand) || operand.length === 0 || operand.length % 2 !== 0 || operand.length > 4) {
    throw new FilterPatternError(`${path} must be [op, number] or [op, number, op, number], like [">", 0, "<=", 5]`);
  }
  const tests: Array<(n: number) => boolean> = [];
  let lower = false;
  let upper = false;
  for (let i = 0; i < operand.length; i += 2) {
    const op = operand[i];
    const bound = operand[i + 1];
    const compare = typeof op === 'string' ? COMPARATORS[op] : undefined;
    if (!compare) throw new FilterPatternError(`${path}[${i}] must be one of =, <, <=, >, >=, not ${JSON.stringify(op)}`);
    if (typeof bound !== 'number' || !Number.isFinite(bound))
      throw new FilterPatternError(`${path}[${i + 1}] must be a number, not ${JSON.stringify(bound)}`);
    if (operand.length === 4) {
      if (op === '=') throw new FilterPatternError(`${path}: "=" cannot be combined with another comparison`);
      const isLower = op === '>' || op === '>=';
      if ((isLower && lower) || (!isLower && upper))
        throw new FilterPatternError(`${path} must combine one lower bound (>, >=) with one upper bound (<, <=)`);
      if (isLower) lower = true;
      else upper = true;
    }
    tests.push((n) => compare(n, bound));
  }
  // Numeric matching needs a JSON number: a DynamoDB N attribute is a string and so never matches.
  return (value, present) => isLeaf(value, present) && typeof value === 'number' && tests.every((test) => test(value));
}

function compileAnythingBut(operand: unknown, path: string): Matcher {
  if (isObject(operand)) {
    const keys = Object.keys(operand);
    const operator = keys[0];
    if (keys.length !== 1 || (operator !== 'prefix' && operator !== 'suffix')) {
      throw new FilterPatternError(`${path} as an object must hold prefix or suffix, like { "prefix": "tmp-" }`);
    }
    const text = stringOperand(operand[operator], `${path}.${operator}`);
    return (value, present) =>
      isLeaf(value, present) && typeof value === 'string' && !(operator === 'prefix' ? value.startsWith(text) : value.endsWith(text));
  }
  const excluded = Array.isArray(operand) ? operand : [operand];
  if (excluded.length === 0) throw new FilterPatternError(`${path} must not be an empty list`);
  for (const [index, item] of excluded.entries()) {
    if (typeof item !== 'string' && typeof item !== 'number') {
      throw new FilterPatternError(
        `${path}${Array.isArray(operand) ? `[${index}]` : ''} must be a string or number, not ${JSON.stringify(item)}`,
      );
    }
  }
  return (value, present) => isLeaf(value, present) && !excluded.some((item) => item === value);
}
