import type { DynamoDBBatchResponse } from 'aws-lambda';
import { isStreamSequenceNumber } from '../change/sequence-number.js';
import { toChange, type StreamArnCache } from '../change/to-change.js';
import type { Change } from '../change/types.js';
import { ActionError, MalformedEventError, UnidentifiableRecordError } from '../errors.js';
import type { Logger } from '../logging/logger.js';
import type { Action, ActionContext } from './action.js';

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
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;

const keysOf = (record: unknown): unknown => (isObject(record) && isObject(record.dynamodb) ? record.dynamodb.Keys : undefined);

const describeError = (error: unknown) =>
  error instanceof Error ? { errorName: error.name, errorMessage: error.message } : { errorName: 'NonError', errorMessage: String(error) };

/** Sequence numbers of every record, or an error: a record that cannot be identified cannot be reported. */
function sequenceNumbers(event: unknown): string[] {
  if (!isObject(event)) throw new MalformedEventError(`The event is ${event === null ? 'null' : typeof event}, not a DynamoDB Streams event object with a Records array`);
  const records = event.Records;
  if (!Array.isArray(records)) throw new MalformedEventError('The event has no Records array; is the function wired to a DynamoDB stream?');
  const numbers = new Array<string>(records.length);
  for (let i = 0; i < records.length; i++) {
    const record = records[i];
    const sequenceNumber = isObject(record) && isObject(record.dynamodb) ? record.dynamodb.SequenceNumber : undefined;
    if (typeof sequenceNumber !== 'string' || sequenceNumber === '') {
      throw new UnidentifiableRecordError(
        `Record ${i}: dynamodb.SequenceNumber is missing, so the record cannot be reported as a batch item failure; the whole invocation fails and Lambda retries the batch`,
      );
    }
    // Anything else would be compared as text against the ledger and could make later real changes look applied.
    if (!isStreamSequenceNumber(sequenceNumber)) {
      throw new UnidentifiableRecordError(
        `Record ${i}: dynamodb.SequenceNumber ${JSON.stringify(sequenceNumber.slice(0, 48))}${sequenceNumber.length > 48 ? '…' : ''} ` +
          'is not 21 to 40 decimal digits, so it cannot be ordered or reported; the whole invocation fails: ' +
          'check what produces these events (backfills run through lib/backfill, not the stream handler)',
      );
    }
    numbers[i] = sequenceNumber;
  }
  return numbers;
}

/**
 * Processes a DynamoDB Streams batch in order and returns the partial batch response.
 *
 * Processing stops at the first record that fails (malformed, or an action throws): Lambda checkpoints
 * at the lowest reported sequence number and delivers that record and everything after it again, so
 * running later records now would only apply them twice and could reorder effects per item.
 * A record without a sequence number throws, failing the whole invocation.
 */
export async function processBatch(event: unknown, options: ProcessBatchOptions): Promise<DynamoDBBatchResponse> {
  const { actions, logger } = options;
  const started = performance.now();
  let numbers: string[];
  try {
    numbers = sequenceNumbers(event);
  } catch (error) {
    logger.error('batch rejected', describeError(error));
    throw error;
  }
  const records = (event as { Records: unknown[] }).Records;
  const remaining = options.remainingTimeMs ?? (() => Infinity);
  const margin = options.deadlineMarginMs ?? 3000;
  const debug = logger.isEnabled('debug');
  const context: ActionContext = { logger, remainingTimeMs: remaining };
  const arnCache: StreamArnCache = {};
  const done = (failedAt: number | undefined) => {
    const fields = {
      records: records.length,
      processed: failedAt ?? records.length,
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

  for (let i = 0; i < records.length; i++) {
    const record = records[i];
    if (remaining() < margin) {
      logger.warn('stopping before the timeout', { index: i, sequenceNumber: numbers[i], remainingMs: remaining(), marginMs: margin });
      return done(i);
    }
    let change: Change;
    try {
      change = toChange(record, i, arnCache);
    } catch (error) {
      logger.error('malformed record', { index: i, sequenceNumber: numbers[i], keys: keysOf(record), ...describeError(error) });
      return done(i);
    }
    if (debug) logger.debug('change', { index: i, sequenceNumber: change.sequenceNumber, eventName: change.eventName, keys: change.keys, newImage: change.newImage, oldImage: change.oldImage });
    for (let a = 0; a < actions.length; a++) {
      const action = actions[a]!;
      if (action.match !== undefined && !action.match(change)) continue;
      const actionStarted = debug ? performance.now() : 0;
      try {
        const pending = action.handle(change, context);
        // Synchronous actions skip the microtask an unconditional await would cost on every record.
        if (pending !== undefined) await pending;
      } catch (cause) {
        const error = new ActionError(action.name, change.sequenceNumber, { cause });
        logger.error('action failed', {
          action: action.name,
          index: i,
          sequenceNumber: change.sequenceNumber,
          eventName: change.eventName,
          keys: change.keys,
          outcome: 'error',
          ...describeError(cause),
        });
        if (debug) logger.debug('action failure detail', { error });
        return done(i);
      }
      if (debug) logger.debug('action done', { action: action.name, sequenceNumber: change.sequenceNumber, outcome: 'ok', durationMs: performance.now() - actionStarted });
    }
  }
  return done(undefined);
}
