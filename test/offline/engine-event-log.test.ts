import { describe, expect, it } from 'vitest';
import { createEngineEventBus } from '../../lib/local/engine/engine-event-bus.js';
import type { EngineEvent } from '../../lib/local/engine/engine-event.js';
import { engineEventLog } from '../../lib/local/engine/engine-event-log.js';
import { captureLogger } from '../support/capture-logger.js';

const batch = {
  functionName: 'booksStream',
  shardId: 'shardId-1',
  requestId: 'r-1',
  batchSize: 2,
  firstSequenceNumber: '100000000000000000001',
  lastSequenceNumber: '100000000000000000002',
};

describe('engine event log (the log lines made from engine events)', () => {
  it.each<[string, EngineEvent, 'debug' | 'info' | 'warn' | 'error' | undefined, Record<string, unknown>]>([
    [
      'an ok outcome: one info line with the batch and the iterator age',
      { type: 'outcome', ...batch, outcome: 'ok', durationMs: 12, iteratorAgeMs: 340, next: { kind: 'ack' } },
      'info',
      {
        function: 'booksStream',
        shardId: 'shardId-1',
        batchSize: 2,
        firstSequenceNumber: batch.firstSequenceNumber,
        lastSequenceNumber: batch.lastSequenceNumber,
        durationMs: 12,
        iteratorAgeMs: 340,
        outcome: 'ok',
      },
    ],
    [
      'a failed outcome that is retried',
      {
        type: 'outcome',
        ...batch,
        outcome: 'error',
        errorType: 'TypeError',
        errorMessage: 'x',
        durationMs: 3,
        iteratorAgeMs: 5,
        next: { kind: 'retry', retry: 1, maxRetries: 2, fromSequenceNumber: batch.firstSequenceNumber },
      },
      'info',
      { function: 'booksStream', batchSize: 2, durationMs: 3, requestId: 'r-1' },
    ],
    [
      'a dead letter',
      {
        type: 'deadLetter',
        ...batch,
        condition: 'RetryAttemptsExhausted',
        deadLetterId: 'booksStream--id',
        destination: 'Dlq',
        invocations: 3,
      },
      'info',
      { function: 'booksStream', shardId: 'shardId-1', deadLetterId: 'booksStream--id', condition: 'RetryAttemptsExhausted' },
    ],
    [
      'an iterator-age warning',
      { type: 'iteratorAgeWarning', functionName: 'booksStream', shardId: 'shardId-1', iteratorAgeMs: 61_000, thresholdMs: 60_000 },
      'warn',
      { function: 'booksStream', shardId: 'shardId-1', iteratorAgeMs: 61_000, thresholdMs: 60_000 },
    ],
    [
      'records trimmed after our position',
      { type: 'recordsTrimmed', functionName: 'f', shardId: 'shardId-1', after: '100000000000000000001' },
      'warn',
      { shardId: 'shardId-1' },
    ],
    [
      'records trimmed before any position (nothing of ours lost)',
      { type: 'recordsTrimmed', functionName: 'f', shardId: 'shardId-1', after: undefined },
      'debug',
      { shardId: 'shardId-1' },
    ],
    [
      'a checkpoint write that failed',
      { type: 'checkpointWriteFailed', functionName: 'f', shardId: 'shardId-1', error: 'EACCES' },
      'error',
      { shardId: 'shardId-1' },
    ],
    ['an invocation start (part of the outcome line)', { type: 'invocation', ...batch, iteratorAgeMs: 1, attempt: 1 }, undefined, {}],
    [
      'a checkpoint (too frequent for a line)',
      { type: 'checkpoint', functionName: 'f', shardId: 'shardId-1', sequenceNumber: '100000000000000000001', shardEnded: false },
      undefined,
      {},
    ],
  ])('%s', (_name, event, level, fields) => {
    // Prepare
    const { logger, lines } = captureLogger('debug');
    // Act
    engineEventLog(logger)(event);
    // Assess
    if (level === undefined) {
      expect(lines()).toEqual([]);
      return;
    }
    expect(lines()).toHaveLength(1);
    expect(lines()[0]).toMatchObject({ level, ...fields });
  });
});

describe('engine event bus', () => {
  it('hands every event to every listener, in order, until it unsubscribes; a throwing listener stops no one', () => {
    // Prepare
    const failures: string[] = [];
    const bus = createEngineEventBus((error, event) => failures.push(`${event.type}: ${(error as Error).message}`));
    const first: string[] = [];
    const second: string[] = [];
    bus.subscribe(() => {
      throw new Error('listener bug');
    });
    bus.subscribe((event) => first.push(event.type));
    const unsubscribe = bus.subscribe((event) => second.push(event.type));
    // Act
    bus.publish({ type: 'shardStarted', functionName: 'f', shardId: 's', start: 'TRIM_HORIZON', parentShardId: undefined });
    unsubscribe();
    bus.publish({ type: 'shardFinished', functionName: 'f', shardId: 's' });
    // Assess
    expect(first).toEqual(['shardStarted', 'shardFinished']);
    expect(second).toEqual(['shardStarted']);
    expect(failures).toEqual(['shardStarted: listener bug', 'shardFinished: listener bug']);
  });
});
