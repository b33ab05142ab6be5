import { describe, expect, it } from 'vitest';
import {
  nextStep,
  type Attempts,
  type DeliveryRules,
  type DeliveryStep,
  type InvocationOutcome,
} from '../../lib/local/engine/delivery-policy.js';

const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);
const seq = (n: number) => `4421584500000000017450439${String(n).padStart(3, '0')}`;
/** A batch of `size` records written `ageSeconds` ago. */
const batch = (size: number, ageSeconds = 1) => ({
  sequenceNumbers: Array.from({ length: size }, (_, i) => seq(i + 1)),
  createdMs: Array.from({ length: size }, () => NOW - ageSeconds * 1000),
});
const rules = (overrides: Partial<DeliveryRules> = {}): DeliveryRules => ({
  reportBatchItemFailures: false,
  bisectBatchOnFunctionError: false,
  maximumRetryAttempts: -1,
  maximumRecordAgeInSeconds: -1,
  tumblingWindow: false,
  retryBaseDelayMs: 500,
  retryMaxDelayMs: 10_000,
  ...overrides,
});
const fresh: Attempts = { retries: 0, invocations: 1 };
const returned = (response: unknown): InvocationOutcome => ({ kind: 'returned', response });
const failed = (errorType = 'Error', errorMessage = 'boom'): InvocationOutcome => ({ kind: 'failed', errorType, errorMessage });
const reportFailureAt = (...indexes: number[]) => returned({ batchItemFailures: indexes.map((i) => ({ itemIdentifier: seq(i + 1) })) });

