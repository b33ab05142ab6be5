import { createHash } from 'node:crypto';
import {
  ScanCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { authorStatsAction } from '../../lib/runtime/actions/author-stats.js';
import { changeLogAction } from '../../lib/runtime/actions/change-log.js';
import { customerStatsAction, statusCountAttribute } from '../../lib/runtime/actions/customer-stats.js';
import { backfillChangeOf } from '../../lib/tools/backfill/backfill-change.js';
import { BACKFILL_SEQUENCE_NUMBER } from '../../lib/runtime/change/sequence-number.js';
import type { Action } from '../../lib/runtime/dispatch/action.js';
import { createStreamHandler } from '../../lib/runtime/dispatch/stream-handler.js';
import { UnidentifiableRecordError } from '../../lib/runtime/errors.js';
import { insertRecord, modifyRecord, removeRecord, streamEvent, streamRecord, type PlainItem } from '../factories/stream-record.js';
import { book, order } from '../factories/table-items.js';
import { captureLogger } from '../support/capture-logger.js';
import { stageTables } from '../support/stage-tables.js';
import { scanAll, statsByKey } from '../support/stats.js';

const { client, stage } = stageTables('act');

const booksTable = () => `books-${stage}`;
const ordersTable = () => `orders-${stage}`;

/**
 * Fails the first time it sees each listed sequence number, like a transient outage. A batch action stops at the
 * first such change: the changes before it are handled, that one fails.
 */
function failOnce(action: Action, sequenceNumbers: string[]): Action {
  const pending = new Set(sequenceNumbers);
  const { handleBatch } = action;
  return {
    ...action,
    handle(change, context) {
      if (pending.delete(change.sequenceNumber)) throw new Error('transient failure');
      return action.handle(change, context);
    },
    ...(handleBatch && {
      async handleBatch(changes, context) {
        const at = changes.findIndex((change) => pending.delete(change.sequenceNumber));
        if (at < 0) return handleBatch(changes, context);
        const before = await handleBatch(changes.slice(0, at), context);
        return { failed: [...before.failed, { change: changes[at]!, error: new Error('transient failure') }] };
      },
    }),
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
  const authorStats = () =>
    authorStatsAction({
      client,
      statsTable: `author-stats-${stage}`,
      ledgerTable: `applied-changes-${stage}`,
      name: `authorStats-${Math.random()}`,
    });

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
    const records = [
      insertRecord(t, ['isbn'], book(`${prefix}1`, `${prefix}A`)),
      insertRecord(t, ['isbn'], book(`${prefix}2`, 42)),
      insertRecord(t, ['isbn'], book(`${prefix}3`, `${prefix}A`)),
    ];
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
    const { logger } = captureLogger('warn');
    const handler = createStreamHandler({ actions: [action], logger });
    const seen = book(`${prefix}seen`, `${prefix}A`);
    const unseen = book(`${prefix}unseen`, `${prefix}A`);
    await handler(streamEvent([insertRecord(t, ['isbn'], seen)]));

    // Act: the backfill path brings both items as INSERTs with sequence number 0, twice.
    const backfilled = [seen, unseen].map((item, i) =>
      backfillChangeOf(insertRecord(t, ['isbn'], item, { sequenceNumber: BACKFILL_SEQUENCE_NUMBER }), i),
    );
    const context = { logger, remainingTimeMs: () => Infinity };
    for (let run = 0; run < 2; run++) for (const change of backfilled) await action.handle(change, context);

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
      modifyRecord(
        t,
        keys,
        order(customer, '2026-01-01T10:00:00Z', 'PENDING', 19.99),
        order(customer, '2026-01-01T10:00:00Z', 'SHIPPED', 19.99),
      ),
      modifyRecord(
        t,
        keys,
        order(customer, '2026-01-02T10:00:00Z', 'PENDING', 5.1),
        order(customer, '2026-01-02T10:00:00Z', 'PENDING', 7.3),
      ),
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
    expect(stats[customer]).toEqual({
      orderCount: '2',
      orderTotal: '27.29',
      [statusCountAttribute('SHIPPED')]: '1',
      [statusCountAttribute('PENDING')]: '1',
    });
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
    const handler = createStreamHandler({
      actions: [changeLogAction({ client, tableName: `change-log-${stage}`, retentionDays: 7 })],
      logger: captureLogger('warn').logger,
    });

    // Act: delivered twice, as at-least-once delivery may.
    await handler(streamEvent(records));
    await handler(streamEvent(records));

    // Assess
    const entries = (await scanAll(client, `change-log-${stage}`)).filter((e) => String(e.pk).includes(prefix));
    expect(entries.map((e) => e.eventName).sort()).toEqual(['INSERT', 'MODIFY', 'REMOVE']);
    expect(new Set(entries.map((e) => e.pk)).size).toBe(1);
    const insert = entries.find((e) => e.eventName === 'INSERT')!;
    expect(insert).toMatchObject({
      table: t,
      sequenceNumber: records[0]!.dynamodb!.SequenceNumber,
      expiresAt: 1_800_000_000 + 7 * 86_400,
      newImage: book(`${prefix}1`, 'A'),
    });
    expect(insert.oldImage).toBeUndefined();
    expect(entries.find((e) => e.eventName === 'REMOVE')).toMatchObject({ ttlExpiry: true, oldImage: book(`${prefix}1`, 'B') });
  });
});

