import { paginateScan, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { decimalText, subtractDecimal } from '../aggregates/decimal.js';

/** Every item of a table, unmarshalled (consistent reads: the check runs after the writes). */
export async function scanAll(client: DynamoDBClient, tableName: string): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  for await (const page of paginateScan({ client }, { TableName: tableName, ConsistentRead: true })) {
    for (const item of page.Items ?? []) items.push(unmarshall(item));
  }
  return items;
}

const addDecimal = (a: string, b: string): string => subtractDecimal(a, subtractDecimal('0', b));

/** A statistics row as numbers in exact decimal text, by attribute name (key attribute left out). */
export type StatsRow = Record<string, string>;

/** Books per author, from the Books table's contents: the truth author-stats must equal. */
export function authorStatsTruth(books: Record<string, unknown>[]): Map<string, StatsRow> {
  const truth = new Map<string, StatsRow>();
  for (const book of books) {
    if (typeof book.author !== 'string' || book.author === '') continue;
    const row = truth.get(book.author) ?? { bookCount: '0' };
    row.bookCount = addDecimal(row.bookCount!, '1');
    truth.set(book.author, row);
  }
  return truth;
}

/** Orders, total and per-status counts per customer, from the Orders table: the truth customer-stats must equal. */
export function customerStatsTruth(orders: Record<string, unknown>[]): Map<string, StatsRow> {
  const truth = new Map<string, StatsRow>();
  for (const order of orders) {
    const { customerId, orderStatus, total } = order;
    if (typeof customerId !== 'string' || typeof orderStatus !== 'string' || orderStatus === '') continue;
    if (typeof total !== 'number' && typeof total !== 'bigint') continue;
    const row = truth.get(customerId) ?? { orderCount: '0', orderTotal: '0' };
    row.orderCount = addDecimal(row.orderCount!, '1');
    row.orderTotal = addDecimal(row.orderTotal!, decimalText(total));
    const status = `status#${orderStatus}`;
    row[status] = addDecimal(row[status] ?? '0', '1');
    truth.set(customerId, row);
  }
  return truth;
}

/** Statistics rows as stored, keyed by `keyName`, numbers as exact decimal text. */
export function statsRows(items: Record<string, unknown>[], keyName: string): Map<string, StatsRow> {
  const rows = new Map<string, StatsRow>();
  for (const item of items) {
    const row: StatsRow = {};
    for (const [name, value] of Object.entries(item)) {
      if (name === keyName) continue;
      if (typeof value === 'number' || typeof value === 'bigint') row[name] = decimalText(value);
    }
    rows.set(String(item[keyName]), row);
  }
  return rows;
}

/**
 * Differences between stored statistics and the truth, one line each. A missing row or attribute and
 * a zero are the same: counters can stay behind at zero after deletes.
 */
export function statsDifferences(stored: Map<string, StatsRow>, truth: Map<string, StatsRow>): string[] {
  const differences: string[] = [];
  for (const key of new Set([...stored.keys(), ...truth.keys()])) {
    const a = stored.get(key) ?? {};
    const b = truth.get(key) ?? {};
    for (const name of new Set([...Object.keys(a), ...Object.keys(b)])) {
      const got = a[name] ?? '0';
      const want = b[name] ?? '0';
      if (subtractDecimal(got, want) !== '0') differences.push(`${key}.${name}: stored ${got}, truth ${want}`);
    }
  }
  return differences;
}
