import type { DynamoDBBatchResponse } from 'aws-lambda';
import { BACKFILL_SEQUENCE_NUMBER, isStreamSequenceNumber } from '../change/sequence-number.js';
import { toChange, type StreamArnCache } from '../change/to-change.js';
import type { Change } from '../change/types.js';
import { ActionError, MalformedEventError, UnidentifiableRecordError } from '../errors.js';
import type { Logger } from '../logging/logger.js';
import type { Action, ActionContext, BatchFailure, BatchOutcome } from './action.js';
import { assertConcurrency } from './assert-concurrency.js';
import { runKeyOrdered } from './key-ordered-scheduler.js';
import { schedulingKey } from './scheduling-key.js';

export interface ProcessBatchOptions {
  /** The function's actions, run in this order for each change. */
  readonly actions: readonly Action[];
  readonly logger: Logger;
  /** Milliseconds left before the Lambda timeout; absent outside Lambda. */
  readonly remainingTimeMs?: (() => number) | undefined;
  /**
   * Stop before a record when less than this many milliseconds remain, and report that record as the
   * first failure: the batch resumes there instead of timing out and coming back whole. Default 3,000.
   */
  readonly deadlineMarginMs?: number | undefined;
  /**
   * Most records running at once; records of one item key always run one at a time, in stream order.
   * Default 1: strictly sequential. See DEFAULT_DISPATCH_CONCURRENCY for what the handlers use.
   */
  readonly concurrency?: number | undefined;
  /**
   * Run `handleBatch` of the actions that offer it (default true): fewer, larger requests. False runs every
   * action change by change through `handle`, as before batch actions existed.
   */
  readonly batchActions?: boolean | undefined;
  /**
   * The records are a backfill's (lib/tools/backfill): they carry BACKFILL_SEQUENCE_NUMBER, which no stream
   * assigns, and their changes are marked `isBackfill`. Default false: a stream batch.
   */
  readonly backfill?: boolean | undefined;
}

/** Consecutive per-change actions run record by record; a batch action runs alone, over the whole batch. */
type Phase = { readonly each: readonly Action[] } | { readonly batch: Action };

