import { describe, expect, it } from 'vitest';
import { createConsoleState, mappingKeyOf, type ConsoleLimits } from '../../lib/tools/console/console-state.js';
import type { InvocationView } from '../../lib/tools/console/console-view.js';
import type { EngineEvent } from '../../lib/local/engine/engine-event.js';
import type { StreamMappingSettings } from '../../lib/mapping/settings.js';
import { insertRecord, streamEvent } from '../factories/stream-record.js';
import { mappingSettings } from '../factories/mapping-settings.js';

const FN = 'booksStream';
const TABLE = 'books-test';
const SHARD = 'shardId-0001';
const KEY = mappingKeyOf(FN, TABLE);

const settings: StreamMappingSettings = mappingSettings(TABLE, {
  functionName: FN,
  maximumRetryAttempts: 1,
  bisectBatchOnFunctionError: true,
  reportBatchItemFailures: true,
});

const seq = (n: number) => `1000000000000000000${String(n).padStart(2, '0')}`;
const batch = (requestId: string, first: number, last: number) => ({
  functionName: FN,
  shardId: SHARD,
  requestId,
  batchSize: last - first + 1,
  firstSequenceNumber: seq(first),
  lastSequenceNumber: seq(last),
});

/** Typed engine events, as the shard worker emits them. */
const events = {
  invocation: (requestId: string, first: number, last: number, attempt: number): EngineEvent => ({
    type: 'invocation',
    ...batch(requestId, first, last),
    iteratorAgeMs: 1500,
    attempt,
  }),
  partial: (
    requestId: string,
    first: number,
    last: number,
    failedAt: number,
    next: Extract<EngineEvent, { type: 'outcome' }>['next'],
  ): EngineEvent => ({
    type: 'outcome',
    ...batch(requestId, first, last),
    outcome: 'partial',
    failedAt: seq(failedAt),
    durationMs: 12,
    iteratorAgeMs: 1500,
    next,
  }),
  ok: (requestId: string, first: number, last: number): EngineEvent => ({
    type: 'outcome',
    ...batch(requestId, first, last),
    outcome: 'ok',
    durationMs: 5,
    iteratorAgeMs: 1500,
    next: { kind: 'ack' },
  }),
  splitAtFailure: (requestId: string, first: number, last: number): EngineEvent => ({
    type: 'split',
    ...batch(requestId, first, last),
    at: 'failure',
    parts: [last - first + 1],
  }),
  splitHalves: (requestId: string, first: number, last: number, parts: [number, number]): EngineEvent => ({
    type: 'split',
    ...batch(requestId, first, last),
    at: 'half',
    parts,
  }),
  retry: (requestId: string, first: number, last: number, retry: number): EngineEvent => ({
    type: 'retry',
    ...batch(requestId, first, last),
    retry,
    maxRetries: 1,
    delayMs: 500,
  }),
  deadLetter: (requestId: string, first: number, last: number, invocations: number): EngineEvent => ({
    type: 'deadLetter',
    ...batch(requestId, first, last),
    condition: 'RetryAttemptsExhausted',
    deadLetterId: 'booksStream--2026-01-01T00-00-00-000Z--0123abcd',
    destination: undefined,
    invocations,
  }),
};

const newState = (options: { debugImages?: boolean; limits?: Partial<ConsoleLimits> } = {}) => {
  let now = 1_700_000_000_000;
  const state = createConsoleState({
    stage: 'test',
    mappings: [{ functionName: FN, settings, debugImages: options.debugImages ?? false }],
    now: () => (now += 10),
    ...(options.limits ? { limits: options.limits } : {}),
  });
  return state;
};

const tree = (views: InvocationView[]) =>
  Object.fromEntries(
    views.map((v) => [
      v.requestId,
      { parent: v.parentRequestId, root: v.rootRequestId, cause: v.cause, status: v.status, dead: v.deadLetter?.condition },
    ]),
  );

