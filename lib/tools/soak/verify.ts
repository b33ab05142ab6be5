import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { itemKeyText } from '../../runtime/change/item-key.js';
import type { Item } from '../../runtime/change/types.js';
import type { DeadLetterStore } from '../../local/store/dead-letter-store.js';
import { authorStatsTruth, customerStatsTruth, scanAll, statsDifferences, statsRows } from './ground-truth.js';
import type { MadeWrite } from './writers.js';

/** The outcome of one check. */
export interface Check {
  name: string;
  ok: boolean;
  /** What was compared, and the first differences when it failed. */
  detail: string;
}

export interface Verification {
  checks: Check[];
  /** Change-log entries compared against the writes made. */
  changesChecked: number;
  /** Statistics rows compared against the ground truth. */
  statsRowsChecked: number;
}

const first = (lines: string[], n = 5) => lines.slice(0, n).join('; ') + (lines.length > n ? `; … ${lines.length - n} more` : '');

/**
 * Compares everything the actions wrote with what is true:
 * - source tables hold exactly what the writers know they wrote (a sanity check of the run itself);
 * - author-stats and customer-stats equal the statistics recomputed from the source tables' final contents;
 * - the change log holds each write's change exactly once: none missing, none twice, nothing else;
 * - the dead-letter store is empty.
 */
export async function verifySoak(options: {
  client: DynamoDBClient;
  stage: string;
  made: MadeWrite[];
  deadLetters: DeadLetterStore;
}): Promise<Verification> {
  const { client, stage, made } = options;
  const checks: Check[] = [];
  const books = await scanAll(client, `books-${stage}`);
  const orders = await scanAll(client, `orders-${stage}`);

  // Source tables: the last write per key decides whether it exists and with which v.
  const expectedState = new Map<string, string | undefined>();
  for (const write of made)
    expectedState.set(`${write.table}|${itemKeyText(write.key)}`, write.eventName === 'REMOVE' ? undefined : write.v);
  const actualState = new Map<string, string>();
  for (const book of books) actualState.set(`books|${itemKeyText({ isbn: book.isbn } as Item)}`, String(book.v));
  for (const order of orders)
    actualState.set(`orders|${itemKeyText({ customerId: order.customerId, orderDate: order.orderDate } as Item)}`, String(order.v));
  const stateDiffs: string[] = [];
  for (const [key, v] of expectedState)
    if (actualState.get(key) !== v) stateDiffs.push(`${key}: table ${actualState.get(key) ?? 'absent'}, writers ${v ?? 'absent'}`);
  for (const key of actualState.keys()) if (!expectedState.has(key)) stateDiffs.push(`${key}: in the table, never written`);
  checks.push({
    name: 'source tables hold what the writers wrote',
    ok: stateDiffs.length === 0,
    detail: stateDiffs.length === 0 ? `${books.length} books, ${orders.length} orders, ${expectedState.size} keys` : first(stateDiffs),
  });

  const authorTruth = authorStatsTruth(books);
  const authorStored = statsRows(await scanAll(client, `author-stats-${stage}`), 'author');
  const authorDiffs = statsDifferences(authorStored, authorTruth);
  checks.push({
    name: 'author-stats equals the ground truth from books',
    ok: authorDiffs.length === 0,
    detail: authorDiffs.length === 0 ? `${authorTruth.size} authors, ${books.length} books counted` : first(authorDiffs),
  });

  const customerTruth = customerStatsTruth(orders);
  const customerStored = statsRows(await scanAll(client, `customer-stats-${stage}`), 'customerId');
  const customerDiffs = statsDifferences(customerStored, customerTruth);
  checks.push({
    name: 'customer-stats equals the ground truth from orders (count, exact total, per-status counts)',
    ok: customerDiffs.length === 0,
    detail: customerDiffs.length === 0 ? `${customerTruth.size} customers, ${orders.length} orders counted` : first(customerDiffs),
  });

  // Each write changed `v`, so it caused exactly one stream record: identify changes by (table, key, event, v).
  const identity = (table: string, key: string, eventName: string, v: string) => `${table}|${key}|${eventName}|${v}`;
  const expected = new Map<string, number>();
  for (const write of made) {
    const id = identity(`${write.table}-${stage}`, itemKeyText(write.key), write.eventName, write.v);
    expected.set(id, (expected.get(id) ?? 0) + 1);
  }
  const logged = new Map<string, number>();
  const log = (await scanAll(client, `change-log-${stage}`)).filter(
    (entry) => entry.table === `books-${stage}` || entry.table === `orders-${stage}`,
  );
  for (const entry of log) {
    const image = (entry.eventName === 'REMOVE' ? entry.oldImage : entry.newImage) as Record<string, unknown> | undefined;
    const id = identity(String(entry.table), itemKeyText(entry.keys as Item), String(entry.eventName), String(image?.v));
    logged.set(id, (logged.get(id) ?? 0) + 1);
  }
  const missing = [...expected.keys()].filter((id) => !logged.has(id));
  const twice = [...logged.entries()].filter(([, n]) => n > 1).map(([id, n]) => `${id} ×${n}`);
  const unexpected = [...logged.keys()].filter((id) => !expected.has(id));
  checks.push({
    name: 'the change log holds each change exactly once',
    ok: missing.length === 0 && twice.length === 0 && unexpected.length === 0 && log.length === made.length,
    detail:
      `${log.length} entries for ${made.length} writes; missing ${missing.length}, twice ${twice.length}, unexpected ${unexpected.length}` +
      (missing.length + twice.length + unexpected.length > 0
        ? `: ${first([...missing.map((m) => `missing ${m}`), ...twice, ...unexpected.map((u) => `unexpected ${u}`)])}`
        : ''),
  });

  const deadLetters = await options.deadLetters.list();
  checks.push({
    name: 'the dead-letter store is empty',
    ok: deadLetters.length === 0,
    detail:
      deadLetters.length === 0
        ? 'no entries'
        : first(
            deadLetters.map(
              (e) =>
                `${e.functionName} ${e.payload.DDBStreamBatchInfo.startSequenceNumber}..${e.payload.DDBStreamBatchInfo.endSequenceNumber}`,
            ),
          ),
  });

  return { checks, changesChecked: log.length, statsRowsChecked: authorStored.size + customerStored.size };
}
