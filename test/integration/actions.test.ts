import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { authorStatsAction } from '../../lib/actions/author-stats.js';
import { changeLogAction } from '../../lib/actions/change-log.js';
import { customerStatsAction, statusCountAttribute } from '../../lib/actions/customer-stats.js';
import type { Action } from '../../lib/dispatch/action.js';
import { createStreamHandler } from '../../lib/dispatch/stream-handler.js';
import { insertRecord, modifyRecord, removeRecord, streamEvent, type PlainItem } from '../factories/stream-record.js';
import { captureLogger } from '../support/capture-logger.js';
import { createStageTables, localClient, uniqueStage } from '../support/dynamodb.js';
import { scanAll, statsByKey } from '../support/stats.js';

let client: DynamoDBClient;
let stage: string;

beforeAll(async () => {
  client = localClient();
  stage = uniqueStage('act');
  await createStageTables(client, stage);
});

const booksTable = () => `books-${stage}`;
const ordersTable = () => `orders-${stage}`;
const book = (isbn: string, author: unknown, title = `Title ${isbn}`): PlainItem => ({ isbn, title, author });
const order = (customerId: string, orderDate: string, orderStatus: string, total: number): PlainItem => ({ customerId, orderDate, orderStatus, total });

/** Fails the first time it sees each listed sequence number, like a transient outage. */
function failOnce(action: Action, sequenceNumbers: string[]): Action {
  const pending = new Set(sequenceNumbers);
  return {
    ...action,
    handle(change, context) {
      if (pending.delete(change.sequenceNumber)) throw new Error('transient failure');
      return action.handle(change, context);
    },
  };
}

/** Delivers the batch the way Lambda does: again from the reported record until it succeeds. */
async function deliver(handler: ReturnType<typeof createStreamHandler>, records: DynamoDBRecord[]): Promise<number> {
  let pending = records;
  let invocations = 0;
  while (pending.length > 0) {
    invocations++;
    const { batchItemFailures } = await handler(streamEvent(pending));
    if (batchItemFailures.length === 0) return invocations;
    const from = pending.findIndex((r) => r.dynamodb!.SequenceNumber === batchItemFailures[0]!.itemIdentifier);
    expect(from).toBeGreaterThanOrEqual(0);
    pending = pending.slice(from);
  }
  return invocations;
}

describe('author statistics', () => {
  const authorStats = () => authorStatsAction({ client, statsTable: `author-stats-${stage}`, ledgerTable: `applied-changes-${stage}`, name: `authorStats-${Math.random()}` });

  it('counts books per author across INSERT, MODIFY (author changed) and REMOVE', async () => {
    // Prepare
    const t = booksTable();
    const prefix = `a1-${Date.now()}-`;
    const [a, b] = [`${prefix}Le Guin`, `${prefix}Herbert`];
    const records = [
      insertRecord(t, ['isbn'], book(`${prefix}1`, a)),
      insertRecord(t, ['isbn'], book(`${prefix}2`, a)),
      insertRecord(t, ['isbn'], book(`${prefix}3`, b)),
      modifyRecord(t, ['isbn'], book(`${prefix}2`, a), book(`${prefix}2`, b)),
      modifyRecord(t, ['isbn'], book(`${prefix}3`, b), book(`${prefix}3`, b, 'renamed')),
      removeRecord(t, ['isbn'], book(`${prefix}1`, a)),
    ];
    const handler = createStreamHandler({ actions: [authorStats()], logger: captureLogger('warn').logger });

    // Act
    const response = await handler(streamEvent(records));

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    const stats = await statsByKey(client, `author-stats-${stage}`, 'author');
    expect(stats[a]).toBeUndefined();
    expect(stats[b]).toEqual({ bookCount: '2' });
  });

  it('never counts a change twice when a batch is re-delivered after a partial failure', async () => {
    // Prepare
    const t = booksTable();
    const prefix = `a2-${Date.now()}-`;
    const [a, b] = [`${prefix}A`, `${prefix}B`];
    const records = [
      insertRecord(t, ['isbn'], book(`${prefix}1`, a)),
      insertRecord(t, ['isbn'], book(`${prefix}2`, a)),
      modifyRecord(t, ['isbn'], book(`${prefix}1`, a), book(`${prefix}1`, b)),
      removeRecord(t, ['isbn'], book(`${prefix}2`, a)),
      insertRecord(t, ['isbn'], book(`${prefix}2`, b)),
    ];
    const seq = records.map((r) => r.dynamodb!.SequenceNumber!);
    const handler = createStreamHandler({ actions: [failOnce(authorStats(), [seq[2]!, seq[4]!])], logger: captureLogger('warn').logger });

    // Act: the whole batch is also delivered a second time, as after a timeout.
    const invocations = await deliver(handler, records);
    await deliver(handler, records);

    // Assess
    expect(invocations).toBe(3);
    const stats = await statsByKey(client, `author-stats-${stage}`, 'author');
    expect(stats[a]).toBeUndefined();
    expect(stats[b]).toEqual({ bookCount: '2' });
  });

  it('rejects a book without an author string, so the record is reported and nothing is counted', async () => {
    // Prepare
    const t = booksTable();
    const prefix = `a3-${Date.now()}-`;
    const records = [insertRecord(t, ['isbn'], book(`${prefix}1`, `${prefix}A`)), insertRecord(t, ['isbn'], book(`${prefix}2`, 42)), insertRecord(t, ['isbn'], book(`${prefix}3`, `${prefix}A`))];
    const { logger, lines } = captureLogger('info');
    const handler = createStreamHandler({ actions: [authorStats()], logger });

    // Act
    const response = await handler(streamEvent(records));

    // Assess
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: records[1]!.dynamodb!.SequenceNumber }]);
    expect((await statsByKey(client, `author-stats-${stage}`, 'author'))[`${prefix}A`]).toEqual({ bookCount: '1' });
    expect(lines().find((l) => l.message === 'action failed')?.errorMessage).toContain('has no author string (author is number)');
  });

  it('applies a backfilled item only when the stream has not counted it yet', async () => {
    // Prepare
    const t = booksTable();
    const prefix = `a4-${Date.now()}-`;
    const action = authorStats();
    const handler = createStreamHandler({ actions: [action], logger: captureLogger('warn').logger });
    const seen = book(`${prefix}seen`, `${prefix}A`);
    const unseen = book(`${prefix}unseen`, `${prefix}A`);
    await handler(streamEvent([insertRecord(t, ['isbn'], seen)]));

    // Act: a backfill brings both items as INSERTs with sequence number 0, twice.
    const backfill = streamEvent([insertRecord(t, ['isbn'], seen, { sequenceNumber: '0' }), insertRecord(t, ['isbn'], unseen, { sequenceNumber: '0' })]);
    await handler(backfill);
    await handler(backfill);

    // Assess
    expect((await statsByKey(client, `author-stats-${stage}`, 'author'))[`${prefix}A`]).toEqual({ bookCount: '2' });
  });
});

