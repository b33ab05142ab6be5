import { NumberValueImpl } from '@aws-sdk/util-dynamodb';
import { describe, expect, it } from 'vitest';
import {
  authorStatsTruth,
  customerStatsTruth,
  exactSum,
  sameNumber,
  statsDifferences,
  statsRows,
} from '../../lib/tools/soak/ground-truth.js';

const n = (text: string) => NumberValueImpl.from(text);
const TINY_PLAIN = `0.${'0'.repeat(129)}1`;

// The soak and poison checks are only as good as the comparison: it must see every real difference
// and treat a counter left at zero like a missing one.
describe('ground truth of the statistics', () => {
  it('recomputes customer statistics exactly (decimal totals, per-status counts)', () => {
    const truth = customerStatsTruth([
      { customerId: 'c1', orderDate: 'd1', orderStatus: 'PAID', total: 19.99 },
      { customerId: 'c1', orderDate: 'd2', orderStatus: 'PAID', total: 5.01 },
      { customerId: 'c1', orderDate: 'd3', orderStatus: 'SHIPPED', total: 0.1 },
      { customerId: 'c2', orderDate: 'd1', orderStatus: 'PLACED', total: 12345678901234567890n },
    ]);
    expect(Object.fromEntries(truth)).toEqual({
      c1: { orderCount: '3', orderTotal: '25.1', 'status#PAID': '2', 'status#SHIPPED': '1' },
      c2: { orderCount: '1', orderTotal: '12345678901234567890', 'status#PLACED': '1' },
    });
  });

  it.each([
    [
      '38 significant digits',
      ['1234567890.1234567890123456789012345678', `0.${'0'.repeat(27)}1`],
      '1234567890.1234567890123456789012345679',
    ],
    ['a digit past double precision', ['1.0000000000000001', '1'], '2.0000000000000001'],
    ['20 fraction digits', ['0.12345678901234567891', '0.12345678901234567891'], '0.24691357802469135782'],
    ['a half inside the safe range', ['9007199254740990.5', '0.5'], '9007199254740991'],
    ['tiny magnitudes', ['1E-130', '2E-130'], `0.${'0'.repeat(129)}3`],
    ['huge magnitudes of both signs', ['9.9999999999999999999999999999999999999E+125', '-1E+125'], `8${'9'.repeat(37)}${'0'.repeat(88)}`],
    ['negative totals', ['-19.99', '5.1'], '-14.89'],
  ])('adds %s exactly from the scanned text (finding 2)', (_label, totals, expected) => {
    // Prepare: what scanAll gives: numbers wrapped with their text.
    const orders = totals.map((total, i) => ({ customerId: 'c', orderDate: `d${i}`, orderStatus: 'PAID', total: n(total) }));

    // Act
    const truth = customerStatsTruth(orders);

    // Assess
    expect(truth.get('c')!.orderTotal).toBe(expected);
  });

  it('counts books per author, ignoring books without an author string', () => {
    const truth = authorStatsTruth([{ isbn: '1', author: 'A' }, { isbn: '2', author: 'A' }, { isbn: '3' }, { isbn: '4', author: 'B' }]);
    expect(Object.fromEntries(truth)).toEqual({ A: { bookCount: '2' }, B: { bookCount: '1' } });
  });

  it.each([
    ['equal', [{ author: 'A', bookCount: 2 }], { A: { bookCount: '2' } }, []],
    [
      'a zero row left after deletes equals no row',
      [
        { author: 'A', bookCount: 2 },
        { author: 'Z', bookCount: 0 },
      ],
      { A: { bookCount: '2' } },
      [],
    ],
    ['a count one too high', [{ author: 'A', bookCount: 3 }], { A: { bookCount: '2' } }, ['A.bookCount: stored 3, truth 2']],
    ['a missing row', [], { A: { bookCount: '1' } }, ['A.bookCount: stored 0, truth 1']],
    ['an extra row', [{ author: 'X', bookCount: 1 }], {}, ['X.bookCount: stored 1, truth 0']],
    ['wrapped numbers, equal', [{ author: 'A', bookCount: n('2') }], { A: { bookCount: '2' } }, []],
  ])('statsDifferences: %s', (_label, stored, truth, expected) => {
    expect(statsDifferences(statsRows(stored, 'author'), new Map(Object.entries(truth)))).toEqual(expected);
  });

  it('sees a difference in the last decimal place of a total', () => {
    const stored = statsRows([{ customerId: 'c1', orderCount: 1, orderTotal: 14.889999999999999 }], 'customerId');
    const truth = new Map([['c1', { orderCount: '1', orderTotal: '14.89' }]]);
    expect(statsDifferences(stored, truth)).toEqual(['c1.orderTotal: stored 14.889999999999999, truth 14.89']);
  });

  it.each([
    ['the 38th digit', '1234567890.1234567890123456789012345678', '1234567890.1234567890123456789012345679'],
    ['a digit past double precision', '1', '1.0000000000000001'],
    ['1E-130 and zero', '1E-130', '0'],
    ['the last digit of the largest magnitude', '9.9999999999999999999999999999999999999E+125', `${'9'.repeat(37)}8${'0'.repeat(88)}`],
    ['the sign', '-0.5', '0.5'],
  ])('sees a difference in %s, which a double cannot (finding 2)', (_label, stored, truth) => {
    // Act
    const differences = statsDifferences(
      statsRows([{ customerId: 'c1', orderTotal: n(stored) }], 'customerId'),
      new Map([['c1', { orderTotal: truth }]]),
    );

    // Assess
    expect(differences).toHaveLength(1);
  });

  it.each([
    ['1.50', '1.5'],
    ['1E-130', TINY_PLAIN],
    ['2.5E+2', '250'],
    ['-0', '0'],
    ['0E+10', '0.000'],
  ])('treats %s and %s as the same number', (a, b) => {
    expect(sameNumber(a, b)).toBe(true);
    expect(exactSum(a, '0')).toBe(exactSum(b, '0'));
  });
});
