import { describe, expect, it } from 'vitest';
import type { Action } from '../../lib/runtime/dispatch/action.js';
import { createStreamHandler } from '../../lib/runtime/dispatch/stream-handler.js';
import { createLogger } from '../../lib/runtime/logging/logger.js';
import { insertRecord, streamEvent } from '../factories/stream-record.js';

/** A Lambda-like context whose remaining time runs down with the wall clock, as Lambda's does. */
function lambdaContext(timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  return { awsRequestId: 'deadline-test', getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()) };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('a handler running out of time', () => {
  it.each([
    // [timeout, margin, ms per record]: with 20 records the batch needs 20 × perRecord, far more than the timeout.
    [1_000, 300, 100],
    [600, 200, 50],
  ])(
    'with a %i ms timeout and a %i ms margin stops before the timeout and reports the first unprocessed record',
    async (timeoutMs, marginMs, perRecordMs) => {
      // Prepare: a slow action, a batch that cannot finish in time.
      const records = Array.from({ length: 20 }, (_, i) =>
        insertRecord('books-deadline', ['isbn'], { isbn: `978-${i}`, author: 'A', title: `T${i}` }),
      );
      const done: string[] = [];
      const slow: Action = {
        name: 'slow',
        async handle(change) {
          await sleep(perRecordMs);
          done.push(change.sequenceNumber);
        },
      };
      const lines: string[] = [];
      const handler = createStreamHandler({
        actions: [slow],
        logger: createLogger({ write: (line) => lines.push(line) }),
        deadlineMarginMs: marginMs,
      });
      const context = lambdaContext(timeoutMs);

      // Act
      const response = await handler(streamEvent(records), context);
      const leftMs = context.getRemainingTimeInMillis();

      // Assess: it returned before the timeout, every record before the reported one was processed,
      // and the reported one (and everything after it) was not.
      expect(leftMs).toBeGreaterThan(0);
      expect(done.length).toBeGreaterThan(0);
      expect(done.length).toBeLessThan(records.length);
      const sequenceNumbers = records.map((r) => r.dynamodb!.SequenceNumber!);
      expect(done).toEqual(sequenceNumbers.slice(0, done.length));
      expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: sequenceNumbers[done.length] }] });
      const stopLine = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.message === 'stopping before the timeout');
      expect(stopLine).toMatchObject({ level: 'warn', index: done.length, sequenceNumber: sequenceNumbers[done.length], marginMs });
    },
  );

  it('processes the whole batch when time is plenty', async () => {
    // Prepare
    const records = Array.from({ length: 5 }, (_, i) =>
      insertRecord('books-deadline', ['isbn'], { isbn: `979-${i}`, author: 'A', title: `T${i}` }),
    );
    let count = 0;
    const handler = createStreamHandler({
      actions: [{ name: 'count', handle: () => void count++ }],
      logger: createLogger({ level: 'silent' }),
    });
    // Act
    const response = await handler(streamEvent(records), lambdaContext(60_000));
    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(count).toBe(5);
  });

  it('reports the first record when the time is already below the margin on arrival', async () => {
    // Prepare
    const records = Array.from({ length: 3 }, (_, i) =>
      insertRecord('books-deadline', ['isbn'], { isbn: `980-${i}`, author: 'A', title: `T${i}` }),
    );
    let count = 0;
    const handler = createStreamHandler({
      actions: [{ name: 'count', handle: () => void count++ }],
      logger: createLogger({ level: 'silent' }),
    });
    // Act: default margin (3,000 ms) with 2,000 ms left.
    const response = await handler(streamEvent(records), lambdaContext(2_000));
    // Assess
    expect(count).toBe(0);
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: records[0]!.dynamodb!.SequenceNumber }] });
  });
});