describe('customer statistics', () => {
  it('keeps order count, exact total and counts by status across status and total changes, re-delivered', async () => {
    // Prepare
    const t = ordersTable();
    const customer = `c-${Date.now()}`;
    const keys = ['customerId', 'orderDate'];
    const records = [
      insertRecord(t, keys, order(customer, '2026-01-01T10:00:00Z', 'PENDING', 19.99)),
      insertRecord(t, keys, order(customer, '2026-01-02T10:00:00Z', 'PENDING', 5.1)),
      modifyRecord(t, keys, order(customer, '2026-01-01T10:00:00Z', 'PENDING', 19.99), order(customer, '2026-01-01T10:00:00Z', 'SHIPPED', 19.99)),
      modifyRecord(t, keys, order(customer, '2026-01-02T10:00:00Z', 'PENDING', 5.1), order(customer, '2026-01-02T10:00:00Z', 'PENDING', 7.3)),
      insertRecord(t, keys, order(customer, '2026-01-03T10:00:00Z', 'PENDING', 0.1)),
      removeRecord(t, keys, order(customer, '2026-01-03T10:00:00Z', 'PENDING', 0.1)),
    ];
    const seq = records.map((r) => r.dynamodb!.SequenceNumber!);
    const action = customerStatsAction({ client, statsTable: `customer-stats-${stage}`, ledgerTable: `applied-changes-${stage}` });
    const handler = createStreamHandler({ actions: [failOnce(action, [seq[3]!])], logger: captureLogger('warn').logger });

    // Act
    await deliver(handler, records);
    await deliver(handler, records.slice(2));

    // Assess
    const stats = await statsByKey(client, `customer-stats-${stage}`, 'customerId');
    expect(stats[customer]).toEqual({ orderCount: '2', orderTotal: '27.29', [statusCountAttribute('SHIPPED')]: '1', [statusCountAttribute('PENDING')]: '1' });
  });
});

describe('change log', () => {
  it('writes each change once, keyed by table, item key and sequence number, with a TTL', async () => {
    // Prepare
    const t = booksTable();
    const prefix = `cl-${Date.now()}-`;
    const records = [
      insertRecord(t, ['isbn'], book(`${prefix}1`, 'A'), { approximateCreationDateTime: 1_800_000_000 }),
      modifyRecord(t, ['isbn'], book(`${prefix}1`, 'A'), book(`${prefix}1`, 'B')),
      removeRecord(t, ['isbn'], book(`${prefix}1`, 'B'), { ttlExpiry: true }),
    ];
    const handler = createStreamHandler({ actions: [changeLogAction({ client, tableName: `change-log-${stage}`, retentionDays: 7 })], logger: captureLogger('warn').logger });

    // Act: delivered twice, as at-least-once delivery may.
    await handler(streamEvent(records));
    await handler(streamEvent(records));

    // Assess
    const entries = (await scanAll(client, `change-log-${stage}`)).filter((e) => String(e.pk).includes(prefix));
    expect(entries.map((e) => e.eventName).sort()).toEqual(['INSERT', 'MODIFY', 'REMOVE']);
    expect(new Set(entries.map((e) => e.pk)).size).toBe(1);
    const insert = entries.find((e) => e.eventName === 'INSERT')!;
    expect(insert).toMatchObject({ table: t, sequenceNumber: records[0]!.dynamodb!.SequenceNumber, expiresAt: 1_800_000_000 + 7 * 86_400, newImage: book(`${prefix}1`, 'A') });
    expect(insert.oldImage).toBeUndefined();
    expect(entries.find((e) => e.eventName === 'REMOVE')).toMatchObject({ ttlExpiry: true, oldImage: book(`${prefix}1`, 'B') });
  });
});