/** Every item of a table as DynamoDB returns it, attribute values and all (binary as bytes). */
async function rawScan(tableName: string): Promise<Record<string, AttributeValue>[]> {
  const items: Record<string, AttributeValue>[] = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await client.send(new ScanCommand({ TableName: tableName, ExclusiveStartKey: start, ConsistentRead: true }));
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

/** Change-log entries of the items whose key attribute `name` is `value`. */
const changeLogEntries = async (name: string, value: string) =>
  (await rawScan(`change-log-${stage}`)).filter((entry) => entry.table?.S !== undefined && entry.keys?.M?.[name]?.S === value);

/** Two INSERT records whose keys and images a test sets as raw attribute values (the factory marshals JavaScript values). */
type EditableRecord = DynamoDBRecord & { dynamodb: Record<string, unknown> };
const blankInserts = (table: string) =>
  [0, 1].map(() => streamRecord({ eventName: 'INSERT', table, keys: { id: 'x' }, newImage: { id: 'x' } }) as EditableRecord);

const authorStatsOn = (on: DynamoDBClient) =>
  authorStatsAction({ client: on, statsTable: `author-stats-${stage}`, ledgerTable: `applied-changes-${stage}` });

/** Adds an attribute the SDK's marshall cannot build (such as `__proto__` or `constructor`), as JSON.parse would. */
function withAttribute(image: Record<string, unknown>, name: string, value: unknown): void {
  Object.defineProperty(image, name, { value, enumerable: true, writable: true, configurable: true });
}

/** An attribute value with binaries as the base64 text a Lambda event carries, for comparison with what DynamoDB returns. */
function wireForm(value: AttributeValue): unknown {
  if (value.B !== undefined) return { B: Buffer.from(value.B).toString('base64') };
  if (value.BS !== undefined) return { BS: value.BS.map((b) => Buffer.from(b).toString('base64')) };
  if (value.L !== undefined) return { L: value.L.map(wireForm) };
  if (value.M !== undefined) return { M: wireImage(value.M) };
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined));
}
const wireImage = (image: Record<string, AttributeValue>): Record<string, unknown> => {
  const out: Record<string, unknown> = {};
  for (const name of Object.keys(image)) withAttribute(out, name, wireForm(image[name]!));
  return out;
};

/** A copy with the members of every set (SS, NS, BS) sorted: DynamoDB keeps no order in a set. */
function setsSorted(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(setsSorted);
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [name, v] of Object.entries(value)) {
    withAttribute(out, name, ['SS', 'NS', 'BS'].includes(name) && Array.isArray(v) ? [...(v as string[])].sort() : setsSorted(v));
  }
  return out;
}