describe('the invocation tree, from engine events alone', () => {
  it.each<[string, EngineEvent[], Record<string, unknown>]>([
    [
      'a batch that succeeds is a tree of one',
      [events.invocation('A', 1, 3, 1), events.ok('A', 1, 3)],
      { A: { parent: undefined, root: 'A', cause: undefined, status: 'ok', dead: undefined } },
    ],
    [
      // The console test's batch: ok, bad, ok with bisection and one retry.
      'split at the failure, halves, a retry and a dead letter hang under the first invocation',
      [
        events.invocation('A', 1, 3, 1),
        events.partial('A', 1, 3, 2, { kind: 'split', at: 'failure', fromSequenceNumber: seq(2) }),
        events.splitAtFailure('A', 2, 3),
        events.invocation('B', 2, 3, 2),
        events.partial('B', 2, 3, 2, { kind: 'split', at: 'half', parts: [1, 1] }),
        events.splitHalves('B', 2, 3, [1, 1]),
        events.invocation('C', 2, 2, 1),
        events.partial('C', 2, 2, 2, { kind: 'retry', retry: 1, maxRetries: 1, fromSequenceNumber: seq(2) }),
        events.retry('C', 2, 2, 1),
        events.invocation('D', 2, 2, 2),
        events.partial('D', 2, 2, 2, { kind: 'deadLetter', invocations: 2 }),
        events.deadLetter('D', 2, 2, 2),
        events.invocation('E', 3, 3, 1),
        events.ok('E', 3, 3),
      ],
      {
        A: { parent: undefined, root: 'A', cause: undefined, status: 'partial', dead: undefined },
        B: { parent: 'A', root: 'A', cause: { kind: 'split', at: 'failure' }, status: 'partial', dead: undefined },
        C: { parent: 'B', root: 'A', cause: { kind: 'split', at: 'half', part: 1 }, status: 'partial', dead: undefined },
        D: { parent: 'C', root: 'A', cause: { kind: 'retry', retry: 1, maxRetries: 1 }, status: 'partial', dead: 'RetryAttemptsExhausted' },
        E: { parent: 'B', root: 'A', cause: { kind: 'split', at: 'half', part: 2 }, status: 'ok', dead: undefined },
      },
    ],
    [
      'a fresh batch of the same records after a restart is a new tree, not a retry',
      [
        events.invocation('A', 1, 1, 1),
        events.retry('A', 1, 1, 1),
        { type: 'shardStarted', functionName: FN, shardId: SHARD, start: 'AFTER_SEQUENCE_NUMBER', parentShardId: undefined },
        events.invocation('B', 1, 1, 1),
      ],
      {
        A: { parent: undefined, root: 'A', cause: undefined, status: 'running', dead: undefined },
        B: { parent: undefined, root: 'B', cause: undefined, status: 'running', dead: undefined },
      },
    ],
    [
      'records given up before any invocation show as not invoked, with the dead letter',
      [{ type: 'recordAgeExceeded', ...batch('R', 4, 5), maximumRecordAgeSeconds: 60 }, events.deadLetter('R', 4, 5, 0)],
      { R: { parent: undefined, root: 'R', cause: undefined, status: 'not-invoked', dead: 'RetryAttemptsExhausted' } },
    ],
  ])('%s', (_name, sequence, expected) => {
    // Prepare
    const state = newState();
    // Act
    for (const event of sequence) state.onEvent(event);
    // Assess
    expect(tree(state.snapshot().invocations)).toEqual(expected);
  });

  it('remembers the error that sent a dead letter, for the dead-letter table', () => {
    // Prepare
    const state = newState();
    // Act
    state.onEvent(events.invocation('A', 1, 1, 1));
    state.onEvent(events.partial('A', 1, 1, 1, { kind: 'deadLetter', invocations: 1 }));
    state.onEvent(events.deadLetter('A', 1, 1, 1));
    // Assess
    expect(state.deadLetterError('booksStream--2026-01-01T00-00-00-000Z--0123abcd')).toBe(`partial failure at ${seq(1)}`);
  });
});

describe('records and handler lines of an invocation', () => {
  const record = insertRecord(TABLE, ['isbn'], { isbn: '978-0441013593', author: 'Frank Herbert', secret: 'not for info level' });

  it.each([
    ['hidden when the function is not at debug level', false],
    ['shown when it runs at debug level', true],
  ])('images are %s', (_name, debugImages) => {
    // Prepare
    const state = newState({ debugImages });
    state.onEvent(events.invocation('A', 1, 1, 1));
    // Act
    state.onInvoke(FN, 'A', streamEvent([record]));
    // Assess
    const detail = state.detail('A')!;
    expect(detail.records).toHaveLength(1);
    expect(detail.records[0]!.keys).toEqual({ isbn: { S: '978-0441013593' } });
    expect(detail.records[0]!.eventName).toBe('INSERT');
    expect(detail.imagesShown).toBe(debugImages);
    expect(JSON.stringify(detail).includes('not for info level')).toBe(debugImages);
  });

  it('keeps key attributes named __proto__ as data', () => {
    // Prepare
    const state = newState();
    state.onEvent(events.invocation('A', 1, 1, 1));
    const raw = JSON.parse('{"Records":[{"eventName":"INSERT","dynamodb":{"SequenceNumber":"1","Keys":{"__proto__":{"S":"x"}}}}]}');
    // Act
    state.onInvoke(FN, 'A', raw);
    // Assess
    const keys = state.detail('A')!.records[0]!.keys;
    expect(Object.keys(keys)).toEqual(['__proto__']);
    expect(JSON.parse(JSON.stringify(keys))).toEqual(JSON.parse('{"__proto__":{"S":"x"}}'));
  });

  it('gives each line to its invocation: by request id, or to the only one running', () => {
    // Prepare
    const state = newState();
    state.onEvent(events.invocation('A', 1, 1, 1));
    // Act
    state.onHandlerLine(FN, 'START RequestId: A Version: $LATEST');
    state.onHandlerLine(FN, 'a plain console line');
    state.onHandlerLine(FN, JSON.stringify({ level: 'info', message: 'done', requestId: 'A' }));
    state.onHandlerLine(FN, 'END RequestId: A');
    state.onHandlerLine(
      FN,
      'REPORT RequestId: A\tDuration: 2.00 ms\tBilled Duration: 2 ms\tMemory Size: 1024 MB\tMax Memory Used: 50 MB\t' +
        'Init Duration: 120.50 ms',
    );
    state.onHandlerLine(FN, 'a line between invocations');
    // Assess
    const detail = state.detail('A')!;
    expect(detail.logs.map((l) => l.line.split(' ')[0])).toEqual([
      'START',
      'a',
      '{"level":"info","message":"done","requestId":"A"}',
      'END',
      'REPORT',
    ]);
    expect(detail.invocation.initDurationMs).toBe(120.5);
  });
});

