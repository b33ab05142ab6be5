import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Action } from '../../lib/runtime/dispatch/action.js';
import { createStreamHandler } from '../../lib/runtime/dispatch/stream-handler.js';
import { MalformedEventError, UnidentifiableRecordError } from '../../lib/runtime/errors.js';
import { createLogger, type LogLevel } from '../../lib/runtime/logging/logger.js';
import { logAction } from '../../lib/runtime/actions/log.js';
import { attributeName, image, type Av } from './arbitraries.js';

/*
 * 2,000 batches took 4.5 s at a load average of 4 on the 2-core machine, but 36 s at a load average of 20:
 * too close to the 60 s test timeout when CI is loaded. 700 batches (about 3,000 records) took 12 s at a
 * load average of 20, five times under the timeout.
 */
const NUM_RUNS = 700;
const ARN = 'arn:aws:dynamodb:us-east-1:123456789012:table/books-fuzz/stream/2026-01-01T00:00:00.000';

/** What the dispatcher must do with one generated record. */
type Expectation =
  | { kind: 'ok' }
  | { kind: 'action-fails' }
  /** A clear MalformedRecordError whose message starts with `Record <i>: <field>`. */
  | { kind: 'bad'; field: string }
  /** No usable sequence number: the whole invocation must fail with UnidentifiableRecordError. */
  | { kind: 'unidentifiable' };

interface Mutation {
  apply(record: Record<string, unknown>): unknown;
  expect: Expectation;
}

const dynamodbOf = (record: Record<string, unknown>) => record.dynamodb as Record<string, unknown>;

/** A wrongly shaped attribute value, and the suffix the error path gets inside it. */
const brokenValue = fc.constantFrom<[unknown, string]>(
  [{ X: 'a' }, ''],
  [{ S: 5 }, ''],
  [{ N: 'abc' }, ''],
  [{ N: 5 }, ''],
  [{ M: [] }, ''],
  [{ M: 'x' }, ''],
  [{ L: {} }, ''],
  [{ SS: 'a' }, ''],
  [{ SS: ['a', 1] }, '.SS[1]'],
  [{ NS: ['1', 'x'] }, '.NS[1]'],
  [{ BS: [7] }, '.BS[0]'],
  [{ BOOL: 'true' }, ''],
  // DynamoDB's number grammar and limits (finding 3): util-dynamodb would read each of these as some number.
  [{ N: '0x10' }, ''],
  [{ N: ' 1' }, ''],
  [{ N: '0b101' }, ''],
  [{ N: 'Infinity' }, ''],
  [{ N: '1e400' }, ''],
  [{ N: '1234567890.12345678901234567890123456789' }, ''],
  [{ NS: ['1', '0x10'] }, '.NS[1]'],
  // Values DynamoDB never sends, which util-dynamodb would change silently (finding 8).
  [{ S: 'a', N: '1' }, ''],
  [{ NULL: false }, ''],
  [{ SS: [] }, ''],
  [{ SS: ['a', 'a'] }, '.SS[1]'],
  [{ NS: ['1', '1.0'] }, '.NS[1]'],
  [{ BS: ['AA==', 'AA=='] }, '.BS[1]'],
  [{ B: 'not base64!' }, ''],
  [{}, ''],
  ['text', ''],
  [null, ''],
  [[{ S: 'a' }], ''],
);