/** A string of exactly `bytes` UTF-8 bytes that starts with `prefix` and uses two-byte characters. */
const utf8Text = (prefix: string, bytes: number): string => {
  const rest = bytes - Buffer.byteLength(prefix);
  return prefix + 'é'.repeat(Math.floor(rest / 2)) + 'x'.repeat(rest % 2);
};

/**
 * A DynamoDB client whose TransactWriteItems fails with TransactionConflict the first `conflicts` times, as the
 * service may under concurrency (DynamoDB Local never does).
 */
function conflictingClient(conflicts: number): { client: DynamoDBClient; transactions: () => number } {
  let transactions = 0;
  const wrapper = Object.create(client) as DynamoDBClient;
  const send = client.send.bind(client) as (command: unknown) => Promise<unknown>;
  wrapper.send = (async (command: unknown) => {
    if (command instanceof TransactWriteItemsCommand) {
      transactions++;
      if (transactions <= conflicts) {
        const conflict = { Code: 'TransactionConflict', Message: 'Transaction is ongoing for the item' };
        const reasons = command.input.TransactItems!.map((_, i) => (i === 0 ? conflict : { Code: 'None' }));
        throw new TransactionCanceledException({ message: 'Transaction cancelled', $metadata: {}, CancellationReasons: reasons });
      }
    }
    return send(command);
  }) as DynamoDBClient['send'];
  return { client: wrapper, transactions: () => transactions };
}

