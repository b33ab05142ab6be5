import { describe, expect, it } from 'vitest';
import { authorStatsTruth, customerStatsTruth, statsDifferences, statsRows } from '../../lib/soak/ground-truth.js';

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

  it('counts books per author, ignoring books without an author string', () => {
    const truth = authorStatsTruth([{ isbn: '1', author: 'A' }, { isbn: '2', author: 'A' }, { isbn: '3' }, { isbn: '4', author: 'B' }]);
    expect(Object.fromEntries(truth)).toEqual({ A: { bookCount: '2' }, B: { bookCount: '1' } });
  });

  it.each([
    ['equal', [{ author: 'A', bookCount: 2 }], { A: { bookCount: '2' } }, []],
    ['a zero row left after deletes equals no row', [{ author: 'A', bookCount: 2 }, { author: 'Z', bookCount: 0 }], { A: { bookCount: '2' } }, []],
    ['a count one too high', [{ author: 'A', bookCount: 3 }], { A: { bookCount: '2' } }, ['A.bookCount: stored 3, truth 2']],
    ['a missing row', [], { A: { bookCount: '1' } }, ['A.bookCount: stored 0, truth 1']],
    ['an extra row', [{ author: 'X', bookCount: 1 }], {}, ['X.bookCount: stored 1, truth 0']],
  ])('statsDifferences: %s', (_label, stored, truth, expected) => {
    expect(statsDifferences(statsRows(stored, 'author'), new Map(Object.entries(truth)))).toEqual(expected);
  });

  it('sees a difference in the last decimal place of a total', () => {
    const stored = statsRows([{ customerId: 'c1', orderCount: 1, orderTotal: 14.889999999999999 }], 'customerId');
    const truth = new Map([['c1', { orderCount: '1', orderTotal: '14.89' }]]);
    expect(statsDifferences(stored, truth)).toEqual(['c1.orderTotal: stored 14.889999999999999, truth 14.89']);
  });
});
