import { describe, expect, it } from 'vitest';
import type { Change } from '../../lib/runtime/change/types.js';
import type { Action, ActionContext } from '../../lib/runtime/dispatch/action.js';
import { onEvents, onTtlExpiry } from '../../lib/runtime/dispatch/matchers.js';
import { processBatch } from '../../lib/runtime/dispatch/process-batch.js';
import { createStreamHandler } from '../../lib/runtime/dispatch/stream-handler.js';
import { InvalidConcurrencyError, MalformedEventError, UnidentifiableRecordError } from '../../lib/runtime/errors.js';
import { insertRecord, modifyRecord, removeRecord, streamEvent } from '../factories/stream-record.js';
import { captureLogger } from '../support/capture-logger.js';
import { nextTurn } from '../support/deferred.js';
import { createGate, drive, startOrder, type Gate, type ReleasePolicy } from '../support/gate.js';
import { laneOrderViolations, startsAfterFirstFailure } from '../support/lane-order.js';

const book = (n: number) => ({ isbn: `isbn-${n}`, title: `Title ${n}`, author: `Author ${n % 3}` });
const batch = (size: number) => streamEvent(Array.from({ length: size }, (_, n) => insertRecord('books-local', ['isbn'], book(n))));

/** An action that records what it saw and fails on the given sequence numbers. */
function recordingAction(name: string, failOn: Set<string> = new Set()): Action & { seen: string[] } {
  const seen: string[] = [];
  return {
    name,
    seen,
    async handle(change: Change) {
      if (failOn.has(change.sequenceNumber)) throw new Error(`boom on ${change.sequenceNumber}`);
      seen.push(change.sequenceNumber);
    },
  };
}

