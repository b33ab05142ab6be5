import { createHash } from 'node:crypto';
import { ConfigurationError } from '../../runtime/errors.js';
import type { SdkAttempt } from './sdk-attempt.js';

/** How a faulted call is answered: as DynamoDB does under a transient fault, or by a dropped connection. */
export type FaultAnswer = 'internal-server-error' | 'throttling' | 'connection-reset';

/** One kind of fault a call can be chosen for, with its weight among the faults. */
export interface FaultKind {
  /** `before`: DynamoDB Local never sees the call; `after`: the call takes effect and its answer is lost. */
  when: 'before' | 'after';
  answer: FaultAnswer;
  weight: number;
}

/**
 * Mostly faults before the call, as a throttled or failing service gives them, and a good share after it: the write
 * happened and only its answer is lost, the hardest case for exactly-once. Throttling is kept rarer because the SDK
 * waits five times longer between its retries.
 */
export const DEFAULT_FAULT_MIX: readonly FaultKind[] = [
  { when: 'before', answer: 'internal-server-error', weight: 0.45 },
  { when: 'before', answer: 'throttling', weight: 0.2 },
  { when: 'after', answer: 'internal-server-error', weight: 0.2 },
  { when: 'after', answer: 'connection-reset', weight: 0.15 },
];

/** What the proxy does with one request (a tagged union, decided without I/O). */
export type FaultDecision =
  | { kind: 'pass' }
  /** Answer with the fault; DynamoDB Local never sees the request. */
  | { kind: 'fail-before'; answer: FaultAnswer; attempt: number; firstOfCall: boolean }
  /** Forward the request, then replace DynamoDB Local's answer with the fault. */
  | { kind: 'fail-after'; answer: FaultAnswer; attempt: number; firstOfCall: true };

/** A request as the injector sees it: the SDK attempt it is, the API action, and the body. */
export interface FaultRequest extends SdkAttempt {
  /** `X-Amz-Target`, for example `DynamoDB_20120810.PutItem`. */
  target: string;
  body: Buffer;
}

export interface FaultCounts {
  /** Calls chosen to fail; every attempt the SDK makes of such a call fails, so the fault reaches the caller. */
  calls: number;
  /** Of those, calls whose first attempt reached DynamoDB Local: the write happened and its answer was lost. */
  afterWrite: number;
  /** Answers replaced by a fault, retries included. */
  answers: number;
  /** Calls by the answer they got. */
  byAnswer: Record<FaultAnswer, number>;
}

export interface FaultInjectorOptions {
  /** Probability that one call fails (all its SDK attempts), from 0 to 1. */
  rate: number;
  /** Source of the draws; default Math.random (a seeded one makes the choice of calls repeatable). */
  random?: () => number;
  mix?: readonly FaultKind[];
  /**
   * Attempts faulted per call when the request does not say the SDK's maximum (`amz-sdk-request`); default 5,
   * the attempts createDynamoDBClient gives a local endpoint.
   */
  attemptsPerFault?: number;
  /** How long a faulted call is remembered for its retries, in ms; default 60,000 (the SDK waits at most 20 s). */
  rememberMs?: number;
  now?: () => number;
}

/** Chooses the calls that fail and remembers them, so their retries fail too; counts what it did. */
export interface FaultInjector {
  readonly rate: number;
  decide(request: FaultRequest): FaultDecision;
  counts(): FaultCounts;
}

interface Remembered {
  answer: FaultAnswer;
  /** Later attempts still to fault. */
  remaining: number;
  until: number;
}

function checkedMix(mix: readonly FaultKind[]): readonly FaultKind[] {
  const total = mix.reduce((sum, kind) => sum + kind.weight, 0);
  if (mix.length === 0 || mix.some((kind) => !(kind.weight >= 0)) || !(total > 0)) {
    throw new ConfigurationError('the fault mix needs at least one kind and non-negative weights that add up to more than 0');
  }
  return mix;
}

/**
 * Fault injection for the local stack's proxy, where the cloud would fail: in the handlers' DynamoDB calls.
 * A call is chosen with probability `rate` on the first attempt seen; its later attempts (same invocation id,
 * same body) fail too, up to the SDK's maximum, so the SDK's own retries cannot hide it and the action sees an error.
 */
export function createFaultInjector(options: FaultInjectorOptions): FaultInjector {
  const { rate } = options;
  if (!(rate >= 0 && rate <= 1)) throw new ConfigurationError(`the fault rate must be a number from 0 to 1, got ${rate}`);
  const random = options.random ?? Math.random;
  const now = options.now ?? Date.now;
  const mix = checkedMix(options.mix ?? DEFAULT_FAULT_MIX);
  const totalWeight = mix.reduce((sum, kind) => sum + kind.weight, 0);
  const attemptsPerFault = options.attemptsPerFault ?? 5;
  const rememberMs = options.rememberMs ?? 60_000;
  const byAnswer: Record<FaultAnswer, number> = { 'internal-server-error': 0, throttling: 0, 'connection-reset': 0 };
  const counts: FaultCounts = { calls: 0, afterWrite: 0, answers: 0, byAnswer };
  const remembered = new Map<string, Remembered>();
  let nextSweep = now() + rememberMs;

  const keyOf = (request: FaultRequest): string =>
    createHash('sha256')
      .update(`${request.invocationId ?? ''}\0${request.target}\0`)
      .update(request.body)
      .digest('base64');

  // A call the SDK gave up on (its retry quota ran out) never comes back: forget it after a while.
  const sweep = (at: number) => {
    if (at < nextSweep) return;
    nextSweep = at + rememberMs;
    for (const [key, entry] of remembered) if (entry.until <= at) remembered.delete(key);
  };

  const pick = (draw: number): FaultKind => {
    let left = draw * totalWeight;
    for (const kind of mix) {
      if (left < kind.weight) return kind;
      left -= kind.weight;
    }
    return mix[mix.length - 1]!;
  };

  return {
    rate,
    decide(request) {
      const at = now();
      sweep(at);
      const attempt = request.attempt ?? 1;
      const key = keyOf(request);
      const known = remembered.get(key);
      if (known && known.until > at) {
        known.remaining -= 1;
        if (known.remaining <= 0) remembered.delete(key);
        counts.answers += 1;
        return { kind: 'fail-before', answer: known.answer, attempt, firstOfCall: false };
      }
      if (known) remembered.delete(key);
      if (!(rate > 0 && random() < rate)) return { kind: 'pass' };
      const kind = pick(random());
      const later = (request.maxAttempts ?? attemptsPerFault) - attempt;
      if (later > 0) remembered.set(key, { answer: kind.answer, remaining: later, until: at + rememberMs });
      counts.calls += 1;
      counts.answers += 1;
      counts.byAnswer[kind.answer] += 1;
      if (kind.when === 'after') {
        counts.afterWrite += 1;
        return { kind: 'fail-after', answer: kind.answer, attempt, firstOfCall: true };
      }
      return { kind: 'fail-before', answer: kind.answer, attempt, firstOfCall: true };
    },
    counts: () => ({ ...counts, byAnswer: { ...counts.byAnswer } }),
  };
}
