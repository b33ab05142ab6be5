import { describe, expect, it } from 'vitest';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { backfillChange, backfillRecord, type BackfillOrigin } from '../../lib/tools/backfill/backfill-change.js';
import { runBackfillBatch } from '../../lib/tools/backfill/run-backfill-batch.js';
import { parseBackfillArguments } from '../../lib/tools/backfill/cli-options.js';
import { createProgressReporter, formatDuration, progressText, type ProgressSnapshot } from '../../lib/tools/backfill/progress.js';
import { createRateLimiter } from '../../lib/tools/backfill/rate-limiter.js';
import type { Change } from '../../lib/runtime/change/types.js';
import type { Action } from '../../lib/runtime/dispatch/action.js';
import { processBatch } from '../../lib/runtime/dispatch/process-batch.js';
import { ConfigurationError, MalformedRecordError, UnidentifiableRecordError } from '../../lib/runtime/errors.js';
import { createLogger } from '../../lib/runtime/logging/logger.js';
import { BackfillActionError } from '../../lib/tools/errors.js';

describe('backfill command line', () => {
  it('has defaults for everything but the function', () => {
    // Act
    const options = parseBackfillArguments(['booksStream'], '/project');

    // Assess
    expect(options).toEqual({
      functionName: 'booksStream',
      stage: 'local',
      region: undefined,
      endpoint: undefined,
      segments: undefined,
      concurrency: undefined,
      pageSize: undefined,
      batchSize: undefined,
      rate: undefined,
      dryRun: false,
      restart: false,
      statePath: '/project/.local/backfill/booksStream-local.json',
      intervalMs: 5000,
      logLevel: 'warn',
    });
  });

  it('reads every option', () => {
    // Act
    const options = parseBackfillArguments(
      [
        'ordersStream',
        '--stage',
        'dev',
        '--region',
        'eu-west-1',
        '--endpoint',
        'http://x:1',
        '--segments',
        '8',
        '--concurrency',
        '2',
        '--page-size',
        '50',
        '--batch-size',
        '10',
        '--rate',
        '12.5',
        '--dry-run',
        '--restart',
        '--interval',
        '0.5',
        '--log-level',
        'debug',
      ],
      '/p',
    );

    // Assess
    expect(options).toMatchObject({
      functionName: 'ordersStream',
      stage: 'dev',
      region: 'eu-west-1',
      endpoint: 'http://x:1',
      segments: 8,
      concurrency: 2,
      pageSize: 50,
      batchSize: 10,
      rate: 12.5,
      dryRun: true,
      restart: true,
      intervalMs: 500,
      logLevel: 'debug',
      statePath: '/p/.local/backfill/ordersStream-dev.json',
    });
  });

  it('answers help with undefined', () => {
    expect(parseBackfillArguments(['--help'], '/p')).toBeUndefined();
  });

  it.each([
    [[], /Name exactly one function/],
    [['a', 'b'], /Name exactly one function/],
    [['f', '--segments', '0'], /--segments must be an integer from 1/],
    [['f', '--segments', '2.5'], /--segments must be an integer from 1/],
    [['f', '--page-size', 'ten'], /--page-size must be an integer from 1/],
    [['f', '--rate', 'fast'], /--rate must be a positive number/],
    [['f', '--rate', '0'], /--rate must be a positive number/],
    [['f', '--bogus'], /Unknown option '--bogus'/],
    [['f', '--stage', '../etc'], /--stage must be letters, digits and dashes/],
  ])('refuses %j with a ConfigurationError', (argv, message) => {
    // Act / Assess
    expect(() => parseBackfillArguments(argv, '/p')).toThrow(ConfigurationError);
    expect(() => parseBackfillArguments(argv, '/p')).toThrow(message);
  });
});

describe('rate limiter', () => {
  it('spaces batches so that items per second stay at the rate', async () => {
    // Prepare
    let clock = 0;
    const waits: number[] = [];
    const limiter = createRateLimiter(10, { now: () => clock, sleep: async (ms) => void (waits.push(ms), (clock += ms)) });

    // Act
    for (let i = 0; i < 4; i++) await limiter.take(5);

    // Assess: 5 items at 10/s reserve 500 ms each; the first goes at once
    expect(waits).toEqual([500, 500, 500]);
    expect(clock).toBe(1500);
  });

  it('does not wait when there is no limit', async () => {
    // Prepare
    const limiter = createRateLimiter(undefined, { sleep: async () => expect.unreachable() });

    // Act / Assess
    await limiter.take(1_000_000);
  });
});