describe('item identity (issue 9 findings 4 and 5)', () => {
  const customerStats = () =>
    customerStatsAction({ client, statsTable: `customer-stats-${stage}`, ledgerTable: `applied-changes-${stage}` });
  const changeLog = () => changeLogAction({ client, tableName: `change-log-${stage}` });

  it('keeps two orders apart whose key parts, joined naively, read the same', async () => {
    // Prepare
    const t = ordersTable();
    const customer = `id4-${Date.now()}-alice`;
    const first = order(`${customer}|orderDate=S:2026-01-01`, 'x', 'PENDING', 10);
    const second = order(customer, '2026-01-01|orderDate=S:x', 'PENDING', 25);
    const handler = createStreamHandler({ actions: [changeLog(), customerStats()], logger: captureLogger('warn').logger });

    // Act
    const keys = ['customerId', 'orderDate'];
    const response = await handler(streamEvent([insertRecord(t, keys, first), insertRecord(t, keys, second)]));

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    const stats = await statsByKey(client, `customer-stats-${stage}`, 'customerId');
    const pending = statusCountAttribute('PENDING');
    expect(stats[first.customerId as string]).toEqual({ orderCount: '1', orderTotal: '10', [pending]: '1' });
    expect(stats[customer]).toEqual({ orderCount: '1', orderTotal: '25', [pending]: '1' });
    const entries = [...(await changeLogEntries('customerId', customer)), ...(await changeLogEntries('customerId', `${first.customerId}`))];
    expect(entries).toHaveLength(2);
    expect(new Set(entries.map((e) => e.pk!.S)).size).toBe(2);
  });

  it.each([
    ['1', '1.0', 'the same number written two ways', 1],
    ['1', '10E-1', 'the same number with an exponent', 1],
    ['1', '1.0000000000000001', 'two numbers one double apart', 2],
    ['12345678901234567890123456789012345678', '12345678901234567890123456789012345679', 'two 38-digit numbers', 2],
  ])('identifies N keys %s and %s (%s) as %i item(s)', async (a, b, _label, items) => {
    // Prepare: the same book INSERTed under two key texts, with two authors.
    const table = `numbered-${stage}`;
    const author = `id4n-${Date.now()}-${Math.random()}`;
    const records = blankInserts(table);
    records[0]!.dynamodb.Keys = { id: { N: a } };
    records[0]!.dynamodb.NewImage = { id: { N: a }, author: { S: `${author}-a` } };
    records[1]!.dynamodb.Keys = { id: { N: b } };
    records[1]!.dynamodb.NewImage = { id: { N: b }, author: { S: `${author}-b` } };
    const handler = createStreamHandler({ actions: [authorStatsOn(client)], logger: captureLogger('warn').logger });

    // Act
    const response = await handler(streamEvent(records));

    // Assess: one item means the second INSERT moved the book to the second author.
    expect(response.batchItemFailures).toEqual([]);
    const stats = await statsByKey(client, `author-stats-${stage}`, 'author');
    expect(stats[`${author}-a`]).toEqual(items === 1 ? undefined : { bookCount: '1' });
    expect(stats[`${author}-b`]).toEqual({ bookCount: '1' });
  });

  it('tells an S key from a B key with the same text', async () => {
    // Prepare
    const table = `binary-${stage}`;
    const author = `id4b-${Date.now()}`;
    const records = blankInserts(table);
    records[0]!.dynamodb.Keys = { id: { S: 'AAAA' } };
    records[0]!.dynamodb.NewImage = { id: { S: 'AAAA' }, author: { S: `${author}-s` } };
    records[1]!.dynamodb.Keys = { id: { B: 'AAAA' } };
    records[1]!.dynamodb.NewImage = { id: { B: 'AAAA' }, author: { S: `${author}-b` } };
    const handler = createStreamHandler({ actions: [authorStatsOn(client)], logger: captureLogger('warn').logger });

    // Act
    const response = await handler(streamEvent(records));

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    const stats = await statsByKey(client, `author-stats-${stage}`, 'author');
    expect([stats[`${author}-s`], stats[`${author}-b`]]).toEqual([{ bookCount: '1' }, { bookCount: '1' }]);
  });

  it('processes an order with a 2,048-byte partition key and a 1,024-byte sort key through the change log and the statistics', async () => {
    // Prepare
    const t = ordersTable();
    const customer = utf8Text(`id5-${Date.now()}-`, 2048);
    const date = utf8Text('2026-01-01T', 1024);
    const keys = ['customerId', 'orderDate'];
    const records = [
      insertRecord(t, keys, order(customer, date, 'PENDING', 10)),
      modifyRecord(t, keys, order(customer, date, 'PENDING', 10), order(customer, date, 'SHIPPED', 12)),
    ];
    const handler = createStreamHandler({ actions: [changeLog(), customerStats()], logger: captureLogger('warn').logger });

    // Act: delivered twice, so the ledger must find its entry again.
    const first = await handler(streamEvent(records));
    const again = await handler(streamEvent(records));

    // Assess
    expect([first.batchItemFailures, again.batchItemFailures]).toEqual([[], []]);
    const stats = await statsByKey(client, `customer-stats-${stage}`, 'customerId');
    expect(stats[customer]).toEqual({ orderCount: '1', orderTotal: '12', [statusCountAttribute('SHIPPED')]: '1' });
    const entries = await changeLogEntries('customerId', customer);
    expect(entries.map((e) => e.eventName!.S).sort()).toEqual(['INSERT', 'MODIFY']);
    expect(entries[0]!.keys!.M!.orderDate!.S).toBe(date);
  });
});

describe('sequence numbers (issue 9 finding 6)', () => {
  it.each([['abc'], ['9'.repeat(41)], ['12345'], [`${'1'.repeat(21)}x`]])(
    'rejects a record with sequence number %s, so a later real change is still applied',
    async (bad) => {
      // Prepare
      const t = booksTable();
      const prefix = `sq-${Date.now()}-${bad.length}-`;
      const action = authorStatsAction({ client, statsTable: `author-stats-${stage}`, ledgerTable: `applied-changes-${stage}` });
      const handler = createStreamHandler({ actions: [action], logger: captureLogger('error').logger });
      const item = book(`${prefix}1`, `${prefix}A`);

      // Act
      const rejected = handler(streamEvent([insertRecord(t, ['isbn'], item, { sequenceNumber: bad })]));
      await expect(rejected).rejects.toThrow(UnidentifiableRecordError);
      const fixed = book(`${prefix}1`, `${prefix}B`);
      const real = await handler(streamEvent([insertRecord(t, ['isbn'], item), modifyRecord(t, ['isbn'], item, fixed)]));

      // Assess
      expect(real.batchItemFailures).toEqual([]);
      const stats = await statsByKey(client, `author-stats-${stage}`, 'author');
      expect([stats[`${prefix}A`], stats[`${prefix}B`]]).toEqual([undefined, { bookCount: '1' }]);
    },
  );
});

