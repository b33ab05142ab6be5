/**
 * Every error this project throws on purpose. Each has a stable `name`, an optional `cause`,
 * and a message that says what to do about it.
 */

/** Base class: sets `name` from the subclass so logs can group by it. */
export abstract class AppError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The invocation payload is not a DynamoDB Streams event at all; nothing in it can be identified. */
export class MalformedEventError extends AppError {}

/**
 * One record of the batch cannot be turned into a change. Carries the record's position and the
 * offending field, so the error names both.
 */
export class MalformedRecordError extends AppError {
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
  constructor(
    readonly path: string,
    readonly type: string,
  ) {
    super(`${path} has an unknown attribute type "${type}"; expected one of S, N, B, BOOL, NULL, M, L, SS, NS, BS`);
  }
}

/** A DynamoDB attribute value that is shaped wrongly (no type key, or a value of the wrong JSON type). */
export class InvalidAttributeValueError extends AppError {
  constructor(
    readonly path: string,
    problem: string,
  ) {
    super(`${path} ${problem}`);
  }
}

/** A record cannot be identified (no sequence number): the whole invocation must fail so Lambda retries it. */
export class UnidentifiableRecordError extends AppError {}

/** An action failed on a change. */
export class ActionError extends AppError {
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
export class MissingImageError extends AppError {}

/** Configuration (environment, serverless.yml) is missing or wrong. */
export class ConfigurationError extends AppError {}

/** DynamoDB Local could not be installed, started or reached. */
export class DynamoDBLocalError extends AppError {}

/** An existing table differs from its definition. */
export class TableMismatchError extends AppError {}

/** Why a pagination cursor was refused. */
export type InvalidCursorReason = 'malformed' | 'tampered' | 'version' | 'foreign' | 'key-schema';

/**
 * A pagination cursor that cannot be used: not a cursor, changed by someone, of another version,
 * of another table or index, or with a key that does not fit the key schema. Answer it as a client error (400).
 */
export class InvalidCursorError extends AppError {
  constructor(
    readonly reason: InvalidCursorReason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A table did not reach the awaited state (ACTIVE, or gone) in time. */
export class TableWaitTimeoutError extends AppError {}

/** A saved backfill position does not fit this run (other table, other number of segments, unreadable file). */
export class BackfillStateError extends AppError {}

/** A stream event's `filterPatterns` entry is not a valid EventBridge-style pattern; names the path inside it. */
export class FilterPatternError extends ConfigurationError {}

/** A local event-source mapping did not catch up within the time given (tests call `drain`). */
export class DrainTimeoutError extends AppError {}

/** No dead-letter entry has the id asked for. */
export class DeadLetterNotFoundError extends AppError {}

/** A checkpoint file of a local event-source mapping cannot be read; names the file. */
export class CheckpointStoreError extends AppError {}

/** The handlers could not be built with esbuild (custom.esbuild options); names the file and line. */
export class HandlerBuildError extends AppError {}

/** The local stack cannot run as asked (for example `sls deploy` with the stage `local`). */
export class LocalStackError extends AppError {}

/** The records of a dead-letter entry are no longer in the stream (older than its 24-hour retention, or the shard or stream is gone). */
export class RecordsExpiredError extends AppError {}

/** Redriven records failed again: the dead-letter entry is kept; fix the cause and redrive again. */
export class RedriveFailedError extends AppError {}

/** A role or policy of serverless.yml cannot be read for local IAM checks; names where it is. Turn the checks off with --no-iam. */
export class IamPolicyError extends ConfigurationError {
  override readonly name = 'IamPolicyError';
}

/** A function's role cannot do what its event-source mapping needs (read its stream, send to its on-failure destination). */
export class MappingPermissionError extends ConfigurationError {
  override readonly name = 'MappingPermissionError';
}

/** `npm run new-stream` could not add a stream (the project is left as it was). */
export class ScaffoldError extends AppError {
  override readonly name = 'ScaffoldError';
}

/** A dead-letter id that is not one the store makes; refused before any file is touched (no path outside the store). */
export class InvalidDeadLetterIdError extends AppError {
  override readonly name = 'InvalidDeadLetterIdError';
}

/** A dead-letter file that cannot be read as an entry (truncated, hand-edited); names the file and the reason. */
export class UnreadableDeadLetterError extends AppError {
  override readonly name = 'UnreadableDeadLetterError';
  constructor(
    readonly file: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`Dead letter ${file} cannot be read: ${reason}. Move it out of the store, or delete it if its records were reprocessed`, options);
  }
}

/** A stream record the local engine cannot turn into the record Lambda delivers; names the attribute path. */
export class RecordConversionError extends AppError {
  override readonly name = 'RecordConversionError';
  constructor(
    readonly path: string,
    problem: string,
  ) {
    super(`${path} ${problem}`);
  }
}

/**
 * A checkpoint that does not fit its shard (wrong shape, not a sequence number, outside the shard's range,
 * "ended" on an open shard). The mapping does not start, so no record is skipped or replayed unnoticed.
 */
export class InvalidCheckpointError extends CheckpointStoreError {
  override readonly name = 'InvalidCheckpointError';
  constructor(
    readonly location: string,
    readonly problem: string,
    options?: { cause?: unknown },
  ) {
    super(
      `Checkpoint ${location} is invalid: ${problem}. Nothing was read from that shard. Delete that file to read the shard again ` +
        "from the mapping's starting position (its records may be delivered again), or run `npm start -- --reset` to wipe all local data",
      options,
    );
  }
}

/** A command line that cannot be run as given (unknown option or function, missing value): the CLIs exit with 2. */
export class CommandUsageError extends ConfigurationError {
  override readonly name = 'CommandUsageError';
}

/**
 * An action failed on a backfilled item. Nothing is dead-lettered in a backfill, so redrive does not apply:
 * the message says to fix the item and run the backfill again (it resumes at its saved position).
 */
export class BackfillActionError extends ActionError {
  override readonly name = 'BackfillActionError';
  constructor(action: string, sequenceNumber: string, itemKey: string, functionName: string, options: { cause: unknown }) {
    super(action, `${sequenceNumber} (backfill of ${itemKey})`, options);
    this.message =
      `${this.message}. This is a backfill, which dead-letters nothing, so redrive does not apply: fix the item, then run ` +
      `npm run backfill -- ${functionName} again (with the same options); it resumes at the saved position`;
  }
}

/** A dispatcher's `concurrency` option is not a whole number of at least 1. */
export class InvalidConcurrencyError extends ConfigurationError {
  override readonly name = 'InvalidConcurrencyError';
}

/**
 * A BatchGetItem or BatchWriteItem left keys or items unprocessed after every retry (the table is throttled or
 * over capacity). The records involved are reported as failed, so Lambda delivers them again.
 */
export class BatchRequestIncompleteError extends AppError {
  override readonly name = 'BatchRequestIncompleteError';
}

/**
 * A statistics transaction was still cancelled (another writer held or changed the same rows or ledger entries)
 * after every retry; nothing of it was applied, and its records are reported as failed so Lambda delivers them again.
 */
export class LedgerTransactionError extends AppError {
  override readonly name = 'LedgerTransactionError';
}

/** A setting of a function or of one of its stream events in serverless.yml is invalid; names the function and the setting. */
export class InvalidSettingError extends ConfigurationError {
  override readonly name = 'InvalidSettingError';
  constructor(
    readonly functionName: string,
    readonly setting: string,
    message: string,
  ) {
    super(message);
  }
}

/** A request the local console cannot answer as asked (a bad table name or page position): it answers 400 with the message. */
export class ConsoleRequestError extends AppError {
  override readonly name = 'ConsoleRequestError';
}

/** The local console could not start (its port is taken); the message names the option to change. */
export class ConsoleStartError extends LocalStackError {
  override readonly name = 'ConsoleStartError';
}
