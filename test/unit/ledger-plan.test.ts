import { describe, expect, it } from 'vitest';
import { decideItem, planLedger, type Evaluation, type ItemChanges, type LedgerEntry } from '../../lib/runtime/aggregates/ledger-plan.js';
import { BACKFILL_SEQUENCE_NUMBER, sortableSequenceNumber } from '../../lib/runtime/change/sequence-number.js';
import { toChange } from '../../lib/runtime/change/to-change.js';
import type { Change } from '../../lib/runtime/change/types.js';
import { insertRecord, modifyRecord, removeRecord } from '../factories/stream-record.js';

const T = 'books-local';
const book = (isbn: string, author: string) => ({ isbn, author });
const seq = (n: number) => String(100000000000000000000n + BigInt(n));
const at = (change: Change) => change.index;

/** Changes of one item with sequence numbers 1, 2, 3 … and the given batch indexes. */
function itemChanges(isbn: string, steps: ['INSERT' | 'MODIFY' | 'REMOVE', string][], indexes: number[], pk = isbn): ItemChanges {
  let previous = book(isbn, '');
  const changes = steps.map(([eventName, author], n) => {
    const next = book(isbn, author);
    const extra = { sequenceNumber: seq(indexes[n]! + 1) };
    const record =
      eventName === 'INSERT'
        ? insertRecord(T, ['isbn'], next, extra)
        : eventName === 'MODIFY'
          ? modifyRecord(T, ['isbn'], previous, next, extra)
          : removeRecord(T, ['isbn'], previous, extra);
    previous = next;
    return toChange(record, indexes[n]!);
  });
  return { pk, changes };
}

/** Evaluates to the new image's author; an author of "bad" throws, as a contributionOf that rejects the item. */
const evaluate = (change: Change, entry: LedgerEntry | undefined): Evaluation => {
  const author = change.eventName === 'REMOVE' ? null : (change.newImage!.author as string);
  if (author === 'bad') throw new TypeError(`bad author in ${change.index}`);
  const after = author === null ? null : { author };
  if (entry && JSON.stringify(entry.contribution) === JSON.stringify(after)) return { kind: 'unchanged' };
  return { kind: 'write', after, deltas: [] };
};

const entry = (index: number, author: string | null): LedgerEntry => ({
  seq: sortableSequenceNumber(seq(index + 1)),
  contribution: author === null ? null : { author },
});

