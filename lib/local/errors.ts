/** Errors of the local stack: engine, runner, stores, DynamoDB Local, local IAM (rank 3). */

import { AppError, ConfigurationError } from '../runtime/errors.js';

/** DynamoDB Local could not be installed, started or reached. */
export class DynamoDBLocalError extends AppError {
  override readonly name: string = 'DynamoDBLocalError';
}

/** A local event-source mapping did not catch up within the time given (tests call `drain`). */
export class DrainTimeoutError extends AppError {
  override readonly name: string = 'DrainTimeoutError';
}

/** No dead-letter entry has the id asked for. */
export class DeadLetterNotFoundError extends AppError {
  override readonly name: string = 'DeadLetterNotFoundError';
}

/** A checkpoint file of a local event-source mapping cannot be read; names the file. */
export class CheckpointStoreError extends AppError {
  override readonly name: string = 'CheckpointStoreError';
}

/**
 * A checkpoint that does not fit its shard (wrong shape, not a sequence number, outside the shard's range,
 * "ended" on an open shard). The mapping does not start, so no record is skipped or replayed unnoticed.
 */
export class InvalidCheckpointError extends CheckpointStoreError {
  override readonly name: string = 'InvalidCheckpointError';
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

/** The handlers could not be built with esbuild (custom.esbuild options); names the file and line. */
export class HandlerBuildError extends AppError {
  override readonly name: string = 'HandlerBuildError';
}

/** A role or policy of serverless.yml cannot be read for local IAM checks; names where it is. Turn the checks off with --no-iam. */
export class IamPolicyError extends ConfigurationError {
  override readonly name: string = 'IamPolicyError';
}

/** A function's role cannot do what its event-source mapping needs (read its stream, send to its on-failure destination). */
export class MappingPermissionError extends ConfigurationError {
  override readonly name: string = 'MappingPermissionError';
}

/** A dead-letter id that is not one the store makes; refused before any file is touched (no path outside the store). */
export class InvalidDeadLetterIdError extends AppError {
  override readonly name: string = 'InvalidDeadLetterIdError';
}

/** A dead-letter file that cannot be read as an entry (truncated, hand-edited); names the file and the reason. */
export class UnreadableDeadLetterError extends AppError {
  override readonly name: string = 'UnreadableDeadLetterError';
  constructor(
    readonly file: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`Dead letter ${file} cannot be read: ${reason}. Move it out of the store, or delete it if its records were reprocessed`, options);
  }
}
