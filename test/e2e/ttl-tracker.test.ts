import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createExpiryHeap } from '../../lib/local/stack/expiry-heap.js';
import { ttlDueSeconds } from '../../lib/local/stack/ttl-due-seconds.js';
import { createTtlTracker, type TrackableRecord } from '../../lib/local/stack/ttl-tracker.js';

const ARN = 'arn:aws:dynamodb:us-east-1:000000000000:table/carts/stream/2026-01-01T00:00:00.000';
const TABLES = [{ tableName: 'carts', ttlAttribute: 'expiresAt', keyAttributes: ['id'] }];

/** A record of the carts stream, in Lambda's JSON shape; `ttl` is the N text of expiresAt in the new image. */
function record(
  eventName: 'INSERT' | 'MODIFY' | 'REMOVE',
  id: string,
  sequenceNumber: string,
  ttl?: string,
  options: { image?: boolean; arn?: string } = {},
): TrackableRecord {
  const keys = { id: { S: id } };
  const image =
    eventName !== 'REMOVE' && options.image !== false ? { ...keys, ...(ttl !== undefined ? { expiresAt: { N: ttl } } : {}) } : undefined;
  return {
    eventName,
    eventSourceARN: options.arn ?? ARN,
    dynamodb: { Keys: keys, SequenceNumber: sequenceNumber, ...(image ? { NewImage: image } : {}) },
  };
}

describe('TTL value to due second (exact, on the number text)', () => {
  it.each([
    ['1800000000', 1800000000],
    ['1800000000.0', 1800000000],
    // A double rounds this to 1800000000; the TTL has not passed until the next whole second.
    ['1800000000.0000000000000000001', 1800000001],
    ['1.8E9', 1800000000],
    ['1.8e+9', 1800000000],
    ['18000000005E-1', 1800000001],
    ['0.5', 1],
    ['0', 0],
    ['-1.5', -1],
    ['-0.0001', 0],
    ['9.9999999999999999999999999999999999999E+125', undefined],
    ['9007199254740993', undefined],
    ['1E-130', 1],
    ['abc', undefined],
    ['', undefined],
    ['.', undefined],
    ['0x10', undefined],
  ])('%s -> %s', (text, expected) => {
    // Act / Assess
    expect(ttlDueSeconds(text)).toBe(expected);
  });
});

describe('expiry heap', () => {
  it('pops in due order whatever the order of pushes (ground truth: a sort)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -1e9, max: 1e9 }), { maxLength: 300 }), (dues) => {
        // Prepare
        const heap = createExpiryHeap<number>();
        for (const [index, due] of dues.entries()) heap.push(due, index);
        // Act
        const popped: number[] = [];
        for (let top = heap.pop(); top; top = heap.pop()) popped.push(top.due);
        // Assess
        expect(popped).toEqual([...dues].sort((a, b) => a - b));
      }),
    );
  });
});

