/**
 * The errors the Lambda runtime code throws (rank 0), and the base of every error this project throws on purpose.
 * Each class writes its `name` as a string literal (minifiers rename classes, so `new.target.name` would not survive
 * a bundle), keeps an optional `cause`, and is thrown with a message that says what to do about it.
 * Higher layers keep their own errors in lib/mapping, lib/data, lib/local and lib/tools `errors.ts`.
 */

/**
 * Base class. Every subclass writes its own `name` as a literal (logs and tools group by it), so the
 * name survives minification, which renames classes.
 */
export abstract class AppError extends Error {
  abstract override readonly name: string;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The invocation payload is not a DynamoDB Streams event at all; nothing in it can be identified. */
export class MalformedEventError extends AppError {
  override readonly name: string = 'MalformedEventError';
}

/**
 * One record of the batch cannot be turned into a change. Carries the record's position and the
 * offending field, so the error names both.
 */
export class MalformedRecordError extends AppError {
  override readonly name: string = 'MalformedRecordError';
  constructor(
    readonly recordIndex: number,
    readonly field: string,
    problem: string,
    options?: { cause?: unknown },
  ) {
    super(`Record ${recordIndex}: ${field} ${problem}`, options);
  }
}

/** An attribute value whose type is not one of DynamoDB's ten (S, N, B, BOOL, NULL, M, L, SS, NS, BS). */
export class UnknownAttributeTypeError extends AppError {
  override readonly name: string = 'UnknownAttributeTypeError';
  constructor(
    readonly path: string,
    readonly type: string,
    options?: { cause?: unknown },
  ) {
    super(`${path} has an unknown attribute type "${type}"; expected one of S, N, B, BOOL, NULL, M, L, SS, NS, BS`, options);
  }
}

/** A DynamoDB attribute value that is shaped wrongly (no type key, or a value of the wrong JSON type). */
export class InvalidAttributeValueError extends AppError {
  override readonly name: string = 'InvalidAttributeValueError';
  constructor(
    readonly path: string,
    problem: string,
    options?: { cause?: unknown },
  ) {
    super(`${path} ${problem}`, options);
  }
}

/** A record cannot be identified (no sequence number): the whole invocation must fail so Lambda retries it. */
export class UnidentifiableRecordError extends AppError {
  override readonly name: string = 'UnidentifiableRecordError';
}

/** An action failed on a change. */
export class ActionError extends AppError {
  override readonly name: string = 'ActionError';
  constructor(
    readonly action: string,
    readonly sequenceNumber: string,
    options: { cause: unknown },
  ) {
    const reason = options.cause instanceof Error ? options.cause.message : String(options.cause);
    super(`Action "${action}" failed on record ${sequenceNumber}: ${reason}`, options);
  }
}

/** The change is missing something an action needs (for example an image the stream view type does not carry). */
export class MissingImageError extends AppError {
  override readonly name: string = 'MissingImageError';
}

/** Configuration (environment, serverless.yml) is missing or wrong. */
export class ConfigurationError extends AppError {
  override readonly name: string = 'ConfigurationError';
}

/** A dispatcher's `concurrency` option is not a whole number of at least 1. */
export class InvalidConcurrencyError extends ConfigurationError {
  override readonly name: string = 'InvalidConcurrencyError';
}

/**
 * A BatchGetItem or BatchWriteItem left keys or items unprocessed after every retry (the table is throttled or
 * over capacity). The records involved are reported as failed, so Lambda delivers them again.
 */
export class BatchRequestIncompleteError extends AppError {
  override readonly name: string = 'BatchRequestIncompleteError';
}

/**
 * A statistics transaction was still cancelled (another writer held or changed the same rows or ledger entries)
 * after every retry; nothing of it was applied, and its records are reported as failed so Lambda delivers them again.
 */
export class LedgerTransactionError extends AppError {
  override readonly name: string = 'LedgerTransactionError';
}

/**
 * A change would move a statistics counter to a number DynamoDB cannot store (more than 38 significant digits, or a
 * magnitude outside 1E-130 to 9.99…E+125). Nothing of its transaction was applied and nothing was rounded; the record
 * is reported failed until the item's values let the statistic fit.
 */
export class StatisticsOverflowError extends AppError {
  override readonly name: string = 'StatisticsOverflowError';
  constructor(
    readonly recordIndex: number,
    readonly attribute: string,
    problem: string,
    options?: { cause?: unknown },
  ) {
    super(`Record ${recordIndex}: statistics attribute ${JSON.stringify(attribute)} ${problem}`, options);
  }
}