describe('legal attribute names and types in the change log (issue 9 findings 7 and 9)', () => {
  it('stores every attribute name and type exactly as the stream delivered it, and counts the item', async () => {
    // Prepare
    const t = booksTable();
    const isbn = `nm-${Date.now()}`;
    const author = `${isbn}-A`;
    const record = insertRecord(t, ['isbn'], book(isbn, author));
    const image = record.dynamodb!.NewImage as Record<string, unknown>;
    for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf']) {
      withAttribute(image, name, { S: `value of ${name}` });
    }
    const nested: Record<string, unknown> = {};
    withAttribute(nested, '__proto__', { N: '1' });
    withAttribute(nested, 'constructor', { BOOL: true });
    withAttribute(image, 'nested', { M: nested });
    withAttribute(image, 'cover', { B: Buffer.from([0, 1, 2, 250, 255]).toString('base64') });
    withAttribute(image, 'thumbnails', { BS: [Buffer.from('a').toString('base64'), Buffer.from([0]).toString('base64')] });
    withAttribute(image, 'sizes', { NS: ['12345678901234567890123456789012345678', '-0.5'] });
    withAttribute(image, 'tags', { SS: ['a', 'b'] });
    withAttribute(image, 'parts', { L: [{ B: Buffer.from('part').toString('base64') }, { NULL: true }, { S: '' }] });
    const event = JSON.parse(JSON.stringify(streamEvent([record]))) as ReturnType<typeof streamEvent>;
    const actions = [
      changeLogAction({ client, tableName: `change-log-${stage}` }),
      authorStatsAction({ client, statsTable: `author-stats-${stage}`, ledgerTable: `applied-changes-${stage}` }),
    ];
    const handler = createStreamHandler({ actions, logger: captureLogger('warn').logger });

    // Act
    const response = await handler(event);

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    const [entry] = await changeLogEntries('isbn', isbn);
    expect(setsSorted(wireImage(entry!.newImage!.M!))).toEqual(setsSorted(event.Records[0]!.dynamodb!.NewImage));
    expect(Object.keys(entry!.newImage!.M!).sort()).toEqual(Object.keys(event.Records[0]!.dynamodb!.NewImage!).sort());
    expect((await statsByKey(client, `author-stats-${stage}`, 'author'))[author]).toEqual({ bookCount: '1' });
  });
});

