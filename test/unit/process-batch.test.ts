import { describe, expect, it } from 'vitest';
import type { Change } from '../../lib/change/types.js';
import type { Action } from '../../lib/dispatch/action.js';
import { onEvents, onTtlExpiry } from '../../lib/dispatch/matchers.js';
import { processBatch } from '../../lib/dispatch/process-batch.js';
import { createStreamHandler } from '../../lib/dispatch/stream-handler.js';
import { MalformedEventError, UnidentifiableRecordError } from '../../lib/errors.js';
import { insertRecord, modifyRecord, removeRecord, streamEvent } from '../factories/stream-record.js';
import { captureLogger } from '../support/capture-logger.js';

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
    expect(failure).toMatchObject({ level: 'error', action: 'flaky', sequenceNumber: sequence[failing], index: failing, keys: { isbn: `isbn-${failing}` }, errorMessage: `boom on ${sequence[failing]}` });
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
      errorMessage: 'Record 1: dynamodb.NewImage.year has an unknown attribute type "Z"; expected one of S, N, B, BOOL, NULL, M, L, SS, NS, BS',
    });
  });

  it.each<[string, unknown, new (...args: never[]) => Error, string]>([
    ['null', null, MalformedEventError, 'The event is null'],
    ['a string', 'x', MalformedEventError, 'The event is string'],
    ['an object without Records', { records: [] }, MalformedEventError, 'The event has no Records array'],
    ['a record without a sequence number', { Records: [batch(1).Records[0], { eventName: 'INSERT', dynamodb: {} }] }, UnidentifiableRecordError, 'Record 1: dynamodb.SequenceNumber is missing'],
    ['a record without dynamodb', { Records: [{ eventName: 'INSERT' }] }, UnidentifiableRecordError, 'Record 0: dynamodb.SequenceNumber is missing'],
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
    const collected = new FinalizationRegistry<string>(() => void (gone = true));
    let gone = false;
    collected.register(event, 'event');

    // Act
    await handler(event);
    event = undefined;
    const gc = (globalThis as { gc?: () => void }).gc;
    expect(gc, 'the test run passes --expose-gc to workers').toBeTypeOf('function');
    for (let i = 0; i < 20 && !gone; i++) {
      gc!();
      await new Promise((r) => setTimeout(r, 10));
    }

    // Assess
    expect(gone).toBe(true);
  });
});
