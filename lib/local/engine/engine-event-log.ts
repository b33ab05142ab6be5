import type { Logger } from '../../runtime/logging/logger.js';
import type { EngineEvent, EngineEventListener, NextStepSummary, OutcomeEvent } from './engine-event.js';

/** How an invocation ended, in words. */
function outcomeText(event: OutcomeEvent): string {
  if (event.outcome === 'ok') return 'ok';
  if (event.outcome === 'partial') return `partial failure at ${event.failedAt}`;
  if (event.errorType === 'MalformedBatchResponse') return `error (malformed batch response: ${event.errorMessage})`;
  return `error ${event.errorType}: ${event.errorMessage}`;
}

/** What follows, in words. */
function nextText(next: NextStepSummary): string {
  switch (next.kind) {
    case 'ack':
      return '';
    case 'retry':
      return `; retry ${next.retry} of ${next.maxRetries === -1 ? 'unlimited (until the records expire)' : next.maxRetries}`;
    case 'split':
      return next.at === 'failure' ? `; retrying from ${next.fromSequenceNumber}` : `; bisecting into ${next.parts[0]} + ${next.parts[1]}`;
    case 'deadLetter':
      return `; sent to dead-letter store after ${next.invocations} invocation(s)`;
    case 'giveUp':
      return '; giving up, state dropped';
  }
}

function finalWindowText(event: OutcomeEvent): string {
  const final = event.finalInvokeForWindow!;
  const head = `final invocation of window ${final.windowStart}`;
  if (event.outcome === 'ok') return `${head}${final.terminatedEarly ? ' (terminated early)' : ''}: ok`;
  if (event.next.kind === 'giveUp') return `${head}: error ${event.errorType}; giving up, state dropped`;
  return `${head}: error ${event.errorType}: ${event.errorMessage}${event.next.kind === 'retry' ? `; retry ${event.next.retry}` : ''}`;
}

/** The per-batch line: function, shard, records by sequence number, outcome, duration (never the records). */
function batchLine(
  logger: Logger,
  event: {
    functionName: string;
    shardId: string;
    batchSize: number;
    firstSequenceNumber: string | undefined;
    lastSequenceNumber: string | undefined;
  },
  outcome: string,
  durationMs: number,
  extra: Record<string, unknown> = {},
): void {
  const { functionName, shardId, batchSize, firstSequenceNumber: first, lastSequenceNumber: last } = event;
  const age = typeof extra.iteratorAgeMs === 'number' ? `, iterator age ${extra.iteratorAgeMs} ms` : '';
  logger.info(`${functionName} ${shardId} ${batchSize} record(s) ${first}..${last}: ${outcome} (${durationMs} ms${age})`, {
    function: functionName,
    shardId,
    batchSize,
    firstSequenceNumber: first,
    lastSequenceNumber: last,
    outcome,
    durationMs,
    ...extra,
  });
}

/**
 * The log lines of the local engine, made from its events: one line per invocation (outcome and what
 * follows), one per dead letter, warnings for trimmed records, lost shards, a lagging iterator and failed
 * writes. Keys, sequence numbers and event names only: never item images.
 */
export function engineEventLog(logger: Logger): EngineEventListener {
  return (event: EngineEvent) => {
    switch (event.type) {
      case 'outcome': {
        const extra = { requestId: event.requestId, ...(event.iteratorAgeMs !== undefined ? { iteratorAgeMs: event.iteratorAgeMs } : {}) };
        const text = event.finalInvokeForWindow ? finalWindowText(event) : `${outcomeText(event)}${nextText(event.next)}`;
        batchLine(logger, event, text, event.durationMs, extra);
        return;
      }
      case 'recordAgeExceeded':
        batchLine(logger, event, `record age exceeded ${event.maximumRecordAgeSeconds} s; sent to dead-letter store`, 0);
        return;
      case 'undeliverable':
        batchLine(logger, event, `not deliverable (${event.reason}); sent to dead-letter store`, 0);
        return;
      case 'deadLetter':
        logger.info(
          `${event.functionName} ${event.shardId}: ${event.batchSize} record(s) sent to dead-letter store ` +
            `as ${event.deadLetterId} (${event.condition})`,
          {
            function: event.functionName,
            shardId: event.shardId,
            deadLetterId: event.deadLetterId,
            condition: event.condition,
          },
        );
        return;
      case 'deadLetterWriteFailed':
        logger.error(`could not write a dead letter (attempt ${event.attempt}): ${event.error}`, { shardId: event.shardId });
        return;
      case 'checkpointWriteFailed':
        logger.error(`could not write the checkpoint of shard ${event.shardId}: ${event.error}`, { shardId: event.shardId });
        return;
      case 'iteratorAgeWarning':
        logger.warn(
          `${event.functionName} ${event.shardId}: iterator age ${event.iteratorAgeMs} ms is over ${event.thresholdMs} ms; ` +
            'the mapping is falling behind its stream (a slow or failing function, or a small batch size)',
          { function: event.functionName, shardId: event.shardId, iteratorAgeMs: event.iteratorAgeMs, thresholdMs: event.thresholdMs },
        );
        return;
      case 'recordsTrimmed':
        if (event.after === undefined) {
          logger.debug('trimmed data before any position; reading from the oldest record left', { shardId: event.shardId });
        } else {
          logger.warn(
            `shard ${event.shardId}: records after ${event.after} were trimmed (older than 24 h); continuing from the oldest record left`,
            {
              shardId: event.shardId,
            },
          );
        }
        return;
      case 'iteratorExpired':
        logger.debug('shard iterator expired; acquiring a new one', { shardId: event.shardId });
        return;
      case 'streamReset':
        if (event.reason === 'shard-gone') {
          logger.warn(
            `shard ${event.shardId} or its stream no longer exists (table deleted or DynamoDB Local restarted in memory); ` +
              'describing the stream again',
            { shardId: event.shardId },
          );
        } else if (event.reason === 'new-stream') {
          logger.info(
            `${event.functionName}: table ${event.tableName} has a new stream (the table was created again); reading it from its start`,
            {
              streamArn: event.streamArn,
            },
          );
        }
        return;
      case 'shardStarted':
        logger.debug('reading shard', { shardId: event.shardId, start: event.start, parentShardId: event.parentShardId });
        return;
      case 'shardFinished':
        logger.debug('shard finished', { shardId: event.shardId });
        return;
      case 'invocation':
      case 'retry':
      case 'split':
      case 'checkpoint':
        // Part of the outcome line (retry, split) or too frequent for a log line (invocation start, checkpoint).
        return;
    }
  };
}