describe('delivery policy (nextStep)', () => {
  it.each<[string, InvocationOutcome, ReturnType<typeof batch>, Attempts, Partial<DeliveryRules>, Partial<DeliveryStep>]>([
    ['unsent, fresh records: invoke', { kind: 'unsent' }, batch(3), { retries: 0, invocations: 0 }, {}, { kind: 'invoke' }],
    [
      'unsent, the first two older than maximumRecordAgeInSeconds: dead-letter them (RecordAgeExceeded)',
      { kind: 'unsent' },
      { sequenceNumbers: [seq(1), seq(2), seq(3)], createdMs: [NOW - 61_000, NOW - 61_000, NOW - 1_000] },
      fresh,
      { maximumRecordAgeInSeconds: 60 },
      { kind: 'deadLetter', acknowledge: 0, count: 2, condition: 'RecordAgeExceeded' },
    ],
    [
      'unsent, no age limit of its own but older than the 24 h the stream keeps records: dead-letter',
      { kind: 'unsent' },
      batch(1, 86_401),
      fresh,
      {},
      { kind: 'deadLetter', acknowledge: 0, count: 1, condition: 'RecordAgeExceeded' },
    ],
    ['ok: ack', returned(undefined), batch(3), fresh, {}, { kind: 'ack', verdict: { outcome: 'ok', failedAt: 3 } }],
    [
      'partial failure at 1 with ReportBatchItemFailures: acknowledge 1, retry from there',
      reportFailureAt(2, 1),
      batch(3),
      fresh,
      { reportBatchItemFailures: true },
      { kind: 'retry', verdict: { outcome: 'partial', failedAt: 1 }, acknowledge: 1, retry: 1, delayMs: 500 },
    ],
    ['partial failure reported without ReportBatchItemFailures: ignored, ack', reportFailureAt(1), batch(3), fresh, {}, { kind: 'ack' }],
    [
      'partial failure at 2 with bisection: split at the failure (no retry used)',
      reportFailureAt(2),
      batch(4),
      fresh,
      { reportBatchItemFailures: true, bisectBatchOnFunctionError: true },
      { kind: 'split', at: 'failure', acknowledge: 2, parts: [2] },
    ],
    [
      'function error with bisection: split in halves',
      failed(),
      batch(5),
      fresh,
      { bisectBatchOnFunctionError: true },
      {
        kind: 'split',
        at: 'half',
        acknowledge: 0,
        parts: [3, 2],
        verdict: { outcome: 'error', failedAt: 0, errorType: 'Error', errorMessage: 'boom' },
      },
    ],
    [
      'function error with bisection on one record: retry it',
      failed(),
      batch(1),
      fresh,
      { bisectBatchOnFunctionError: true },
      { kind: 'retry', retry: 1 },
    ],
    [
      'function error without bisection: retry the whole batch',
      failed(),
      batch(5),
      fresh,
      {},
      { kind: 'retry', acknowledge: 0, retry: 1, delayMs: 500 },
    ],
    [
      'timeout: a failure like any other (outcome timeout)',
      failed('Sandbox.Timedout', 'Task timed out after 3.00 seconds'),
      batch(2),
      fresh,
      {},
      {
        kind: 'retry',
        verdict: { outcome: 'timeout', failedAt: 0, errorType: 'Sandbox.Timedout', errorMessage: 'Task timed out after 3.00 seconds' },
      },
    ],
    [
      'third retry: the backoff doubles',
      failed(),
      batch(1),
      { retries: 2, invocations: 3 },
      {},
      { kind: 'retry', retry: 3, delayMs: 2_000 },
    ],
    [
      'a late retry: the backoff is capped',
      failed(),
      batch(1),
      { retries: 9, invocations: 10 },
      {},
      { kind: 'retry', retry: 10, delayMs: 10_000 },
    ],
    [
      'retries exhausted: dead-letter the rest (RetryAttemptsExhausted)',
      failed(),
      batch(2),
      { retries: 2, invocations: 3 },
      { maximumRetryAttempts: 2 },
      { kind: 'deadLetter', acknowledge: 0, count: 2, condition: 'RetryAttemptsExhausted' },
    ],
    [
      'retries exhausted after a partial failure: acknowledge the records before it, dead-letter the rest',
      reportFailureAt(1),
      batch(3),
      { retries: 0, invocations: 1 },
      { maximumRetryAttempts: 0, reportBatchItemFailures: true },
      { kind: 'deadLetter', acknowledge: 1, count: 2, condition: 'RetryAttemptsExhausted' },
    ],
    [
      'malformed response (unknown itemIdentifier): the whole batch failed',
      returned({ batchItemFailures: [{ itemIdentifier: '1' }] }),
      batch(2),
      fresh,
      { reportBatchItemFailures: true },
      { kind: 'retry', acknowledge: 0, verdict: expect.objectContaining({ outcome: 'error', errorType: 'MalformedBatchResponse' }) },
    ],
    [
      'tumbling window without state: the whole batch failed, with or without ReportBatchItemFailures',
      returned({}),
      batch(2),
      fresh,
      { tumblingWindow: true },
      { kind: 'retry', acknowledge: 0, verdict: expect.objectContaining({ outcome: 'error', errorType: 'MalformedBatchResponse' }) },
    ],
    ['tumbling window with state: ack', returned({ state: { n: 1 } }), batch(2), fresh, { tumblingWindow: true }, { kind: 'ack' }],
  ])('%s', (_name, outcome, view, attempts, overrides, expected) => {
    // Act
    const step = nextStep(outcome, view, attempts, rules(overrides), NOW);
    // Assess
    expect(step).toMatchObject(expected);
  });

  it('compares sequence numbers as integers: the lowest failure wins whatever its text', () => {
    // Prepare: "9..." sorts after "10..." as text, before it as a number.
    const view = { sequenceNumbers: ['9'.padStart(21, '0').replace(/^0/, '9'), '1'.padEnd(22, '0')], createdMs: [NOW, NOW] };
    const response = { batchItemFailures: [{ itemIdentifier: view.sequenceNumbers[1] }, { itemIdentifier: view.sequenceNumbers[0] }] };
    // Act
    const step = nextStep(returned(response), view, fresh, rules({ reportBatchItemFailures: true }), NOW);
    // Assess
    expect(step).toMatchObject({ kind: 'retry', acknowledge: 0, verdict: { outcome: 'partial', failedAt: 0 } });
  });
});
