import { describe, expect, it } from 'vitest';
import { createFaultInjector, DEFAULT_FAULT_MIX, type FaultDecision, type FaultRequest } from '../../lib/local/faults/fault-injector.js';
import { sdkAttemptOf } from '../../lib/local/faults/sdk-attempt.js';
import { ConfigurationError } from '../../lib/runtime/errors.js';

/** Draws taken in order; running out is a test bug, so it throws. */
const scripted =
  (...draws: number[]) =>
  () => {
    const next = draws.shift();
    if (next === undefined) throw new Error('the injector drew more numbers than the test scripted');
    return next;
  };

const request = (overrides: Partial<FaultRequest> = {}): FaultRequest => ({
  invocationId: 'call-1',
  attempt: 1,
  maxAttempts: 5,
  target: 'DynamoDB_20120810.PutItem',
  body: Buffer.from('{"TableName":"change-log-t","Item":{"pk":{"S":"a"}}}'),
  ...overrides,
});

describe('createFaultInjector: which calls fail', () => {
  it.each<{ why: string; rate: number; draws: number[]; expected: FaultDecision }>([
    { why: 'rate 0 never draws', rate: 0, draws: [], expected: { kind: 'pass' } },
    { why: 'a draw at the rate passes', rate: 0.1, draws: [0.1], expected: { kind: 'pass' } },
    {
      why: 'first share of the mix: InternalServerError before the call',
      rate: 0.1,
      draws: [0.05, 0],
      expected: { kind: 'fail-before', answer: 'internal-server-error', attempt: 1, firstOfCall: true },
    },
    {
      why: 'second share: throttling before the call',
      rate: 0.1,
      draws: [0.05, 0.5],
      expected: { kind: 'fail-before', answer: 'throttling', attempt: 1, firstOfCall: true },
    },
    {
      why: 'third share: InternalServerError after the write',
      rate: 0.1,
      draws: [0.05, 0.7],
      expected: { kind: 'fail-after', answer: 'internal-server-error', attempt: 1, firstOfCall: true },
    },
    {
      why: 'last share: connection reset after the write',
      rate: 0.1,
      draws: [0.05, 0.999],
      expected: { kind: 'fail-after', answer: 'connection-reset', attempt: 1, firstOfCall: true },
    },
  ])('$why', ({ rate, draws, expected }) => {
    // Prepare
    const injector = createFaultInjector({ rate, random: scripted(...draws) });
    // Act
    const decision = injector.decide(request());
    // Assess
    expect(decision).toEqual(expected);
    expect(injector.counts().calls).toBe(expected.kind === 'pass' ? 0 : 1);
  });

  it('has a default mix whose weights add up to 1, a share of it after the write', () => {
    // Act
    const total = DEFAULT_FAULT_MIX.reduce((sum, kind) => sum + kind.weight, 0);
    const after = DEFAULT_FAULT_MIX.filter((kind) => kind.when === 'after').reduce((sum, kind) => sum + kind.weight, 0);
    // Assess
    expect(total).toBeCloseTo(1, 12);
    expect(after).toBeGreaterThan(0);
  });

  it.each([-0.1, 1.5, Number.NaN])('refuses the rate %s with a ConfigurationError', (rate) => {
    // Act / Assess
    expect(() => createFaultInjector({ rate })).toThrow(ConfigurationError);
  });

  it('refuses a mix with no positive weight', () => {
    // Act / Assess
    expect(() => createFaultInjector({ rate: 0.1, mix: [{ when: 'before', answer: 'throttling', weight: 0 }] })).toThrow(
      ConfigurationError,
    );
  });
});