describe('large items in the change log (issue 9 finding 10)', () => {
  /** Bytes an item takes under DynamoDB's rules for these flat items: names plus string bytes, numbers at most 21 bytes. */
  const itemBytes = (item: PlainItem) =>
    Object.entries(item).reduce(
      (sum, [name, value]) => sum + Buffer.byteLength(name) + (typeof value === 'string' ? Buffer.byteLength(value) : 21),
      0,
    );
  /** An order padded to `bytes` with a `notes` attribute of `fill`. */
  const bigOrder = (customerId: string, status: string, fill: string, bytes: number): PlainItem => {
    const base = order(customerId, '2026-01-01', status, 10);
    return { ...base, notes: fill.repeat(bytes - itemBytes(base) - Buffer.byteLength('notes')) };
  };
  const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

  it.each([
    ['a MODIFY between two 390 KB images', 'MODIFY', 390 * 1024],
    ['an INSERT of a 409,000-byte item', 'INSERT', 409_000],
  ] as const)('logs %s by keys, changed names and hashes, and the statistics behind it still run', async (_label, eventName, bytes) => {
    // Prepare
    const t = ordersTable();
    const customer = `big-${Date.now()}-${eventName}`;
    const before = bigOrder(customer, 'PENDING', 'a', bytes);
    const after = bigOrder(customer, 'SHIPPED', 'b', bytes);
    expect(itemBytes(after)).toBe(bytes);
    const keys = ['customerId', 'orderDate'];
    const records =
      eventName === 'MODIFY'
        ? [insertRecord(t, keys, order(customer, '2026-01-01', 'PENDING', 10)), modifyRecord(t, keys, before, after)]
        : [insertRecord(t, keys, after)];
    const actions = [
      changeLogAction({ client, tableName: `change-log-${stage}` }),
      customerStatsAction({ client, statsTable: `customer-stats-${stage}`, ledgerTable: `applied-changes-${stage}` }),
    ];
    const handler = createStreamHandler({ actions, logger: captureLogger('warn').logger });

    // Act
    const response = await handler(streamEvent(records));

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    const entry = (await changeLogEntries('customerId', customer)).find((e) => e.eventName!.S === eventName)!;
    expect(entry.imagesOmitted).toEqual({ BOOL: true });
    expect(entry.newImage).toBeUndefined();
    expect(entry.oldImage).toBeUndefined();
    expect(entry.keys!.M).toEqual({ customerId: { S: customer }, orderDate: { S: '2026-01-01' } });
    const changed = entry.changedAttributes!.L!.map((v) => v.S).sort();
    expect(changed).toEqual(eventName === 'MODIFY' ? ['notes', 'orderStatus'] : Object.keys(after).sort());
    expect(entry.newImageSha256!.S).toMatch(/^[0-9a-f]{64}$/);
    if (eventName === 'MODIFY') expect(entry.oldImageSha256!.S).not.toBe(entry.newImageSha256!.S);
    else expect(entry.oldImageSha256).toBeUndefined();
    expect(entry.newImageSha256!.S).not.toBe(sha256(''));
    const stats = await statsByKey(client, `customer-stats-${stage}`, 'customerId');
    expect(stats[customer]).toEqual({ orderCount: '1', orderTotal: '10', [statusCountAttribute('SHIPPED')]: '1' });
  });
});

describe('ledger: fix the item, then redrive (issue 11 point 5)', () => {
  it('skips a stale bad record once a later change has fixed the item, without evaluating it', async () => {
    // Prepare: the bad INSERT fails; the item is then fixed and that change applied.
    const t = booksTable();
    const prefix = `fx-${Date.now()}-`;
    const action = authorStatsAction({ client, statsTable: `author-stats-${stage}`, ledgerTable: `applied-changes-${stage}` });
    const handler = createStreamHandler({ actions: [action], logger: captureLogger('error').logger });
    const bad = insertRecord(t, ['isbn'], book(`${prefix}1`, 42));
    const fix = modifyRecord(t, ['isbn'], book(`${prefix}1`, 42), book(`${prefix}1`, `${prefix}A`));
    expect((await handler(streamEvent([bad]))).batchItemFailures).toEqual([{ itemIdentifier: bad.dynamodb!.SequenceNumber }]);
    expect((await handler(streamEvent([fix]))).batchItemFailures).toEqual([]);

    // Act: the dead-lettered bad record is redriven.
    const redriven = await handler(streamEvent([bad]));

    // Assess
    expect(redriven.batchItemFailures).toEqual([]);
    expect((await statsByKey(client, `author-stats-${stage}`, 'author'))[`${prefix}A`]).toEqual({ bookCount: '1' });
  });

  it.each([
    [2, [], 3, '1'],
    [10, ['failed'], 5, undefined],
  ] as const)(
    'retries %i injected TransactionConflict cancellations within 5 attempts: failures %j after %i transactions',
    async (conflicts, failures, transactions, count) => {
      // Prepare
      const t = booksTable();
      const prefix = `tc-${Date.now()}-${conflicts}-`;
      const wrapped = conflictingClient(conflicts);
      const action = authorStatsOn(wrapped.client);
      const handler = createStreamHandler({ actions: [action], logger: captureLogger('error').logger });
      const record = insertRecord(t, ['isbn'], book(`${prefix}1`, `${prefix}A`));

      // Act
      const response = await handler(streamEvent([record]));

      // Assess
      expect(response.batchItemFailures.map(() => 'failed')).toEqual(failures);
      expect(wrapped.transactions()).toBe(transactions);
      const stats = await statsByKey(client, `author-stats-${stage}`, 'author');
      expect(stats[`${prefix}A`]).toEqual(count === undefined ? undefined : { bookCount: count });
    },
  );
});