function phasesOf(actions: readonly Action[]): Phase[] {
  const phases: Phase[] = [];
  let each: Action[] = [];
  for (const action of actions) {
    if (action.handleBatch === undefined) {
      each.push(action);
      continue;
    }
    if (each.length > 0) phases.push({ each });
    each = [];
    phases.push({ batch: action });
  }
  if (each.length > 0) phases.push({ each });
  return phases;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;

const keysOf = (record: unknown): unknown => (isObject(record) && isObject(record.dynamodb) ? record.dynamodb.Keys : undefined);

const describeError = (error: unknown) =>
  error instanceof Error ? { errorName: error.name, errorMessage: error.message } : { errorName: 'NonError', errorMessage: String(error) };

/** Sequence numbers of every record, or an error: a record that cannot be identified cannot be reported. */
function sequenceNumbers(event: unknown, backfill: boolean): string[] {
  if (!isObject(event))
    throw new MalformedEventError(
      `The event is ${event === null ? 'null' : typeof event}, not a DynamoDB Streams event object with a Records array`,
    );
  const records = event.Records;
  if (!Array.isArray(records)) throw new MalformedEventError('The event has no Records array; is the function wired to a DynamoDB stream?');
  const numbers = new Array<string>(records.length);
  for (let i = 0; i < records.length; i++) {
    const record = records[i];
    const sequenceNumber = isObject(record) && isObject(record.dynamodb) ? record.dynamodb.SequenceNumber : undefined;
    if (typeof sequenceNumber !== 'string' || sequenceNumber === '') {
      throw new UnidentifiableRecordError(
        `Record ${i}: dynamodb.SequenceNumber is missing, so the record cannot be reported as a batch item failure; ` +
          `the whole invocation fails and Lambda retries the batch`,
      );
    }
    // Anything else would be compared as text against the ledger and could make later real changes look applied.
    if (!isStreamSequenceNumber(sequenceNumber) && !(backfill && sequenceNumber === BACKFILL_SEQUENCE_NUMBER)) {
      throw new UnidentifiableRecordError(
        `Record ${i}: dynamodb.SequenceNumber ${JSON.stringify(sequenceNumber.slice(0, 48))}${sequenceNumber.length > 48 ? '…' : ''} ` +
          'is not 21 to 40 decimal digits, so it cannot be ordered or reported; the whole invocation fails: ' +
          'check what produces these events (backfills run through lib/tools/backfill, not the stream handler)',
      );
    }
    numbers[i] = sequenceNumber;
  }
  return numbers;
}

/**
 * Processes a DynamoDB Streams batch and returns the partial batch response.
 *
 * Records of one item key run strictly in stream order; with `concurrency` above 1, records of different
 * item keys run side by side, up to that many at once. Processing stops at the first record that fails
 * (malformed, or an action throws): nothing new starts, the records in flight are awaited, and the response
 * names the lowest record that failed or did not run. Lambda checkpoints there and delivers that record and
 * everything after it again, so starting more records now would only apply them twice and could reorder
 * effects per item. A record without a sequence number throws, failing the whole invocation.
 *
 * With an action that offers `handleBatch` (and `batchActions` not false), the actions run in phases: each run
 * of consecutive per-change actions goes record by record as above, each batch action gets every change still
 * alive at once. After a phase, its lowest failed record bounds what the later phases see, and the response
 * names the lowest record that failed or did not run, so the stop semantics are the same.
 */
export async function processBatch(event: unknown, options: ProcessBatchOptions): Promise<DynamoDBBatchResponse> {
  const { actions, logger } = options;
  const started = performance.now();
  let numbers: string[];
  try {
    assertConcurrency(options.concurrency);
    numbers = sequenceNumbers(event, options.backfill === true);
  } catch (error) {
    logger.error('batch rejected', describeError(error));
    throw error;
  }
  let records = (event as { Records: unknown[] }).Records;
  const remaining = options.remainingTimeMs ?? (() => Infinity);
  const margin = options.deadlineMarginMs ?? 3000;
  const concurrency = options.concurrency ?? 1;
  const debug = logger.isEnabled('debug');
  const context: ActionContext = { logger, remainingTimeMs: remaining };
  const arnCache: StreamArnCache = {};
  const changeOptions = options.backfill === true ? { backfill: true } : undefined;
  const done = (failedAt: number | undefined, processed: number) => {
    const fields = {
      records: records.length,
      processed,
      firstSequenceNumber: numbers[0],
      lastSequenceNumber: numbers[numbers.length - 1],
      durationMs: Math.round((performance.now() - started) * 1000) / 1000,
    };
    if (failedAt === undefined) {
      logger.info('batch processed', { ...fields, outcome: 'ok' });
      return { batchItemFailures: [] };
    }
    logger.warn('batch stopped at a failed record', { ...fields, outcome: 'partial failure', failedSequenceNumber: numbers[failedAt] });
    return { batchItemFailures: [{ itemIdentifier: numbers[failedAt]! }] };
  };

  const mayStart = (i: number): boolean => {
    if (remaining() >= margin) return true;
    logger.warn('stopping before the timeout', { index: i, sequenceNumber: numbers[i], remainingMs: remaining(), marginMs: margin });
    return false;
  };

  const actionFailed = (action: Action, i: number, change: Change, cause: unknown, failedChanges?: number): false => {
    const error = new ActionError(action.name, change.sequenceNumber, { cause });
    logger.error('action failed', {
      ...(failedChanges === undefined ? {} : { failedChanges }),
      action: action.name,
      index: i,
      sequenceNumber: change.sequenceNumber,
      eventName: change.eventName,
      keys: change.keys,
      outcome: 'error',
      ...describeError(cause),
    });
    if (debug) logger.debug('action failure detail', { error });
    return false;
  };

  const actionDone = (action: Action, change: Change, actionStarted: number) => {
    const durationMs = performance.now() - actionStarted;
    logger.debug('action done', { action: action.name, sequenceNumber: change.sequenceNumber, outcome: 'ok', durationMs });
  };

  // Starts one action: undefined when it finished synchronously, false when it threw (logged), else its promise.
  const startAction = (action: Action, change: Change, i: number): Promise<void> | false | undefined => {
    try {
      return action.handle(change, context) ?? undefined;
    } catch (cause) {
      return actionFailed(action, i, change, cause);
    }
  };

  // Synchronous actions stay on the synchronous path: no promise and no microtask per record unless an action returns one.
  const runActions = (change: Change, i: number, list: readonly Action[] = actions): boolean | Promise<boolean> => {
    for (let a = 0; a < list.length; a++) {
      const action = list[a]!;
      if (action.match !== undefined && !action.match(change)) continue;
      const actionStarted = debug ? performance.now() : 0;
      const pending = startAction(action, change, i);
      if (pending === false) return false;
      if (pending !== undefined) return awaitActions(pending, change, i, a, actionStarted, list);
      if (debug) actionDone(action, change, actionStarted);
    }
    return true;
  };

  // The rest of runActions once an action returned a promise: one async frame per record, not one per action.
  const awaitActions = async (
    first: Promise<void>,
    change: Change,
    i: number,
    from: number,
    firstStarted: number,
    list: readonly Action[],
  ): Promise<boolean> => {
    let pending: Promise<void> | undefined = first;
    let actionStarted = firstStarted;
    for (let a = from; a < list.length; a++) {
      const action = list[a]!;
      if (pending === undefined) {
        if (action.match !== undefined && !action.match(change)) continue;
        actionStarted = debug ? performance.now() : 0;
        const started = startAction(action, change, i);
        if (started === false) return false;
        pending = started;
      }
      if (pending !== undefined) {
        try {
          await pending;
        } catch (cause) {
          return actionFailed(action, i, change, cause);
        }
        pending = undefined;
      }
      if (debug) actionDone(action, change, actionStarted);
    }
    return true;
  };

  // Narrows one record: a malformed record is a failure of that record, like an action that throws.
  const narrow = (i: number): Change | undefined => {
    const record = records[i];
    let change: Change;
    try {
      change = toChange(record, i, arnCache, changeOptions);
    } catch (error) {
      logger.error('malformed record', { index: i, sequenceNumber: numbers[i], keys: keysOf(record), ...describeError(error) });
      return undefined;
    }
    if (debug) {
      const { sequenceNumber, eventName, keys, newImage, oldImage } = change;
      logger.debug('change', { index: i, sequenceNumber, eventName, keys, newImage, oldImage });
    }
    return change;
  };

  const runRecord = (i: number): boolean | Promise<boolean> => {
    const change = narrow(i);
    return change === undefined ? false : runActions(change, i);
  };

  const keyOf = (i: number) => schedulingKey(records[i]);

  // Phased run (a batch action is present): each change is converted once and kept for the later phases.
  // Made on first use: the other paths keep no change after its record ran.
  let changes: (Change | undefined)[] | undefined;
  const convert = (i: number): Change | undefined => {
    changes ??= new Array<Change | undefined>(records.length);
    const cached = changes[i];
    if (cached !== undefined) return cached;
    const change = narrow(i);
    changes[i] = change;
    return change;
  };

  const matches = (action: Action, change: Change) => action.match === undefined || action.match(change);

  // The lowest record below `bound` that `phases` still have work for: where a stop before them resumes.
  const firstWithWork = (phases: readonly Phase[], bound: number): number => {
    for (let i = 0; i < bound; i++) {
      const change = convert(i);
      if (change === undefined) return i;
      if (phases.some((p) => ('batch' in p ? matches(p.batch, change) : p.each.some((a) => matches(a, change))))) return i;
    }
    return bound;
  };

  const runBatchAction = async (action: Action, given: Change[]): Promise<number | undefined> => {
    const started = performance.now();
    let outcome: BatchOutcome | undefined;
    try {
      outcome = await action.handleBatch!(given, context);
    } catch (cause) {
      outcome = { failed: given.map((change) => ({ change, error: cause })) };
    }
    const failed: readonly BatchFailure[] = Array.isArray(outcome?.failed)
      ? outcome.failed
      : given.map((change) => ({ change, error: new TypeError(`${action.name}.handleBatch returned no { failed } list`) }));
    let lowest: BatchFailure | undefined;
    for (const failure of failed) if (lowest === undefined || failure.change.index < lowest.change.index) lowest = failure;
    const durationMs = performance.now() - started;
    if (lowest === undefined) {
      if (debug) logger.debug('batch action done', { action: action.name, changes: given.length, outcome: 'ok', durationMs });
      return undefined;
    }
    actionFailed(action, lowest.change.index, lowest.change, lowest.error, failed.length);
    return lowest.change.index;
  };

  /**
   * Runs the phases in order, each over the records still alive (below the lowest failure so far), and returns
   * that bound: every record below it went through every action.
   */
  const runPhases = async (phases: readonly Phase[]): Promise<number> => {
    let bound = records.length;
    for (let p = 0; p < phases.length && bound > 0; p++) {
      const phase = phases[p]!;
      if ('each' in phase) {
        const run = (i: number) => {
          const change = convert(i);
          return change === undefined ? false : runActions(change, i, phase.each);
        };
        const outcome = await runKeyOrdered({ count: bound, concurrency, keyOf, run, mayStart });
        if (outcome.firstUnfinished !== undefined) bound = outcome.firstUnfinished;
        continue;
      }
      const given: Change[] = [];
      for (let i = 0; i < bound; i++) {
        const change = convert(i);
        if (change === undefined) {
          bound = i;
          break;
        }
        if (matches(phase.batch, change)) given.push(change);
      }
      if (given.length === 0) continue;
      if (!mayStart(given[0]!.index)) return firstWithWork(phases.slice(p), bound);
      const failedAt = await runBatchAction(phase.batch, given);
      if (failedAt !== undefined) bound = Math.min(bound, Math.max(0, failedAt));
    }
    return bound;
  };

  try {
    if (options.batchActions !== false && actions.some((a) => a.handleBatch !== undefined)) {
      const bound = await runPhases(phasesOf(actions));
      return done(bound < records.length ? bound : undefined, bound);
    }

    if (concurrency === 1) {
      // Sequential, as before concurrency existed: with synchronous actions nothing is allocated per record.
      for (let i = 0; i < records.length; i++) {
        if (!mayStart(i)) return done(i, i);
        let ok = runRecord(i);
        if (ok !== true && ok !== false) ok = await ok;
        if (!ok) return done(i, i);
      }
      return done(undefined, records.length);
    }
    const outcome = await runKeyOrdered({ count: records.length, concurrency, keyOf, run: runRecord, mayStart });
    return done(outcome.firstUnfinished, outcome.succeeded);
  } finally {
    /*
     * The closures above share this scope. A TurboFan job still compiling one of them (runRecord, mayStart,
     * startAction) holds it until the job is installed, which can be after this batch: the whole parsed batch
     * stayed alive through full GCs, one invocation in three (bench/tables/memory). So the scope lets go of it.
     */
    records = [];
    numbers = [];
    changes = undefined;
  }
}
