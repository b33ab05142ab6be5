/** Errors of the operator tools: backfill, redrive, soak, scaffold, console, Serverless plugin (rank 4). */

import { ActionError, AppError } from '../runtime/errors.js';

/** A saved backfill position does not fit this run (other table, other number of segments, unreadable file). */
export class BackfillStateError extends AppError {
  override readonly name: string = 'BackfillStateError';
}

/**
 * An action failed on a backfilled item. Nothing is dead-lettered in a backfill, so redrive does not apply:
 * the message says to fix the item and run the backfill again (it resumes at its saved position).
 */
export class BackfillActionError extends ActionError {
  override readonly name: string = 'BackfillActionError';
  constructor(action: string, sequenceNumber: string, itemKey: string, functionName: string, options: { cause: unknown }) {
    super(action, `${sequenceNumber} (backfill of ${itemKey})`, options);
    this.message =
      `${this.message}. This is a backfill, which dead-letters nothing, so redrive does not apply: fix the item, then run ` +
      `npm run backfill -- ${functionName} again (with the same options); it resumes at the saved position`;
  }
}

/** The local stack cannot run as asked (for example `sls deploy` with the stage `local`). */
export class LocalStackError extends AppError {
  override readonly name: string = 'LocalStackError';
}

/** The local console could not start (its port is taken); the message names the option to change. */
export class ConsoleStartError extends LocalStackError {
  override readonly name: string = 'ConsoleStartError';
}

/** A request the local console cannot answer as asked (a bad table name or page position): it answers 400 with the message. */
export class ConsoleRequestError extends AppError {
  override readonly name: string = 'ConsoleRequestError';
}

/** The records of a dead-letter entry are no longer in the stream (older than its 24-hour retention, or the shard or stream is gone). */
export class RecordsExpiredError extends AppError {
  override readonly name: string = 'RecordsExpiredError';
}

/** Redriven records failed again: the dead-letter entry is kept; fix the cause and redrive again. */
export class RedriveFailedError extends AppError {
  override readonly name: string = 'RedriveFailedError';
}

/** `npm run new-stream` could not add a stream (the project is left as it was). */
export class ScaffoldError extends AppError {
  override readonly name: string = 'ScaffoldError';
}