describe('createFaultInjector: a faulted call fails on every attempt the SDK makes', () => {
  it.each([
    { first: 0.7, answer: 'internal-server-error' as const },
    { first: 0.5, answer: 'throttling' as const },
  ])('fails attempts 2..max of a $answer call before the call, then forgets it', ({ first, answer }) => {
    // Prepare: the first attempt is chosen; no more draws are scripted until the call is forgotten.
    const injector = createFaultInjector({ rate: 0.1, random: scripted(0, first, 0.99) });
    const decisions: FaultDecision[] = [];
    // Act
    for (let attempt = 1; attempt <= 5; attempt++) decisions.push(injector.decide(request({ attempt })));
    const again = injector.decide(request({ attempt: 1 }));
    // Assess
    expect(decisions.slice(1)).toEqual([2, 3, 4, 5].map((attempt) => ({ kind: 'fail-before', answer, attempt, firstOfCall: false })));
    expect(again).toEqual({ kind: 'pass' });
    expect(injector.counts()).toMatchObject({ calls: 1, answers: 5 });
  });

  it('draws afresh for the next call with the same body (a new invocation id)', () => {
    // Prepare
    const injector = createFaultInjector({ rate: 0.1, random: scripted(0, 0, 0.5) });
    injector.decide(request({ invocationId: 'call-1' }));
    // Act
    const next = injector.decide(request({ invocationId: 'call-2' }));
    // Assess
    expect(next).toEqual({ kind: 'pass' });
  });

  it('fails retries before the call after a fault after the write (the write happens once)', () => {
    // Prepare
    const injector = createFaultInjector({ rate: 0.1, random: scripted(0, 0.999) });
    // Act
    const first = injector.decide(request({ attempt: 1, maxAttempts: 3 }));
    const retries = [2, 3].map((attempt) => injector.decide(request({ attempt, maxAttempts: 3 })));
    // Assess
    expect(first.kind).toBe('fail-after');
    expect(retries.map((d) => d.kind)).toEqual(['fail-before', 'fail-before']);
    expect(injector.counts()).toEqual({
      calls: 1,
      afterWrite: 1,
      answers: 3,
      byAnswer: { 'internal-server-error': 0, throttling: 0, 'connection-reset': 1 },
    });
  });

  it('bounds the faults of a request without retry headers by attemptsPerFault, keyed by its body', () => {
    // Prepare
    const injector = createFaultInjector({ rate: 0.1, attemptsPerFault: 3, random: scripted(0, 0, 0.99) });
    const bare = request({ invocationId: undefined, attempt: undefined, maxAttempts: undefined });
    // Act
    const kinds = [1, 2, 3, 4].map(() => injector.decide(bare).kind);
    // Assess
    expect(kinds).toEqual(['fail-before', 'fail-before', 'fail-before', 'pass']);
  });

  it('forgets a call the SDK gave up on after rememberMs', () => {
    // Prepare
    let now = 1_000;
    const injector = createFaultInjector({ rate: 0.1, rememberMs: 60_000, now: () => now, random: scripted(0, 0, 0.99) });
    injector.decide(request({ attempt: 1 }));
    // Act
    now += 60_000;
    const late = injector.decide(request({ attempt: 2 }));
    // Assess
    expect(late).toEqual({ kind: 'pass' });
  });
});

describe('sdkAttemptOf', () => {
  it.each([
    {
      headers: { 'amz-sdk-invocation-id': 'id-1', 'amz-sdk-request': 'attempt=2; max=5' },
      expected: { invocationId: 'id-1', attempt: 2, maxAttempts: 5 },
    },
    { headers: { 'amz-sdk-request': 'max=3;attempt=1' }, expected: { invocationId: undefined, attempt: 1, maxAttempts: 3 } },
    {
      headers: { 'amz-sdk-request': 'attempt=0; max=x' },
      expected: { invocationId: undefined, attempt: undefined, maxAttempts: undefined },
    },
    { headers: {}, expected: { invocationId: undefined, attempt: undefined, maxAttempts: undefined } },
  ])('reads $headers', ({ headers, expected }) => {
    // Act / Assess
    expect(sdkAttemptOf(headers)).toEqual(expected);
  });
});