describe('decideItem', () => {
  it.each<[string, ItemChanges, LedgerEntry | undefined, number, string, number | undefined, number[]]>([
    [
      'a new item: its last change, all its changes applied together',
      itemChanges(
        'a',
        [
          ['INSERT', 'A'],
          ['MODIFY', 'B'],
        ],
        [0, 3],
      ),
      undefined,
      Infinity,
      'write',
      3,
      [0, 3],
    ],
    [
      'a bound leaves out the later change',
      itemChanges(
        'a',
        [
          ['INSERT', 'A'],
          ['MODIFY', 'B'],
        ],
        [0, 3],
      ),
      undefined,
      3,
      'write',
      0,
      [0],
    ],
    ['no change below the bound', itemChanges('a', [['INSERT', 'A']], [5]), undefined, 2, 'none', undefined, []],
    [
      'every change already in the ledger',
      itemChanges(
        'a',
        [
          ['INSERT', 'A'],
          ['MODIFY', 'bad'],
        ],
        [0, 1],
      ),
      entry(1, 'A'),
      Infinity,
      'applied',
      1,
      [],
    ],
    [
      'changes up to the entry are skipped, the rest netted',
      itemChanges(
        'a',
        [
          ['INSERT', 'A'],
          ['MODIFY', 'B'],
          ['MODIFY', 'C'],
        ],
        [0, 1, 2],
      ),
      entry(0, 'A'),
      Infinity,
      'write',
      2,
      [1, 2],
    ],
    [
      'back to what is counted: nothing to move',
      itemChanges(
        'a',
        [
          ['MODIFY', 'B'],
          ['MODIFY', 'A'],
        ],
        [1, 2],
      ),
      entry(0, 'A'),
      Infinity,
      'unchanged',
      2,
      [],
    ],
    [
      'an INSERT then REMOVE of a new item writes a tombstone',
      itemChanges(
        'a',
        [
          ['INSERT', 'A'],
          ['REMOVE', ''],
        ],
        [0, 1],
      ),
      undefined,
      Infinity,
      'write',
      1,
      [0, 1],
    ],
    [
      'a bad last image fails that change only',
      itemChanges(
        'a',
        [
          ['INSERT', 'A'],
          ['MODIFY', 'bad'],
        ],
        [0, 4],
      ),
      undefined,
      Infinity,
      'failed',
      4,
      [],
    ],
  ])('%s', (_label, item, current, bound, kind, index, applies) => {
    // Act
    const decision = decideItem(item, current, bound, evaluate);

    // Assess
    expect(decision.kind).toBe(kind);
    const about =
      decision.kind === 'write'
        ? decision.write.last
        : decision.kind === 'failed'
          ? decision.change
          : decision.kind === 'none'
            ? undefined
            : decision.last;
    expect(about?.index).toBe(index);
    expect(decision.kind === 'write' ? decision.write.changes.map(at) : []).toEqual(applies);
  });

  it('skips a backfilled change of an item the ledger already counts, and writes it for a new item', () => {
    // Prepare
    const record = insertRecord(T, ['isbn'], book('b', 'A'), { sequenceNumber: BACKFILL_SEQUENCE_NUMBER });
    const item = { pk: 'b', changes: [toChange(record, 0, undefined, { backfill: true })] };

    // Act
    const counted = decideItem(
      item,
      { seq: sortableSequenceNumber(BACKFILL_SEQUENCE_NUMBER), contribution: { author: 'A' } },
      Infinity,
      evaluate,
    );
    const fresh = decideItem(item, undefined, Infinity, evaluate);

    // Assess
    expect([counted.kind, fresh.kind]).toEqual(['applied', 'write']);
  });
});

describe('planLedger', () => {
  it('lowers the bound at a bad change and applies what comes before it in every item, as the per-change path would', () => {
    // Prepare: item x's last change (index 5) is bad; item y has changes at 2 and 7; item z only at 6.
    const x = itemChanges(
      'x',
      [
        ['INSERT', 'A'],
        ['MODIFY', 'bad'],
      ],
      [0, 5],
    );
    const y = itemChanges(
      'y',
      [
        ['INSERT', 'A'],
        ['MODIFY', 'B'],
      ],
      [2, 7],
    );
    const z = itemChanges('z', [['INSERT', 'C']], [6]);

    // Act
    const plan = planLedger([x, y, z], new Map(), evaluate);

    // Assess
    expect(plan.bound).toBe(5);
    expect(plan.failures.map((f) => at(f.change))).toEqual([5]);
    expect(plan.writes.map((w) => [w.pk, w.last.index, w.after])).toEqual([
      ['x', 0, { author: 'A' }],
      ['y', 2, { author: 'A' }],
    ]);
  });

  it('keeps lowering while a re-decided change fails too, and starts from a given bound', () => {
    // Prepare: y's last change (6) is bad, then x's change 4 below it is bad as well; the bound starts at 9.
    const x = itemChanges(
      'x',
      [
        ['INSERT', 'A'],
        ['MODIFY', 'bad'],
        ['MODIFY', 'B'],
      ],
      [1, 4, 8],
    );
    const y = itemChanges(
      'y',
      [
        ['INSERT', 'C'],
        ['MODIFY', 'bad'],
      ],
      [3, 6],
    );
    const late = itemChanges('late', [['INSERT', 'D']], [9]);

    // Act
    const plan = planLedger([y, x, late], new Map(), evaluate, 9);

    // Assess
    expect(plan.bound).toBe(4);
    expect(plan.failures.map((f) => at(f.change)).sort()).toEqual([4, 6]);
    expect(plan.writes.map((w) => [w.pk, w.last.index])).toEqual([
      ['y', 3],
      ['x', 1],
    ]);
  });
});