describe('progress', () => {
  const snapshot: ProgressSnapshot = { done: 1234, total: 5000, rate: 350.4, etaSeconds: 10.7, segmentsDone: 1, totalSegments: 4 };

  it.each([
    [undefined, '?'],
    [59.6, '1:00'],
    [61, '1:01'],
    [3723, '1:02:03'],
  ])('formats %s seconds as %s', (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
  });

  it('says items done, items per second, ETA and segments', () => {
    expect(progressText(snapshot)).toBe('1,234/5,000 items (24%) 350 items/s ETA 0:11 segments 1/4');
    expect(progressText({ ...snapshot, total: undefined, etaSeconds: undefined })).toBe('1,234 items 350 items/s ETA ? segments 1/4');
  });

  it('draws a bar in place on a terminal', () => {
    // Prepare
    const written: string[] = [];
    const reporter = createProgressReporter({ stream: { isTTY: true, columns: 120, write: (t: string) => written.push(t) }, now: () => 0 });

    // Act
    reporter.update(snapshot);
    reporter.finish({ ...snapshot, done: 5000, segmentsDone: 4 }, 'completed');

    // Assess
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the progress bar redraws with an ANSI escape
    expect(written[0]).toMatch(/^\r\x1b\[K\[#+-+\] 1,234\/5,000 items \(24%\)/);
    expect(written[1]).toMatch(/\[#+\] 5,000\/5,000 items \(100%\).*\ncompleted\n$/);
  });

  it('writes plain lines at most once per interval when not on a terminal', () => {
    // Prepare
    const written: string[] = [];
    let clock = 0;
    const reporter = createProgressReporter({ stream: { write: (t: string) => written.push(t) }, intervalMs: 1000, now: () => clock });

    // Act
    for (clock = 0; clock <= 2500; clock += 100) reporter.update(snapshot);

    // Assess
    expect(written).toHaveLength(3);
    expect(written.every((line) => line.endsWith('\n') && !line.includes('\r'))).toBe(true);
  });
});

describe('backfill change', () => {
  const origin = {
    eventSourceARN: 'arn:aws:dynamodb:us-east-1:000000000000:table/books-x/stream/2026-01-01T00:00:00.000',
    keyAttributes: ['isbn'],
    streamViewType: 'NEW_AND_OLD_IMAGES' as const,
  };
  const item = {
    isbn: { S: '978-1' },
    copies: { N: '5' },
    cover: { B: new Uint8Array([0, 1, 2]) },
    tags: { SS: ['a', 'b'] },
    meta: { M: { thumb: { B: new Uint8Array([255]) }, sizes: { L: [{ N: '1' }, { BS: [new Uint8Array([7])] }] } } },
  };

  it('is the INSERT a stream would deliver, with binary values in wire form, sequence number 0 and isBackfill', () => {
    // Act
    const change = backfillChange(item, origin, 3, 1_767_225_600);

    // Assess (the images are getters, built on first read: compare them by name)
    expect({ ...change, newImage: change.newImage, oldImage: change.oldImage }).toEqual({
      eventName: 'INSERT',
      keys: { isbn: '978-1' },
      newImage: {
        isbn: '978-1',
        copies: 5,
        cover: 'AAEC',
        tags: new Set(['a', 'b']),
        meta: { thumb: '/w==', sizes: [1, new Set(['Bw=='])] },
      },
      oldImage: undefined,
      sequenceNumber: '0',
      approximateCreationDateTime: 1_767_225_600,
      sizeBytes: undefined,
      streamViewType: 'NEW_AND_OLD_IMAGES',
      tableName: 'books-x',
      eventSourceARN: origin.eventSourceARN,
      isTtlExpiry: false,
      isBackfill: true,
      index: 3,
    });
  });

  it('carries no image when the stream view type has no new image', () => {
    // Act
    const change = backfillChange(item, { ...origin, streamViewType: 'KEYS_ONLY' }, 0);

    // Assess
    expect(change.newImage).toBeUndefined();
    expect(change.keys).toEqual({ isbn: '978-1' });
  });
});

/** An item as the SDK's Scan returns it: plain values marshalled, plus attributes of any name set as own properties. */
function scannedItem(plain: Record<string, unknown>, named: Record<string, AttributeValue> = {}): Record<string, AttributeValue> {
  const item = marshall(plain) as Record<string, AttributeValue>;
  for (const [name, value] of Object.entries(named)) {
    Object.defineProperty(item, name, { value, enumerable: true, writable: true, configurable: true });
  }
  return item;
}

describe('backfill change: attribute names', () => {
  const origin: BackfillOrigin = {
    eventSourceARN: 'arn:aws:dynamodb:us-east-1:000000000000:table/books-x/stream/2026-01-01T00:00:00.000',
    keyAttributes: ['isbn'],
    streamViewType: 'NEW_IMAGE',
  };

  it.each(['__proto__', 'constructor', 'toString'])('keeps an attribute named %s in the record and in the change', (name) => {
    // Prepare: an own property, even of __proto__ (defined, not assigned)
    const item = scannedItem({ isbn: '978-9' }, { [name]: { S: 'kept' } });

    // Act
    const record = backfillRecord(item, origin, 1_767_225_600);
    const change = backfillChange(item, origin, 0);

    // Assess
    expect(Object.keys(record.dynamodb.NewImage!)).toEqual(['isbn', name]);
    expect(Object.getOwnPropertyDescriptor(record.dynamodb.NewImage!, name)?.value).toEqual({ S: 'kept' });
    expect(Object.getOwnPropertyDescriptor(change.newImage!, name)?.value).toBe('kept');
  });
});

describe('backfill batch: run through the stream dispatcher (processBatch)', () => {
  const logger = createLogger({ level: 'silent' });
  const origin: BackfillOrigin = {
    eventSourceARN: 'arn:aws:dynamodb:us-east-1:000000000000:table/books-x/stream/2026-01-01T00:00:00.000',
    keyAttributes: ['isbn'],
    streamViewType: 'NEW_AND_OLD_IMAGES',
  };
  const records = (...isbns: string[]) =>
    isbns.map((isbn) => backfillRecord(scannedItem({ isbn, title: `T ${isbn}` }), origin, 1_767_225_600));
  const recorder = (name: string, seen: string[], failOn?: string): Action => ({
    name,
    handle: async (change) => {
      if (change.keys.isbn === failOn) throw new Error(`${name} cannot take ${failOn}`);
      seen.push(`${name}:${String(change.keys.isbn)}`);
    },
  });

  it('gives every action each change in order, as backfilled INSERTs with sequence number 0', async () => {
    // Prepare
    const changes: Change[] = [];
    const capture: Action = { name: 'capture', handle: (change) => void changes.push(change) };

    // Act
    await runBackfillBatch(records('a', 'b', 'c'), { actions: [capture], logger, functionName: 'booksStream' });

    // Assess
    expect(changes.map((c) => [c.keys.isbn, c.eventName, c.sequenceNumber, c.isBackfill, c.index])).toEqual([
      ['a', 'INSERT', '0', true, 0],
      ['b', 'INSERT', '0', true, 1],
      ['c', 'INSERT', '0', true, 2],
    ]);
    expect(changes[1]!.newImage).toEqual({ isbn: 'b', title: 'T b' });
  });

  it.each([
    ['a thrown error', false],
    ['a rejected promise', true],
  ])('stops at the first failing action (%s) with a BackfillActionError naming the action and the item', async (_case, async) => {
    // Prepare
    const seen: string[] = [];
    const failing: Action = {
      name: 'ledger',
      handle: (change) => {
        const fail = () => {
          if (change.keys.isbn === 'b') throw new Error('downstream unavailable');
          seen.push(`ledger:${String(change.keys.isbn)}`);
        };
        if (!async) return fail();
        return Promise.resolve().then(fail);
      },
    };

    // Act
    const options = { actions: [failing, recorder('log', seen)], logger, functionName: 'booksStream' };
    const error = await runBackfillBatch(records('a', 'b', 'c'), options).catch((e: unknown) => e);

    // Assess: nothing after the failed record ran, nor the later action of the failed record
    expect(error).toBeInstanceOf(BackfillActionError);
    expect((error as BackfillActionError).action).toBe('ledger');
    expect((error as Error).message).toMatch(
      /^Action "ledger" failed on record 0 \(backfill of M1:4:isbnS1:b\): downstream unavailable\. /,
    );
    expect((error as Error).message).toContain('npm run backfill -- booksStream again');
    expect(((error as Error).cause as Error).message).toBe('downstream unavailable');
    expect(seen).toEqual(['ledger:a', 'log:a']);
  });

  it('skips an action whose match refuses the change, as the dispatcher does', async () => {
    // Prepare
    const seen: string[] = [];
    const onlyB: Action = { ...recorder('onlyB', seen), match: (change) => change.keys.isbn === 'b' };

    // Act
    await runBackfillBatch(records('a', 'b'), { actions: [onlyB, recorder('all', seen)], logger, functionName: 'booksStream' });

    // Assess
    expect(seen).toEqual(['all:a', 'onlyB:b', 'all:b']);
  });

  it('fails with the MalformedRecordError of a record the dispatcher cannot narrow, after the records before it', async () => {
    // Prepare: a record without its key attribute (the source names the wrong key)
    const seen: string[] = [];
    const batch = [...records('a'), backfillRecord(scannedItem({ title: 'no key' }), origin, 1_767_225_600), ...records('c')];

    // Act
    const options = { actions: [recorder('log', seen)], logger, functionName: 'booksStream' };
    const error = await runBackfillBatch(batch, options).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(MalformedRecordError);
    expect(error).toMatchObject({ recordIndex: 1, field: 'dynamodb.Keys' });
    expect(seen).toEqual(['log:a']);
  });

  it('is what the backfill option of processBatch allows: without it, sequence number 0 fails the whole batch', async () => {
    // Prepare
    const event = { Records: records('a') };
    const noop: Action = { name: 'noop', handle: () => {} };

    // Act
    const stream = processBatch(event, { actions: [noop], logger });
    const backfill = await processBatch(event, { actions: [noop], logger, backfill: true });

    // Assess
    await expect(stream).rejects.toThrow(UnidentifiableRecordError);
    expect(backfill).toEqual({ batchItemFailures: [] });
  });
});