describe('processBatch', () => {
  it('runs every action on every change, in order, and reports success with an empty list', async () => {
    // Prepare
    const event = batch(5);
    const first = recordingAction('first');
    const second = recordingAction('second');
    const { logger } = captureLogger();

    // Act
    const response = await processBatch(event, { actions: [first, second], logger });

    // Assess
    const sequence = event.Records.map((r) => r.dynamodb!.SequenceNumber!);
    expect(response).toEqual({ batchItemFailures: [] });
    expect(first.seen).toEqual(sequence);
    expect(second.seen).toEqual(sequence);
  });

  it.each([0, 2, 4])('stops at the first failing record (index %i), reports it, and leaves the rest for the retry', async (failing) => {
    // Prepare
    const event = batch(5);
    const sequence = event.Records.map((r) => r.dynamodb!.SequenceNumber!);
    const action = recordingAction('flaky', new Set([sequence[failing]!]));
    const after = recordingAction('after');
    const { logger, lines } = captureLogger();

    // Act
    const response = await processBatch(event, { actions: [action, after], logger });

    // Assess
    // Lambda resumes from the lowest reported sequence number and delivers everything after it again:
    // running later records now would apply them twice and reorder effects per item, so they wait.
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: sequence[failing] }] });
    expect(action.seen).toEqual(sequence.slice(0, failing));
    expect(after.seen).toEqual(sequence.slice(0, failing));
    const failure = lines().find((l) => l.message === 'action failed');
    expect(failure).toMatchObject({
      level: 'error',
      action: 'flaky',
      sequenceNumber: sequence[failing],
      index: failing,
      keys: { isbn: `isbn-${failing}` },
      errorMessage: `boom on ${sequence[failing]}`,
    });
  });

  it('reports a malformed record as the failure, logged with its keys and sequence number, and runs nothing after it', async () => {
    // Prepare
    const event = batch(3);
    const bad = event.Records[1]!;
    bad.dynamodb!.NewImage = { ...bad.dynamodb!.NewImage, year: { Z: '1' } as never };
    const action = recordingAction('a');
    const { logger, lines } = captureLogger();

    // Act
    const response = await processBatch(event, { actions: [action], logger });

    // Assess
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: bad.dynamodb!.SequenceNumber }]);
    expect(action.seen).toEqual([event.Records[0]!.dynamodb!.SequenceNumber]);
    expect(lines().find((l) => l.message === 'malformed record')).toMatchObject({
      index: 1,
      sequenceNumber: bad.dynamodb!.SequenceNumber,
      keys: { isbn: { S: 'isbn-1' } },
      errorName: 'MalformedRecordError',
      errorMessage:
        'Record 1: dynamodb.NewImage.year has an unknown attribute type "Z"; expected one of S, N, B, BOOL, NULL, M, L, SS, NS, BS',
    });
  });

  it.each<[string, unknown, new (...args: never[]) => Error, string]>([
    ['null', null, MalformedEventError, 'The event is null'],
    ['a string', 'x', MalformedEventError, 'The event is string'],
    ['an object without Records', { records: [] }, MalformedEventError, 'The event has no Records array'],
    [
      'a record without a sequence number',
      { Records: [batch(1).Records[0], { eventName: 'INSERT', dynamodb: {} }] },
      UnidentifiableRecordError,
      'Record 1: dynamodb.SequenceNumber is missing',
    ],
    [
      'a record without dynamodb',
      { Records: [{ eventName: 'INSERT' }] },
      UnidentifiableRecordError,
      'Record 0: dynamodb.SequenceNumber is missing',
    ],
  ])('fails the whole invocation for %s, before running any action', async (_label, event, type, message) => {
    // Prepare
    const action = recordingAction('a');
    const { logger, lines } = captureLogger();

    // Act
    const result = processBatch(event, { actions: [action], logger });

    // Assess
    await expect(result).rejects.toThrow(type);
    await expect(processBatch(event, { actions: [action], logger })).rejects.toThrow(message);
    expect(action.seen).toEqual([]);
    expect(lines()[0]).toMatchObject({ level: 'error', message: 'batch rejected' });
  });

  it('runs actions only on the changes they match', async () => {
    // Prepare
    const b = book(1);
    const event = streamEvent([
      insertRecord('books-local', ['isbn'], b),
      modifyRecord('books-local', ['isbn'], b, { ...b, title: 'New' }),
      removeRecord('books-local', ['isbn'], b, { ttlExpiry: true }),
      removeRecord('books-local', ['isbn'], b),
    ]);
    const seq = event.Records.map((r) => r.dynamodb!.SequenceNumber!);
    const inserts = { ...recordingAction('inserts'), match: onEvents('INSERT') };
    const expiries = { ...recordingAction('expiries'), match: onTtlExpiry };
    const { logger } = captureLogger();

    // Act
    await processBatch(event, { actions: [inserts, expiries], logger });

    // Assess
    expect(inserts.seen).toEqual([seq[0]]);
    expect(expiries.seen).toEqual([seq[2]]);
  });

  it('stops before the deadline and reports the first unprocessed record', async () => {
    // Prepare
    const event = batch(4);
    const seq = event.Records.map((r) => r.dynamodb!.SequenceNumber!);
    let remaining = 10_000;
    const slow: Action = { name: 'slow', handle: () => void (remaining -= 4000) };
    const { logger } = captureLogger();

    // Act
    const response = await processBatch(event, { actions: [slow], logger, remainingTimeMs: () => remaining, deadlineMarginMs: 3000 });

    // Assess: 10 s left, 4 s per record, 3 s margin → two records fit, the third would risk the timeout.
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: seq[2] }] });
  });

  it('logs keys, event names and sequence numbers at info level, never item contents', async () => {
    // Prepare
    const secret = 'jane.doe@example.com';
    const event = streamEvent([insertRecord('books-local', ['isbn'], { isbn: 'x', title: 'T', author: 'A', ownerEmail: secret })]);
    const info = captureLogger('info');
    const debug = captureLogger('debug');

    // Act
    await processBatch(event, { actions: [recordingAction('a')], logger: info.logger });
    await processBatch(event, { actions: [recordingAction('a')], logger: debug.logger });

    // Assess
    expect(info.text()).not.toContain(secret);
    expect(info.lines().at(-1)).toMatchObject({ message: 'batch processed', records: 1, outcome: 'ok' });
    expect(debug.text()).toContain(secret);
  });

  it('keeps nothing of a batch once the handler returned', async () => {
    // Prepare
    const { logger } = captureLogger('warn');
    const handler = createStreamHandler({ actions: [recordingAction('a')], logger });
    let event: ReturnType<typeof batch> | undefined = batch(50);
    const collected = watchCollection(event);

    // Act
    await handler(event);
    event = undefined;

    // Assess
    expect(await collected()).toBe(true);
  });

  it.each([1, 4])('lets go of the records while something still holds one of its closures (concurrency %i)', async (concurrency) => {
    // Prepare: an action keeps its context; remainingTimeMs is a closure of processBatch, as are the functions a
    // TurboFan job may still be compiling after the batch (the 12 MB retained one invocation in three in the bench).
    const { logger } = captureLogger('warn');
    let kept: ActionContext | undefined;
    const keeper: Action = { name: 'keeper', handle: (_change, context) => void (kept = context) };
    let event: ReturnType<typeof batch> | undefined = batch(20);
    const collected = watchCollection(event.Records);

    // Act
    await processBatch(event, { actions: [keeper], logger, concurrency });
    event = undefined;

    // Assess
    expect(kept?.remainingTimeMs()).toBe(Infinity);
    expect(await collected()).toBe(true);
  });
});

