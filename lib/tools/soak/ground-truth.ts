import { paginateScan, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { NumberValueImpl, unmarshall } from '@aws-sdk/util-dynamodb';

/*
 * The truth the statistics are checked against. It must never share the code's rounding, so its
 * arithmetic is its own, written apart from lib/runtime/aggregates/decimal.ts: a number is an integer coefficient
 * and a power of ten, read from the text DynamoDB returned (scans wrap numbers, so no double is involved).
 */

/** value = coefficient × 10^exponent, with no trailing zero in the coefficient (zero is 0 × 10^0). */
interface Exact {
  coefficient: bigint;
  exponent: number;
}

function normalised(coefficient: bigint, exponent: number): Exact {
  if (coefficient === 0n) return { coefficient, exponent: 0 };
  while (coefficient % 10n === 0n) {
    coefficient /= 10n;
    exponent += 1;
  }
  return { coefficient, exponent };
}

/** Reads number text character by character: sign, digits with one optional point, optional exponent. */
function exactOf(text: string): Exact {
  let i = 0;
  let negative = false;
  if (text[i] === '-' || text[i] === '+') negative = text[i++] === '-';
  let digits = '';
  let fractionDigits = 0;
  let inFraction = false;
  for (; i < text.length && text[i] !== 'e' && text[i] !== 'E'; i++) {
    const c = text[i]!;
    if (c === '.' && !inFraction) inFraction = true;
    else if (c >= '0' && c <= '9') {
      digits += c;
      if (inFraction) fractionDigits += 1;
    } else throw new RangeError(`ground truth: character ${i} of a number is not a digit`);
  }
  const exponent = i < text.length ? Number.parseInt(text.slice(i + 1), 10) : 0;
  if (digits === '' || !Number.isSafeInteger(exponent)) throw new RangeError('ground truth: not a number text');
  const magnitude = BigInt(digits);
  return normalised(negative ? -magnitude : magnitude, exponent - fractionDigits);
}

function sum(a: Exact, b: Exact): Exact {
  const exponent = Math.min(a.exponent, b.exponent);
  const scaled = (x: Exact) => x.coefficient * 10n ** BigInt(x.exponent - exponent);
  return normalised(scaled(a) + scaled(b), exponent);
}

/** Plain decimal text of an exact value (no exponent), for reports. */
function textOf({ coefficient, exponent }: Exact): string {
  const sign = coefficient < 0n ? '-' : '';
  const digits = (coefficient < 0n ? -coefficient : coefficient).toString();
  if (exponent >= 0) return sign + digits + '0'.repeat(coefficient === 0n ? 0 : exponent);
  const padded = digits.padStart(-exponent + 1, '0');
  return `${sign}${padded.slice(0, exponent)}.${padded.slice(exponent)}`;
}

/** The exact sum of two numbers given as text (any notation), as plain decimal text. */
export const exactSum = (a: string, b: string): string => textOf(sum(exactOf(a), exactOf(b)));

/** Whether two number texts (any notation: `1.50`, `1.5`, `15E-1`) stand for the same value. */
export function sameNumber(a: string, b: string): boolean {
  const x = exactOf(a);
  const y = exactOf(b);
  return x.coefficient === y.coefficient && x.exponent === y.exponent;
}

/** The text of a scanned number: exact for wrapped numbers and bigints; a JS number gives its shortest form. */
function numberText(value: unknown): string | undefined {
  if (value instanceof NumberValueImpl) return value.toString();
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  return undefined;
}

/**
 * Every item of a table (consistent reads: the check runs after the writes). Numbers come as util-dynamodb
 * NumberValue objects holding DynamoDB's own text, so nothing is rounded on the way.
 */
export async function scanAll(client: DynamoDBClient, tableName: string): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  for await (const page of paginateScan({ client }, { TableName: tableName, ConsistentRead: true })) {
    for (const item of page.Items ?? []) items.push(unmarshall(item, { wrapNumbers: true }));
  }
  return items;
}

/** A statistics row as number texts, by attribute name (key attribute left out). */
export type StatsRow = Record<string, string>;

/** Books per author, from the Books table's contents: the truth author-stats must equal. */
export function authorStatsTruth(books: Record<string, unknown>[]): Map<string, StatsRow> {
  const truth = new Map<string, StatsRow>();
  for (const book of books) {
    if (typeof book.author !== 'string' || book.author === '') continue;
    const row = truth.get(book.author) ?? { bookCount: '0' };
    row.bookCount = exactSum(row.bookCount!, '1');
    truth.set(book.author, row);
  }
  return truth;
}

/** Orders, total and per-status counts per customer, from the Orders table: the truth customer-stats must equal. */
export function customerStatsTruth(orders: Record<string, unknown>[]): Map<string, StatsRow> {
  const truth = new Map<string, StatsRow>();
  for (const order of orders) {
    const { customerId, orderStatus } = order;
    const total = numberText(order.total);
    if (typeof customerId !== 'string' || typeof orderStatus !== 'string' || orderStatus === '' || total === undefined) continue;
    const row = truth.get(customerId) ?? { orderCount: '0', orderTotal: '0' };
    row.orderCount = exactSum(row.orderCount!, '1');
    row.orderTotal = exactSum(row.orderTotal!, total);
    const status = `status#${orderStatus}`;
    row[status] = exactSum(row[status] ?? '0', '1');
    truth.set(customerId, row);
  }
  return truth;
}

/** Statistics rows as stored, keyed by `keyName`, numbers as their text. */
export function statsRows(items: Record<string, unknown>[], keyName: string): Map<string, StatsRow> {
  const rows = new Map<string, StatsRow>();
  for (const item of items) {
    const row: StatsRow = {};
    for (const [name, value] of Object.entries(item)) {
      const text = numberText(value);
      if (name !== keyName && text !== undefined) row[name] = text;
    }
    rows.set(String(item[keyName]), row);
  }
  return rows;
}

/**
 * Differences between stored statistics and the truth, one line each, compared by exact value. A missing
 * row or attribute and a zero are the same: counters can stay behind at zero after deletes.
 */
export function statsDifferences(stored: Map<string, StatsRow>, truth: Map<string, StatsRow>): string[] {
  const differences: string[] = [];
  for (const key of new Set([...stored.keys(), ...truth.keys()])) {
    const a = stored.get(key) ?? {};
    const b = truth.get(key) ?? {};
    for (const name of new Set([...Object.keys(a), ...Object.keys(b)])) {
      const got = a[name] ?? '0';
      const want = b[name] ?? '0';
      if (!sameNumber(got, want)) differences.push(`${key}.${name}: stored ${got}, truth ${want}`);
    }
  }
  return differences;
}