describe('TTL tracker: what each stream record tells', () => {
  it.each([
    ['an INSERT with a TTL', [record('INSERT', 'a', '100', '50')], 60, ['a']],
    ['an INSERT whose TTL has not passed', [record('INSERT', 'a', '100', '70')], 60, []],
    ['an INSERT without TTL', [record('INSERT', 'a', '100')], 60, []],
    [
      'a TTL that is not a Number',
      [
        {
          ...record('INSERT', 'a', '100'),
          dynamodb: { Keys: { id: { S: 'a' } }, SequenceNumber: '100', NewImage: { id: { S: 'a' }, expiresAt: { S: '50' } } },
        },
      ],
      60,
      [],
    ],
    ['a MODIFY extending the TTL', [record('INSERT', 'a', '100', '50'), record('MODIFY', 'a', '101', '90')], 60, []],
    ['a MODIFY removing the TTL', [record('INSERT', 'a', '100', '50'), record('MODIFY', 'a', '101')], 60, []],
    ['a MODIFY shortening the TTL', [record('INSERT', 'a', '100', '90'), record('MODIFY', 'a', '101', '50')], 60, ['a']],
    ['a REMOVE', [record('INSERT', 'a', '100', '50'), record('REMOVE', 'a', '101')], 60, []],
    [
      'an older record read after a newer one (a second mapping lagging)',
      [record('MODIFY', 'a', '101', '90'), record('INSERT', 'a', '100', '50')],
      60,
      [],
    ],
    // Sequence numbers compare as numbers: "99" is older than "100" although it sorts after it as text.
    ['sequence numbers of different lengths', [record('INSERT', 'a', '100', '90'), record('MODIFY', 'a', '99', '50')], 60, []],
    ['a record of another table', [record('INSERT', 'a', '100', '50', { arn: ARN.replace('/carts/', '/other/') })], 60, []],
    ['two keys, one due', [record('INSERT', 'a', '100', '50'), record('INSERT', 'b', '101', '70')], 60, ['a']],
    ['a key named __proto__ and a TTL due later', [record('INSERT', '__proto__', '100', '1.5E1')], 15, ['__proto__']],
  ])('%s', (_case, records, now, expected) => {
    // Prepare
    const tracker = createTtlTracker({ tables: TABLES });
    // Act
    for (const r of records) tracker.observe(r);
    const due = tracker.takeDue(now);
    // Assess
    expect(due.map((item) => item.keys.id!.S)).toEqual(expected);
  });

  it('asks to read the item when the stream shows no new image (KEYS_ONLY), and a newer record wins over the answer', () => {
    // Prepare
    const tracker = createTtlTracker({ tables: TABLES });
    // Act
    const observed = tracker.observe(record('INSERT', 'a', '100', '50', { image: false }));
    const [lookup] = tracker.takeLookups(100);
    tracker.observe(record('MODIFY', 'a', '101', '90'));
    const resolved = tracker.resolve(lookup!, { id: { S: 'a' }, expiresAt: { N: '50' } });
    // Assess
    expect(observed.kind).toBe('lookup');
    expect(resolved).toEqual({ kind: 'ignored', reason: 'older than known' });
    expect(tracker.takeDue(60)).toEqual([]);
    expect(tracker.takeDue(90).map((item) => item.due)).toEqual([90]);
  });

  it('takes an item once; one whose delete could not be tried comes back, one settled does not', () => {
    // Prepare
    const tracker = createTtlTracker({ tables: TABLES });
    tracker.observe(record('INSERT', 'a', '100', '50'));
    tracker.observe(record('INSERT', 'b', '101', '50'));
    // Act
    const [a, b] = tracker.takeDue(60);
    tracker.retry(a!);
    tracker.settle(b!);
    // Assess
    expect(tracker.takeDue(60).map((item) => item.keys.id!.S)).toEqual(['a']);
    expect(tracker.size).toBe(1);
  });

  it('keeps start-up scan items unless a record told about the key, and stops tracking at its limit', () => {
    // Prepare
    const tracker = createTtlTracker({ tables: TABLES, maxTracked: 2 });
    tracker.observe(record('MODIFY', 'a', '101', '90'));
    // Act
    const seeded = [
      tracker.seed('carts', { id: { S: 'a' }, expiresAt: { N: '50' } }).kind,
      tracker.seed('carts', { id: { S: 'b' }, expiresAt: { N: '50' } }).kind,
      tracker.seed('carts', { id: { S: 'c' }, expiresAt: { N: '50' } }).kind,
    ];
    // Assess
    expect(seeded).toEqual(['ignored', 'tracked', 'full']);
    expect(tracker.takeDue(60).map((item) => item.keys.id!.S)).toEqual(['b']);
  });

  it('rebuilds its heap when TTL changes pile up stale entries (memory stays proportional to the items)', () => {
    // Prepare
    const tracker = createTtlTracker({ tables: TABLES });
    // Act
    for (let i = 1; i <= 5000; i++) tracker.observe(record('MODIFY', 'a', String(100 + i), String(1000 + i)));
    // Assess
    expect(tracker.size).toBe(1);
    expect(tracker.heapEntries).toBeLessThanOrEqual(2 * tracker.size + 1024 + 1);
    expect(tracker.takeDue(10_000).map((item) => item.due)).toEqual([6000]);
  });
});