/**
 * Watches `target` for collection; the returned function runs full GCs, each followed by a short turn of the event loop
 * (finalizers run as tasks), until the target is gone or 20 rounds passed, and says whether it was collected.
 */
function watchCollection(target: object): () => Promise<boolean> {
  let gone = false;
  // Used by the closure below, so it lives as long as the watch: a registry that is itself collected calls nothing back.
  const registry = new FinalizationRegistry<undefined>(() => void (gone = true));
  const token = {};
  registry.register(target, undefined, token);
  return async () => {
    const gc = (globalThis as { gc?: () => void }).gc;
    expect(gc, 'the test run passes --expose-gc to workers').toBeTypeOf('function');
    for (let i = 0; i < 20 && !gone; i++) {
      gc!();
      await new Promise((r) => setTimeout(r, 10));
    }
    registry.unregister(token);
    return gone;
  };
}

/** One record per letter of `lanes`: a MODIFY of the book whose isbn is that letter, so a letter is an item key. */
function keyedBatch(lanes: string) {
  const event = streamEvent(
    lanes.split('').map((isbn, n) => modifyRecord('books-local', ['isbn'], { isbn, title: `v${n}` }, { isbn, title: `v${n + 1}` })),
  );
  const sequence = event.Records.map((r) => r.dynamodb!.SequenceNumber!);
  return { event, sequence, indexOf: (change: Change) => sequence.indexOf(change.sequenceNumber) };
}

/** An action that holds every change in the gate (by record index); `throwAt` throws synchronously instead. */
function gatedAction(gate: Gate, indexOf: (change: Change) => number, throwAt?: number): Action {
  return {
    name: 'gated',
    handle(change) {
      const index = indexOf(change);
      if (index === throwAt) throw new Error(`sync boom on ${index}`);
      return gate.enter(index);
    },
  };
}

