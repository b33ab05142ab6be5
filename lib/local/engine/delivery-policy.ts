import { interpretBatchResponse } from '../../mapping/batch-response.js';
import type { FailureCondition } from '../../mapping/failure-payload.js';

/** Records leave a DynamoDB stream after 24 hours: the age limit of a mapping without one of its own. */
const STREAM_RETENTION_SECONDS = 86_400;

/** The mapping's settings that decide what happens to a batch. */
export interface DeliveryRules {
  reportBatchItemFailures: boolean;
  bisectBatchOnFunctionError: boolean;
  /** -1: until the records expire. */
  maximumRetryAttempts: number;
  /** -1: no limit of its own (records still leave the stream after 24 hours). */
  maximumRecordAgeInSeconds: number;
  /** The batch belongs to a tumbling window: the response must hold `state`. */
  tumblingWindow: boolean;
  retryBaseDelayMs: number;
  retryMaxDelayMs: number;
}

/** What became of the last attempt at a batch. */
export type InvocationOutcome =
  /** Not sent yet (first try, or after a retry's delay). */
  | { kind: 'unsent' }
  /** The function returned `response`. */
  | { kind: 'returned'; response: unknown }
  /** The function threw, or ran past its timeout (`Sandbox.Timedout`). */
  | { kind: 'failed'; errorType: string; errorMessage: string };

/** The batch as the policy sees it: sequence numbers and best-estimate creation times (ms), in order. */
export interface BatchView {
  sequenceNumbers: readonly string[];
  createdMs: readonly number[];
}

/** What this batch's delivery has used so far. */
export interface Attempts {
  /** Retries used (splits use none). */
  retries: number;
  /** Invocations of these records (for approximateInvokeCount). */
  invocations: number;
}

/** How an invocation ended, for the outcome event. */
export interface Verdict {
  outcome: 'ok' | 'partial' | 'error' | 'timeout';
  /** Index in the batch of the first record to deliver again (0 for a whole-batch failure). */
  failedAt: number;
  errorType?: string;
  errorMessage?: string;
}

/**
 * The next step for a batch. Every step but `invoke` may first acknowledge the batch's first `acknowledge`
 * records (the ones before the lowest reported failure).
 */
export type DeliveryStep =
  | { kind: 'invoke' }
  | { kind: 'ack'; verdict: Verdict }
  /** Deliver the records after `acknowledge` again at once, as `parts` batches (sizes); costs no retry. */
  | { kind: 'split'; verdict: Verdict; acknowledge: number; at: 'failure' | 'half'; parts: number[] }
  /** Wait `delayMs`, then deliver the records after `acknowledge` again as retry number `retry`. */
  | { kind: 'retry'; verdict: Verdict; acknowledge: number; retry: number; delayMs: number }
  /** Give up `count` records after `acknowledge`; the rest of the batch, if any, is delivered on. */
  | { kind: 'deadLetter'; verdict: Verdict | undefined; acknowledge: number; count: number; condition: FailureCondition };

/** Doubling from the base delay, capped. */
export const backoffMs = (retry: number, rules: Pick<DeliveryRules, 'retryBaseDelayMs' | 'retryMaxDelayMs'>): number =>
  Math.min(rules.retryMaxDelayMs, rules.retryBaseDelayMs * 2 ** (retry - 1));

/** The age limit in seconds that applies (a mapping without one still loses records after 24 hours). */
export const recordAgeLimitSeconds = (rules: Pick<DeliveryRules, 'maximumRecordAgeInSeconds'>): number =>
  rules.maximumRecordAgeInSeconds === -1 ? STREAM_RETENTION_SECONDS : rules.maximumRecordAgeInSeconds;

function verdictOf(outcome: Exclude<InvocationOutcome, { kind: 'unsent' }>, batch: BatchView, rules: DeliveryRules): Verdict {
  if (outcome.kind === 'failed') {
    const kind = outcome.errorType === 'Sandbox.Timedout' ? 'timeout' : 'error';
    return { outcome: kind, failedAt: 0, errorType: outcome.errorType, errorMessage: outcome.errorMessage };
  }
  const answer = interpretBatchResponse(outcome.response, batch.sequenceNumbers, rules.reportBatchItemFailures, rules.tumblingWindow);
  if (answer.kind === 'ok') return { outcome: 'ok', failedAt: batch.sequenceNumbers.length };
  if (answer.kind === 'partial') return { outcome: 'partial', failedAt: answer.index };
  return { outcome: 'error', failedAt: 0, errorType: 'MalformedBatchResponse', errorMessage: answer.reason };
}

/**
 * Lambda's delivery semantics for one batch of a stream, as a pure decision: partial batch responses
 * (checkpoint before the lowest failure), bisection (at the failure, else in halves; no retry used),
 * retries with backoff, retry exhaustion and record age (both dead-letter). `now` is the engine clock's time.
 */
export function nextStep(
  outcome: InvocationOutcome,
  batch: BatchView,
  attempts: Attempts,
  rules: DeliveryRules,
  now: number,
): DeliveryStep {
  if (outcome.kind === 'unsent') {
    const limitMs = recordAgeLimitSeconds(rules) * 1000;
    let expired = 0;
    while (expired < batch.createdMs.length && now - batch.createdMs[expired]! > limitMs) expired += 1;
    if (expired > 0) return { kind: 'deadLetter', verdict: undefined, acknowledge: 0, count: expired, condition: 'RecordAgeExceeded' };
    return { kind: 'invoke' };
  }
  const verdict = verdictOf(outcome, batch, rules);
  const size = batch.sequenceNumbers.length;
  if (verdict.outcome === 'ok') return { kind: 'ack', verdict };
  const remaining = size - verdict.failedAt;
  if (rules.bisectBatchOnFunctionError && verdict.failedAt > 0) {
    // Lambda splits at the reported sequence number; that split costs no retry attempt.
    return { kind: 'split', verdict, acknowledge: verdict.failedAt, at: 'failure', parts: [remaining] };
  }
  if (rules.bisectBatchOnFunctionError && remaining > 1) {
    const half = Math.ceil(remaining / 2);
    return { kind: 'split', verdict, acknowledge: verdict.failedAt, at: 'half', parts: [half, remaining - half] };
  }
  const retry = attempts.retries + 1;
  if (rules.maximumRetryAttempts !== -1 && retry > rules.maximumRetryAttempts) {
    return { kind: 'deadLetter', verdict, acknowledge: verdict.failedAt, count: remaining, condition: 'RetryAttemptsExhausted' };
  }
  return { kind: 'retry', verdict, acknowledge: verdict.failedAt, retry, delayMs: backoffMs(retry, rules) };
}