/** A broken value buried under a random chain of maps and lists; returns the value and its relative path. */
const buriedBrokenValue = fc
  .tuple(
    brokenValue,
    fc.array(
      fc.oneof(
        attributeName.map((n) => ({ map: n })),
        fc.nat({ max: 3 }).map((i) => ({ list: i })),
      ),
      { maxLength: 4 },
    ),
  )
  .map(([[broken, suffix], chain]) => {
    let value: unknown = broken;
    let path = suffix;
    for (let c = chain.length - 1; c >= 0; c--) {
      const step = chain[c]!;
      if ('map' in step) {
        value = { M: { [step.map]: value } };
        path = `.${step.map}${path}`;
      } else {
        const list: unknown[] = Array.from({ length: step.list }, () => ({ S: 'fine' }));
        list.push(value);
        value = { L: list };
        path = `[${step.list}]${path}`;
      }
    }
    return { value, path };
  });

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc
    .constantFrom<unknown>(undefined, 'UPDATE', 'insert', 1, null)
    .map((v): Mutation => ({ apply: (r) => ({ ...r, eventName: v }), expect: { kind: 'bad', field: 'eventName' } })),
  fc
    .constantFrom<unknown>(undefined, 'dynamodb', 7, null)
    .map((v): Mutation => ({ apply: (r) => ({ ...r, dynamodb: v }), expect: { kind: 'unidentifiable' } })),
  fc.constantFrom<unknown>(undefined, '', 123, null, {}).map(
    (v): Mutation => ({
      apply: (r) => ({ ...r, dynamodb: { ...dynamodbOf(r), SequenceNumber: v } }),
      expect: { kind: 'unidentifiable' },
    }),
  ),
  fc.constantFrom<unknown>(null, 42, 'record', [1, 2]).map((v): Mutation => ({ apply: () => v, expect: { kind: 'unidentifiable' } })),
  fc.constantFrom<unknown>(undefined, 42, 'arn:aws:dynamodb:us-east-1:123456789012:table/books', 'not-an-arn').map(
    (v): Mutation => ({
      apply: (r) => ({ ...r, eventSourceARN: v }),
      expect: { kind: 'bad', field: 'eventSourceARN' },
    }),
  ),
  fc.constantFrom<unknown>('ALL', 3, null).map(
    (v): Mutation => ({
      apply: (r) => ({ ...r, dynamodb: { ...dynamodbOf(r), StreamViewType: v } }),
      expect: { kind: 'bad', field: 'dynamodb.StreamViewType' },
    }),
  ),
  fc.constantFrom<unknown>('2026-01-01', null, Number.NaN).map(
    (v): Mutation => ({
      apply: (r) => ({ ...r, dynamodb: { ...dynamodbOf(r), ApproximateCreationDateTime: v } }),
      expect: { kind: 'bad', field: 'dynamodb.ApproximateCreationDateTime' },
    }),
  ),
  fc.constantFrom<unknown>('12', null).map(
    (v): Mutation => ({
      apply: (r) => ({ ...r, dynamodb: { ...dynamodbOf(r), SizeBytes: v } }),
      expect: { kind: 'bad', field: 'dynamodb.SizeBytes' },
    }),
  ),
  fc.constantFrom<unknown>(undefined, 'isbn', [], null, {}, { isbn: { S: 'a', N: '1' } }).map(
    (v): Mutation => ({
      apply: (r) => ({ ...r, dynamodb: { ...dynamodbOf(r), Keys: v } }),
      expect: { kind: 'bad', field: 'dynamodb.Keys' },
    }),
  ),
  fc.tuple(attributeName, buriedBrokenValue).map(
    ([name, { value, path }]): Mutation => ({
      apply: (r) => {
        const ddb = dynamodbOf(r);
        // Only the image the event name carries is read: NewImage for INSERT/MODIFY, OldImage for REMOVE.
        const field = r.eventName === 'REMOVE' ? 'OldImage' : 'NewImage';
        return { ...r, dynamodb: { ...ddb, [field]: { ...(ddb[field] as object), [name]: value } } };
      },
      expect: { kind: 'bad', field: `dynamodb.<image>.${name}${path}` },
    }),
  ),
  // Not malformed, only unusual: oversized (past DynamoDB's 400 KB item limit).
  fc.constant<Mutation>({
    apply: (r) => ({
      ...r,
      dynamodb: { ...dynamodbOf(r), NewImage: { ...(dynamodbOf(r).NewImage as object), big: { S: 'x'.repeat(400_001) } } },
    }),
    expect: { kind: 'ok' },
  }),
  fc.integer({ min: 33, max: 400 }).map(
    (depth): Mutation => ({
      apply: (r) => {
        let deep: Av = { S: 'bottom' };
        for (let d = 0; d < depth; d++) deep = d % 2 ? { M: { n: deep } } : { L: [deep] };
        const field = r.eventName === 'REMOVE' ? 'OldImage' : 'NewImage';
        return { ...r, dynamodb: { ...dynamodbOf(r), [field]: { ...(dynamodbOf(r)[field] as object), deep } } };
      },
      // Deeper than DynamoDB's 32 levels cannot come from DynamoDB: malformed, and named as such.
      expect: { kind: 'bad', field: 'dynamodb.<image>.deep' },
    }),
  ),
);