describe('processBatch with concurrency', () => {
  it.each<[number, ReleasePolicy]>([
    [2, 'first-started'],
    [2, 'last-started'],
    [4, 'last-started'],
    [16, 'first-started'],
    [16, 'last-started'],
  ])('runs records of one key in stream order, other keys side by side (concurrency %i, %s first)', async (concurrency, policy) => {
    // Prepare
    const lanes = 'ABACBDAEBCCDEAAB';
    const { event, sequence, indexOf } = keyedBatch(lanes);
    const gate = createGate();
    const after = recordingAction('after');
    const { logger } = captureLogger('warn');

    // Act
    const response = await drive(gate, processBatch(event, { actions: [gatedAction(gate, indexOf), after], logger, concurrency }), policy);

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(laneOrderViolations(gate.events, (i) => lanes[i]!)).toEqual([]);
    expect(gate.maxInFlight).toBe(Math.min(concurrency, new Set(lanes).size));
    // The second action of a change runs only after the first, and per key in stream order.
    for (const lane of new Set(lanes)) {
      const ofLane = sequence.filter((_, i) => lanes[i] === lane);
      expect(after.seen.filter((seq) => ofLane.includes(seq))).toEqual(ofLane);
    }
    expect([...after.seen].sort()).toEqual([...sequence].sort());
  });

  it('keeps concurrency 1 (the default) strictly sequential across keys', async () => {
    // Prepare
    const lanes = 'ABCDE';
    const { event, indexOf } = keyedBatch(lanes);
    const gate = createGate();
    const { logger } = captureLogger('warn');

    // Act
    const response = await drive(gate, processBatch(event, { actions: [gatedAction(gate, indexOf)], logger }), 'last-started');

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(gate.maxInFlight).toBe(1);
    expect(startOrder(gate)).toEqual([0, 1, 2, 3, 4]);
  });

  interface StopRow {
    label: string;
    policy: ReleasePolicy;
    failing?: number[];
    throwAt?: number;
    malformedAt?: number;
    /** Index of the record the response names. */
    reported: number;
    started: number[];
  }
  it.each<StopRow>([
    { label: 'a failure in the first key', policy: 'first-started', failing: [0], reported: 0, started: [0, 1, 2] },
    { label: 'a failure in a middle key', policy: 'first-started', failing: [4], reported: 4, started: [0, 1, 2, 3, 4, 5, 6] },
    { label: 'a failure in the last key', policy: 'first-started', failing: [8], reported: 8, started: [0, 1, 2, 3, 4, 5, 6, 7, 8] },
    { label: 'failures in two keys at once, the later first', policy: 'last-started', failing: [1, 2], reported: 1, started: [0, 1, 2] },
    { label: 'a failure while a lower record waits', policy: 'last-started', failing: [4], reported: 3, started: [0, 1, 2, 5, 8, 4] },
    { label: 'a synchronous throw', policy: 'first-started', throwAt: 4, reported: 4, started: [0, 1, 2, 3] },
    { label: 'a malformed record', policy: 'first-started', malformedAt: 4, reported: 4, started: [0, 1, 2, 3] },
  ])('stops on $label: nothing new starts, what is in flight is awaited, the lowest unfinished record is reported', async (row) => {
    // Prepare
    const lanes = 'ABCABCABC';
    const { event, sequence, indexOf } = keyedBatch(lanes);
    if (row.malformedAt !== undefined) {
      const bad = event.Records[row.malformedAt]!.dynamodb!;
      bad.NewImage = { ...bad.NewImage, title: { Z: 'x' } as never };
    }
    const gate = createGate();
    const failing = new Set(row.failing ?? []);
    const { logger, lines } = captureLogger('info');

    // Act
    const batch = processBatch(event, { actions: [gatedAction(gate, indexOf, row.throwAt)], logger, concurrency: 3 });
    const response = await drive(gate, batch, row.policy, failing);

    // Assess
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: sequence[row.reported] }] });
    expect(startOrder(gate)).toEqual(row.started);
    expect(gate.waiting, 'every record in flight was awaited').toEqual([]);
    expect(startsAfterFirstFailure(gate.events, failing)).toEqual([]);
    expect(laneOrderViolations(gate.events, (i) => lanes[i]!)).toEqual([]);
    const failed = [...failing, ...(row.throwAt === undefined ? [] : [row.throwAt])].sort();
    expect(
      lines()
        .filter((l) => l.message === 'action failed')
        .map((l) => l.index)
        .sort(),
    ).toEqual(failed);
    const malformed = lines()
      .filter((l) => l.message === 'malformed record')
      .map((l) => l.index);
    expect(malformed).toEqual(row.malformedAt === undefined ? [] : [row.malformedAt]);
    const succeeded = row.started.filter((i) => !failing.has(i)).length;
    const summary = { outcome: 'partial failure', processed: succeeded, failedSequenceNumber: sequence[row.reported] };
    expect(lines().at(-1)).toMatchObject(summary);
  });

  it('starts nothing when the deadline margin is reached, awaits the records in flight, and reports the first unstarted', async () => {
    // Prepare
    const { event, sequence, indexOf } = keyedBatch('ABCDEF');
    const gate = createGate();
    let remaining = 10_000;
    const { logger, lines } = captureLogger('info');
    const actions = [gatedAction(gate, indexOf)];
    const batch = processBatch(event, { actions, logger, concurrency: 3, remainingTimeMs: () => remaining, deadlineMarginMs: 3000 });
    let settled = false;
    void batch.finally(() => void (settled = true));
    await nextTurn();

    // Act
    remaining = 2999;
    gate.release(1, 'ok');
    await nextTurn();
    const settledWithTwoInFlight = settled;
    gate.release(0, 'ok');
    gate.release(2, 'ok');
    const response = await batch;

    // Assess
    expect(settledWithTwoInFlight).toBe(false);
    expect(startOrder(gate)).toEqual([0, 1, 2]);
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: sequence[3] }] });
    const stop = lines().find((l) => l.message === 'stopping before the timeout');
    expect(stop).toMatchObject({ index: 3, sequenceNumber: sequence[3], marginMs: 3000 });
  });

  it('passes the concurrency of createStreamHandler through', async () => {
    // Prepare
    const { event, indexOf } = keyedBatch('ABCDEFGH');
    const gate = createGate();
    const { logger } = captureLogger('warn');
    const handler = createStreamHandler({ actions: [gatedAction(gate, indexOf)], logger, concurrency: 4 });

    // Act
    const response = await drive(gate, handler(event), 'first-started');

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(gate.maxInFlight).toBe(4);
  });

  const invalid = [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '4' as unknown as number];
  it.each(invalid)('rejects concurrency %s with a clear error', async (concurrency) => {
    // Prepare
    const action = recordingAction('a');
    const { logger, lines } = captureLogger();

    // Act
    const create = () => createStreamHandler({ actions: [action], logger, concurrency });
    const run = processBatch(batch(2), { actions: [action], logger, concurrency });

    // Assess
    expect(create).toThrow(InvalidConcurrencyError);
    await expect(run).rejects.toThrow(/give a whole number of at least 1/);
    expect(action.seen).toEqual([]);
    expect(lines()[0]).toMatchObject({ level: 'error', message: 'batch rejected', errorName: 'InvalidConcurrencyError' });
  });
});

