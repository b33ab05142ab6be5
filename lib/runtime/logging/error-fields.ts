import { types } from 'node:util';

/** An error as a log line carries it: what failed and why, never the data it failed on. */
export interface ErrorFields {
  name: string;
  message: string;
  stack?: string;
  /** Node's and the AWS SDK's error codes (ECONNREFUSED, ...). */
  code?: string;
  cause?: ErrorFields | CauseValue;
  /** The errors of an AggregateError, bounded like the cause chain. */
  errors?: Array<ErrorFields | CauseValue>;
  /** How many errors of an AggregateError were left out. */
  errorsOmitted?: number;
}

/** A cause that is not an error, or a link of the chain that is not written (too deep, or seen before). */
export type CauseValue =
  | { kind: 'value'; type: string; value?: string }
  | { kind: 'circular'; name: string }
  | { kind: 'truncated'; name: string };

/** How many causes deep a chain is written; deeper links are named but not expanded. */
export const MAX_CAUSE_DEPTH = 8;
/** How many errors of an AggregateError are written. */
export const MAX_AGGREGATE_ERRORS = 10;

// What errorFields wrote: it has a message and a cause too, but must not be written again.
const written = new WeakSet<object>();

/**
 * Errors (of this realm or another: a worker, a vm context), and objects thrown as errors that carry a string
 * `message` and a `cause`. Data with a `cause` field but no message is not one: it is written as it is.
 */
export const isErrorLike = (value: unknown): value is Error =>
  typeof value === 'object' &&
  value !== null &&
  !written.has(value) &&
  (value instanceof Error ||
    types.isNativeError(value) ||
    ('cause' in value && typeof (value as { message?: unknown }).message === 'string'));

const nameOf = (error: Error): string => (typeof error.name === 'string' && error.name ? error.name : 'Error');

// Only these primitive causes are written as text: an object cause could be an item, so only its type is.
const causeValue = (value: unknown): CauseValue => {
  if (value === null) return { kind: 'value', type: 'null' };
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return { kind: 'value', type: typeof value, value: String(value) };
  }
  if (typeof value === 'object') return { kind: 'value', type: (value as object).constructor?.name ?? 'object' };
  return { kind: 'value', type: typeof value };
};

/**
 * The structured fields of an error: name, message, stack and code, then its cause chain (at most MAX_CAUSE_DEPTH
 * deep; a cause seen before ends the chain instead of looping). Other own properties are left out on purpose: they
 * may hold item contents.
 */
export function errorFields(error: Error): ErrorFields {
  const seen = new Set<object>();
  const walk = (value: unknown, depth: number): ErrorFields | CauseValue => {
    if (!isErrorLike(value)) return causeValue(value);
    if (seen.has(value)) return { kind: 'circular', name: nameOf(value) };
    if (depth > MAX_CAUSE_DEPTH) return { kind: 'truncated', name: nameOf(value) };
    seen.add(value);
    const fields: ErrorFields = { name: nameOf(value), message: String(value.message) };
    written.add(fields);
    if (typeof value.stack === 'string') fields.stack = value.stack;
    const code = (value as { code?: unknown }).code;
    if (typeof code === 'string') fields.code = code;
    if (value.cause !== undefined) fields.cause = walk(value.cause, depth + 1);
    const errors = (value as { errors?: unknown }).errors;
    if (Array.isArray(errors)) {
      fields.errors = errors.slice(0, MAX_AGGREGATE_ERRORS).map((inner) => walk(inner, depth + 1));
      if (errors.length > MAX_AGGREGATE_ERRORS) fields.errorsOmitted = errors.length - MAX_AGGREGATE_ERRORS;
    }
    return fields;
  };
  return walk(error, 0) as ErrorFields;
}