describe('the console never fails the engine', () => {
  it.each<[string, (state: ReturnType<typeof newState>) => void]>([
    [
      'an event whose records cannot be read',
      (state) =>
        state.onInvoke(FN, 'A', {
          get Records(): unknown[] {
            throw new Error('unreadable');
          },
        }),
    ],
    ['an event that is not an object', (state) => state.onInvoke(FN, 'A', 'not an event')],
    ['a line of a function it does not know', (state) => state.onHandlerLine('unknownFunction', 'START RequestId: Z Version: $LATEST')],
    [
      'an event of a function it does not know',
      (state) => state.onEvent({ type: 'shardFinished', functionName: 'unknownFunction', shardId: 'x' }),
    ],
  ])('%s is dropped, not thrown', (_name, feed) => {
    // Prepare
    const state = newState();
    state.onEvent(events.invocation('A', 1, 1, 1));
    // Act / Assess
    expect(() => feed(state)).not.toThrow();
    expect(state.detail('A')!.invocation.status).toBe('running');
  });

  it('keeps a long line in part, saying how much is left out', () => {
    // Prepare
    const state = newState({ limits: { lineCharacters: 10 } });
    state.onEvent(events.invocation('A', 1, 1, 1));
    // Act
    state.onHandlerLine(FN, JSON.stringify({ requestId: 'A', image: 'x'.repeat(100) }));
    // Assess
    const [line] = state.detail('A')!.logs;
    expect(line!.line.startsWith('{"requestI')).toBe(true);
    expect(line!.line.length).toBeLessThan(60);
  });
});

describe('bounded memory', () => {
  it.each([
    ['invocations per mapping', { invocationsPerMapping: 5 }, 5],
    ['the default limit', {}, 300],
  ])('keeps only the newest %s', (_name, limits, expected) => {
    // Prepare
    const state = newState({ limits });
    // Act
    for (let i = 0; i < 400; i += 1) {
      state.onEvent(events.invocation(`R${i}`, 1, 1, 1));
      state.onHandlerLine(FN, JSON.stringify({ requestId: `R${i}`, message: 'x' }));
    }
    // Assess
    const kept = state.snapshot().invocations;
    expect(kept).toHaveLength(expected);
    expect(kept[kept.length - 1]!.requestId).toBe('R399');
    expect(state.detail('R0')).toBeUndefined();
  });

  it('keeps at most recordsPerInvocation records and linesPerInvocation lines of one invocation', () => {
    // Prepare
    const state = newState({ limits: { recordsPerInvocation: 3, linesPerInvocation: 4 } });
    state.onEvent(events.invocation('A', 1, 10, 1));
    const records = Array.from({ length: 10 }, (_, i) => insertRecord(TABLE, ['isbn'], { isbn: `isbn-${i}`, author: 'a' }));
    // Act
    state.onInvoke(FN, 'A', streamEvent(records));
    for (let i = 0; i < 10; i += 1) state.onHandlerLine(FN, JSON.stringify({ requestId: 'A', n: i }));
    // Assess
    const detail = state.detail('A')!;
    expect(detail.records.map((r) => r.keys)).toEqual([0, 1, 2].map((i) => ({ isbn: { S: `isbn-${i}` } })));
    expect(detail.recordsOmitted).toBe(7);
    expect(detail.logs.map((l) => (JSON.parse(l.line) as { n: number }).n)).toEqual([6, 7, 8, 9]);
  });

  it('keeps metrics for the window only', () => {
    // Prepare
    let now = 1_700_000_000_000;
    const state = createConsoleState({
      stage: 't',
      mappings: [{ functionName: FN, settings, debugImages: false }],
      now: () => now,
      limits: { metricsWindowSeconds: 60 },
    });
    // Act: one invocation a second for two minutes.
    for (let i = 0; i < 120; i += 1) {
      now += 1000;
      state.onEvent(events.invocation(`R${i}`, 1, 2, 1));
    }
    // Assess
    const points = state.snapshot().metrics[KEY]!;
    expect(points).toHaveLength(60);
    expect(points.every((p) => p.records === 2 && p.invocations === 1)).toBe(true);
  });
});