/** A batch action that records each call's changes and fails the given record indexes (or throws). */
function batchAction(name: string, failAt: number[] = [], options: { throws?: boolean; match?: Action['match'] } = {}) {
  const calls: number[][] = [];
  const single: number[] = [];
  const action: Action = {
    name,
    ...(options.match ? { match: options.match } : {}),
    handle(change) {
      single.push(change.index);
    },
    async handleBatch(changes) {
      calls.push(changes.map((c) => c.index));
      if (options.throws) throw new Error(`${name} broke`);
      return {
        failed: changes.filter((c) => failAt.includes(c.index)).map((change) => ({ change, error: new Error(`fail ${change.index}`) })),
      };
    },
  };
  return { action, calls, single };
}

/** A per-change action that records indexes and fails the given ones. */
function eachAction(name: string, failAt: number[] = []) {
  const seen: number[] = [];
  const action: Action = {
    name,
    handle(change) {
      if (failAt.includes(change.index)) throw new Error(`fail ${change.index}`);
      seen.push(change.index);
    },
  };
  return { action, seen };
}

describe('processBatch with batch actions', () => {
  interface PhaseRow {
    label: string;
    eachFails?: number[];
    batchFails?: number[];
    batchThrows?: boolean;
    malformedAt?: number;
    /** Indexes the batch action gets, the per-change action after it sees, and the reported index. */
    given: number[];
    after: number[];
    reported: number | undefined;
  }
  it.each<PhaseRow>([
    { label: 'no failure', given: [0, 1, 2, 3, 4, 5], after: [0, 1, 2, 3, 4, 5], reported: undefined },
    { label: 'the batch action fails records 4 and 2', batchFails: [4, 2], given: [0, 1, 2, 3, 4, 5], after: [0, 1], reported: 2 },
    { label: 'the per-change action before fails record 3', eachFails: [3], given: [0, 1, 2], after: [0, 1, 2], reported: 3 },
    { label: 'both fail, the batch action lower', eachFails: [4], batchFails: [1], given: [0, 1, 2, 3], after: [0], reported: 1 },
    { label: 'the batch action throws', batchThrows: true, given: [0, 1, 2, 3, 4, 5], after: [], reported: 0 },
    { label: 'a malformed record', malformedAt: 3, given: [0, 1, 2], after: [0, 1, 2], reported: 3 },
  ])('$label: the batch action gets the records still alive, the lowest failure bounds the rest', async (row) => {
    // Prepare
    const { event, sequence } = keyedBatch('ABACBD');
    if (row.malformedAt !== undefined) {
      const bad = event.Records[row.malformedAt]!.dynamodb!;
      bad.NewImage = { ...bad.NewImage, title: { Z: 'x' } as never };
    }
    const before = eachAction('before', row.eachFails);
    const batched = batchAction('batched', row.batchFails, { throws: row.batchThrows === true });
    const after = eachAction('after');
    const { logger, lines } = captureLogger('info');

    // Act
    const response = await processBatch(event, { actions: [before.action, batched.action, after.action], logger, concurrency: 4 });

    // Assess
    expect(response).toEqual({ batchItemFailures: row.reported === undefined ? [] : [{ itemIdentifier: sequence[row.reported] }] });
    expect(batched.calls).toEqual([row.given]);
    expect(batched.single).toEqual([]);
    expect([...after.seen].sort()).toEqual(row.after);
    const failed = lines().find((l) => l.message === 'action failed' && l.action === 'batched');
    const batchFailures = row.batchThrows ? row.given : (row.batchFails ?? []).filter((i) => row.given.includes(i));
    expect(failed?.index).toBe(batchFailures.length > 0 ? Math.min(...batchFailures) : undefined);
    if (failed) expect(failed.failedChanges).toBe(batchFailures.length);
  });

  it('hands a batch action only the changes it matches, in stream order', async () => {
    // Prepare
    const b = book(1);
    const event = streamEvent([
      insertRecord('books-local', ['isbn'], b),
      modifyRecord('books-local', ['isbn'], b, { ...b, title: 'New' }),
      insertRecord('books-local', ['isbn'], book(2)),
    ]);
    const batched = batchAction('inserts', [], { match: onEvents('INSERT') });
    const { logger } = captureLogger('warn');

    // Act
    const response = await processBatch(event, { actions: [batched.action], logger, concurrency: 16 });

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(batched.calls).toEqual([[0, 2]]);
  });

  it('runs handle change by change instead when batch actions are off', async () => {
    // Prepare
    const { event } = keyedBatch('ABCA');
    const batched = batchAction('batched');
    const { logger } = captureLogger('warn');

    // Act
    const response = await createStreamHandler({ actions: [batched.action], logger, batchActions: false })(event);

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(batched.calls).toEqual([]);
    expect(batched.single).toEqual([0, 1, 2, 3]);
  });

  it('starts no batch action past the deadline margin and reports the first record it had work for', async () => {
    // Prepare: the per-change phase uses up the time; the batch action only matches record 1 onwards.
    const { event, sequence } = keyedBatch('ABCD');
    let remaining = 10_000;
    const spend: Action = { name: 'spend', handle: (change) => void (change.index === 3 && (remaining = 1000)) };
    const batched = batchAction('batched', [], { match: (change) => change.index >= 1 });
    const { logger, lines } = captureLogger('info');

    // Act
    const response = await processBatch(event, {
      actions: [spend, batched.action],
      logger,
      remainingTimeMs: () => remaining,
      deadlineMarginMs: 3000,
    });

    // Assess
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: sequence[1] }] });
    expect(batched.calls).toEqual([]);
    expect(lines().find((l) => l.message === 'stopping before the timeout')).toMatchObject({ index: 1 });
  });
});
