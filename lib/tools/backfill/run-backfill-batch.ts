import type { LambdaStreamRecord } from '../../mapping/lambda-record.js';
import { itemKeyText } from '../../runtime/change/item-key.js';
import type { Change } from '../../runtime/change/types.js';
import type { Action } from '../../runtime/dispatch/action.js';
import { processBatch } from '../../runtime/dispatch/process-batch.js';
import { MalformedEventError } from '../../runtime/errors.js';
import type { Logger } from '../../runtime/logging/logger.js';
import { backfillChangeOf } from './backfill-change.js';
import { BackfillActionError } from '../errors.js';

export interface BackfillBatchOptions {
  /** The function's actions, run per change (`handle`) in order, as the stream dispatcher runs them. */
  actions: readonly Action[];
  logger: Logger;
  /** Named in the error's advice (the command to run again). */
  functionName: string;
}

interface ActionFailure {
  action: string;
  change: Change;
  cause: unknown;
}

/** The action, reporting the first failure to `failed` before processBatch sees it: only the cause says which action it was. */
function watched(action: Action, failed: (failure: ActionFailure) => void): Action {
  const report = (change: Change, cause: unknown): never => {
    failed({ action: action.name, change, cause });
    throw cause;
  };
  const match = action.match;
  return {
    name: action.name,
    ...(match ? { match: (change: Change) => match.call(action, change) } : {}),
    handle: (change, context) => {
      let pending: Promise<void> | void;
      try {
        pending = action.handle(change, context);
      } catch (cause) {
        return report(change, cause);
      }
      return pending?.catch((cause: unknown) => report(change, cause));
    },
  };
}

/**
 * Runs one batch of backfill records through `processBatch`, the stream dispatcher's own loop, as one
 * synthetic Lambda event: the same narrowing, the same order, the same stop at the first failure. Every
 * record carries sequence number `0`, so the batch response cannot say which one failed; the failure is
 * taken from the actions themselves.
 * @throws BackfillActionError for the first action that throws; the record's MalformedRecordError for a
 * record the dispatcher could not narrow.
 */
export async function runBackfillBatch(records: readonly LambdaStreamRecord[], options: BackfillBatchOptions): Promise<void> {
  if (records.length === 0) return;
  let failure: ActionFailure | undefined;
  const actions = options.actions.map((action) => watched(action, (found) => (failure ??= found)));
  // Batch actions off: a backfill runs each action's `handle`, the per-change path (see Action.handleBatch).
  const response = await processBatch({ Records: records }, { actions, logger: options.logger, backfill: true, batchActions: false });
  if (response.batchItemFailures.length === 0) return;
  if (failure) {
    const { action, change, cause } = failure;
    throw new BackfillActionError(action, change.sequenceNumber, itemKeyText(change.keys), options.functionName, { cause });
  }
  // No action failed, so a record could not be narrowed: the first one toChange refuses, with its own error.
  for (const [index, record] of records.entries()) backfillChangeOf(record, index);
  throw new MalformedEventError(
    `The dispatcher stopped a backfill batch of ${records.length} records, yet no action and no record failed; ` +
      'nothing of this batch counts as done: run the backfill again, and report this if it repeats',
  );
}
