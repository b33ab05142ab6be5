import { describe, expect, it } from 'vitest';
import type { LedgerWrite } from '../../lib/runtime/aggregates/ledger-plan.js';
import { packTransactions } from '../../lib/runtime/aggregates/pack-transactions.js';
import { sumDeltas, type StatsDelta } from '../../lib/runtime/aggregates/stats-delta.js';
import type { Change } from '../../lib/runtime/change/types.js';

const delta = (row: string, value: string, attribute = 'count'): StatsDelta => ({
  table: 'stats',
  key: { id: { S: row } },
  add: [[attribute, value]],
});
const write = (pk: string, ...deltas: StatsDelta[]): LedgerWrite => ({
  pk,
  seq: '1',
  readSeq: undefined,
  after: null,
  deltas,
  last: { index: 0 } as Change,
  changes: [],
});
const limits = (maxActions: number, maxBytes = 1e9) => ({ maxActions, maxBytes });
const shape = (transactions: ReturnType<typeof packTransactions>) =>
  transactions.map((t) => ({ writes: t.writes.map((w) => w.pk), rows: t.rows.map((r) => [r.key.id!.S, ...r.add.flat()]) }));

describe('packTransactions', () => {
  it.each<[string, LedgerWrite[], number, { writes: string[]; rows: string[][] }[]]>([
    [
      'one row shared by every write: one Update with the sum',
      [write('a', delta('r', '1')), write('b', delta('r', '1')), write('c', delta('r', '1'))],
      100,
      [{ writes: ['a', 'b', 'c'], rows: [['r', 'count', '3']] }],
    ],
    [
      'more writes than fit: split, each transaction exact on its own',
      [write('a', delta('r', '1')), write('b', delta('r', '1')), write('c', delta('r', '1'))],
      3,
      [
        { writes: ['a', 'b'], rows: [['r', 'count', '2']] },
        { writes: ['c'], rows: [['r', 'count', '1']] },
      ],
    ],
    [
      'writes of one row go together',
      [write('a', delta('r1', '1')), write('b', delta('r2', '1')), write('c', delta('r1', '1'))],
      3,
      [
        { writes: ['a', 'c'], rows: [['r1', 'count', '2']] },
        { writes: ['b'], rows: [['r2', 'count', '1']] },
      ],
    ],
    [
      'moves that cancel out leave no Update; tombstones only Puts',
      [write('a', delta('r1', '-1'), delta('r2', '1')), write('b', delta('r2', '-1'), delta('r1', '1')), write('c')],
      100,
      [{ writes: ['c', 'a', 'b'], rows: [] }],
    ],
    [
      'a sum beyond 38 significant digits: still one transaction (the ledger action reads the row and sets its exact value)',
      [write('a', delta('r', '10000000000000000000000000000000000000')), write('b', delta('r', '0.1'))],
      100,
      [{ writes: ['a', 'b'], rows: [['r', 'count', '10000000000000000000000000000000000000.1']] }],
    ],
  ])('%s', (_label, writes, maxActions, expected) => {
    // Act
    const transactions = packTransactions(writes, limits(maxActions), () => 1);

    // Assess
    expect(shape(transactions)).toEqual(expected);
    for (const t of transactions) expect(t.writes.length + t.rows.length).toBeLessThanOrEqual(Math.max(maxActions, 1 + t.rows.length));
  });

  it('splits at the byte limit too', () => {
    // Act
    const transactions = packTransactions([write('a', delta('r', '1')), write('b', delta('r', '1'))], limits(100, 150), () => 100);

    // Assess
    expect(shape(transactions).map((t) => t.writes)).toEqual([['a'], ['b']]);
  });

  it('packs 100 books of one author into two transactions of at most 100 actions that add up to 100', () => {
    // Prepare
    const writes = Array.from({ length: 100 }, (_, n) => write(`b${n}`, delta('author', '1')));

    // Act
    const transactions = packTransactions(writes, limits(100), () => 1);

    // Assess
    expect(transactions.map((t) => t.writes.length + t.rows.length)).toEqual([100, 2]);
    expect(sumDeltas(transactions.flatMap((t) => t.rows))).toEqual([delta('author', '100')]);
  });
});

describe('sumDeltas', () => {
  it.each<[string, StatsDelta[], StatsDelta[]]>([
    [
      'exact decimals',
      [delta('r', '19.99', 'total'), delta('r', '-5.1', 'total'), delta('r', '0.01', 'total')],
      [delta('r', '14.9', 'total')],
    ],
    [
      '38-digit values',
      [delta('r', '12345678901234567890123456789012345678'), delta('r', '-12345678901234567890123456789012345677')],
      [delta('r', '1')],
    ],
    [
      'attribute names that are object keys',
      [delta('r', '1', '__proto__'), delta('r', '2', '__proto__'), delta('r', '1', 'constructor')],
      [
        {
          table: 'stats',
          key: { id: { S: 'r' } },
          add: [
            ['__proto__', '3'],
            ['constructor', '1'],
          ],
        },
      ],
    ],
    [
      'rows told apart by key type',
      [delta('1', '1'), { table: 'stats', key: { id: { N: '1' } }, add: [['count', '1']] }],
      [delta('1', '1'), { table: 'stats', key: { id: { N: '1' } }, add: [['count', '1']] }],
    ],
  ])('sums %s per row and attribute', (_label, deltas, expected) => {
    expect(sumDeltas(deltas)).toEqual(expected);
  });
});