const eventName = fc.constantFrom('INSERT', 'MODIFY', 'REMOVE');

/** One record of the batch: valid, valid but failing in the action, or mutated. */
const recordSpec = fc.record({
  eventName,
  isbn: fc.string({ minLength: 1, maxLength: 10 }),
  newImage: image,
  oldImage: image,
  fate: fc.oneof(
    { weight: 5, arbitrary: fc.constant<'ok' | 'action-fails'>('ok') },
    { weight: 1, arbitrary: fc.constant<'ok' | 'action-fails'>('action-fails') },
    { weight: 3, arbitrary: mutation },
  ),
});

function validRecord(
  spec: { eventName: string; isbn: string; newImage: Record<string, Av>; oldImage: Record<string, Av> },
  sequenceNumber: string,
): Record<string, unknown> {
  const keys = { isbn: { S: spec.isbn } };
  return {
    eventID: `e${sequenceNumber}`,
    eventName: spec.eventName,
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: 'us-east-1',
    dynamodb: {
      ApproximateCreationDateTime: 1767225600,
      Keys: keys,
      ...(spec.eventName !== 'REMOVE' ? { NewImage: { ...spec.newImage, ...keys } } : {}),
      ...(spec.eventName !== 'INSERT' ? { OldImage: { ...spec.oldImage, ...keys } } : {}),
      SequenceNumber: sequenceNumber,
      SizeBytes: 100,
      StreamViewType: 'NEW_AND_OLD_IMAGES',
    },
    eventSourceARN: ARN,
  };
}

