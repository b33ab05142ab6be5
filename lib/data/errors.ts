/** Errors of table access for application code (rank 2). */

import { AppError } from '../runtime/errors.js';

/** An existing table differs from its definition. */
export class TableMismatchError extends AppError {
  override readonly name: string = 'TableMismatchError';
}

/** Why a pagination cursor was refused. */
export type InvalidCursorReason = 'malformed' | 'tampered' | 'version' | 'foreign' | 'key-schema';

/**
 * A pagination cursor that cannot be used: not a cursor, changed by someone, of another version,
 * of another table or index, or with a key that does not fit the key schema. Answer it as a client error (400).
 */
export class InvalidCursorError extends AppError {
  override readonly name: string = 'InvalidCursorError';
  constructor(
    readonly reason: InvalidCursorReason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A table did not reach the awaited state (ACTIVE, or gone) in time. */
export class TableWaitTimeoutError extends AppError {
  override readonly name: string = 'TableWaitTimeoutError';
}