describe('the stream handler on random malformed input (property)', () => {
  it(`never crashes, names the record and field, and never acknowledges an unprocessed record (${NUM_RUNS} batches)`, async () => {
    let batches = 0;
    let records = 0;
    const outcomes = { ok: 0, partial: 0, unidentifiable: 0 };
    await fc.assert(
      fc.asyncProperty(
        fc.array(recordSpec, { minLength: 1, maxLength: 8 }),
        fc.constantFrom<LogLevel>('info', 'debug'),
        async (specs, level) => {
          // Prepare: a batch with increasing sequence numbers; remember what each record must cause.
          batches++;
          records += specs.length;
          const sequenceNumbers = specs.map((_, i) => (100000000000000000000n + BigInt(i + 1) * 100n).toString());
          const expectations: Expectation[] = [];
          const event = {
            Records: specs.map((spec, i) => {
              const record = validRecord(spec, sequenceNumbers[i]!);
              if (spec.fate === 'ok' || spec.fate === 'action-fails') {
                expectations.push({ kind: spec.fate });
                return record;
              }
              const expected = spec.fate.expect;
              expectations.push(
                expected.kind === 'bad'
                  ? { kind: 'bad', field: expected.field.replace('<image>', spec.eventName === 'REMOVE' ? 'OldImage' : 'NewImage') }
                  : expected,
              );
              return spec.fate.apply(record);
            }),
          };
          const seen: string[] = [];
          const failing = new Set(sequenceNumbers.filter((_, i) => expectations[i]!.kind === 'action-fails'));
          const recorder: Action = {
            name: 'recorder',
            handle(change) {
              seen.push(change.sequenceNumber);
              if (failing.has(change.sequenceNumber)) throw new Error('the action failed on purpose');
            },
          };
          const lines: string[] = [];
          const handler = createStreamHandler({
            actions: [logAction(), recorder],
            logger: createLogger({ level, write: (line) => lines.push(line) }),
          });

          // Act
          let response: unknown;
          let thrown: unknown;
          try {
            response = await handler(event as never, { awsRequestId: 'fuzz', getRemainingTimeInMillis: () => 60_000 });
          } catch (error) {
            thrown = error;
          }
          const logged = lines.map((line) => JSON.parse(line) as Record<string, unknown>);

          // Assess
          const unidentifiable = expectations.findIndex((e) => e.kind === 'unidentifiable');
          if (unidentifiable >= 0) {
            outcomes.unidentifiable++;
            expect(thrown).toBeInstanceOf(UnidentifiableRecordError);
            expect((thrown as Error).message).toMatch(new RegExp(`^Record ${unidentifiable}: dynamodb\\.SequenceNumber `));
            expect(seen).toEqual([]);
            expect(logged.some((l) => l.level === 'error' && l.errorName === 'UnidentifiableRecordError')).toBe(true);
            return;
          }
          expect(thrown).toBeUndefined();
          const stop = expectations.findIndex((e) => e.kind === 'bad' || e.kind === 'action-fails');
          if (stop < 0) {
            outcomes.ok++;
            expect(response).toEqual({ batchItemFailures: [] });
            expect(seen).toEqual(sequenceNumbers);
            return;
          }
          outcomes.partial++;
          // The first failure reported is the first record not fully processed; nothing after it reached an action.
          expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: sequenceNumbers[stop] }] });
          const expectation = expectations[stop]!;
          if (expectation.kind === 'bad') {
            expect(seen).toEqual(sequenceNumbers.slice(0, stop));
            const line = logged.find((l) => l.message === 'malformed record');
            expect(line, `log lines: ${lines.join('')}`).toBeDefined();
            expect(line!.level).toBe('error');
            expect(line!.sequenceNumber).toBe(sequenceNumbers[stop]);
            expect(line!.errorName).toBe('MalformedRecordError');
            expect(
              String(line!.errorMessage).startsWith(`Record ${stop}: ${expectation.field}`),
              `message: ${String(line!.errorMessage)}; expected field ${expectation.field}`,
            ).toBe(true);
          } else {
            expect(seen).toEqual(sequenceNumbers.slice(0, stop + 1));
            const line = logged.find((l) => l.message === 'action failed');
            expect(line?.sequenceNumber).toBe(sequenceNumbers[stop]);
            expect(line?.action).toBe('recorder');
          }
        },
      ),
      { numRuns: NUM_RUNS },
    );
    console.log(
      `[properties] malformed input: ${batches} batches, ${records} records; ` +
        `${outcomes.ok} fully processed, ${outcomes.partial} stopped at a failed record, ${outcomes.unidentifiable} rejected whole`,
    );
    expect(batches).toBe(NUM_RUNS);
    expect(outcomes.ok * outcomes.partial * outcomes.unidentifiable).toBeGreaterThan(0);
  });

  it.each([
    ['null', null],
    ['a number', 42],
    ['a string', 'Records'],
    ['an object without Records', {}],
    ['Records that is not an array', { Records: { 0: {} } }],
  ])('rejects an event that is %s with MalformedEventError and logs it', async (_label, event) => {
    // Prepare
    const lines: string[] = [];
    let called = 0;
    const handler = createStreamHandler({
      actions: [{ name: 'count', handle: () => void called++ }],
      logger: createLogger({ write: (line) => lines.push(line) }),
    });
    // Act / Assess
    await expect(handler(event as never)).rejects.toBeInstanceOf(MalformedEventError);
    expect(called).toBe(0);
    expect(lines.some((line) => line.includes('"errorName":"MalformedEventError"'))).toBe(true);
  });
});
