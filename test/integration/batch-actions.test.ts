import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  GetItemCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  type BatchGetItemCommandOutput,
  type BatchWriteItemCommandOutput,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { authorStatsAction } from '../../lib/runtime/actions/author-stats.js';
import { changeLogAction } from '../../lib/runtime/actions/change-log.js';
import { customerStatsAction, statusCountAttribute } from '../../lib/runtime/actions/customer-stats.js';
import { logAction } from '../../lib/runtime/actions/log.js';
import { addDecimal } from '../../lib/runtime/aggregates/decimal.js';
import type { TransactionLimits } from '../../lib/runtime/aggregates/pack-transactions.js';
import { createStreamHandler, type StreamHandler } from '../../lib/runtime/dispatch/stream-handler.js';
import { DEFAULT_DISPATCH_CONCURRENCY } from '../../lib/runtime/dispatch/default-concurrency.js';
import { insertRecord, modifyRecord, removeRecord, streamEvent } from '../factories/stream-record.js';
import { book, order } from '../factories/table-items.js';
import { captureLogger } from '../support/capture-logger.js';
import { stageTables } from '../support/stage-tables.js';
import { scanAll, statsByKey } from '../support/stats.js';

/*
 * Batch actions on DynamoDB Local: request counts, conflicts injected as the service returns them (DynamoDB Local
 * runs transactions one at a time and never reports one), a group failing for good, and mixed changes of the
 * same items netted in one batch. Ground truths are computed from the records, never from the code's plan.
 */

const { client, stage } = stageTables('bat');

const booksTable = () => `books-${stage}`;
const ordersTable = () => `orders-${stage}`;
const authorStatsTable = () => `author-stats-${stage}`;
const sequenceOf = (record: DynamoDBRecord) => record.dynamodb!.SequenceNumber!;

/** A client whose `send` goes to `inner`, through `intercept` first (which may throw instead). */
function wrappedClient(inner: DynamoDBClient, intercept: (command: unknown) => void): DynamoDBClient {
  const wrapper = Object.create(inner) as DynamoDBClient;
  const send = inner.send.bind(inner) as (command: unknown) => Promise<unknown>;
  wrapper.send = (async (command: unknown) => {
    intercept(command);
    return send(command);
  }) as DynamoDBClient['send'];
  return wrapper;
}

/** Counts requests by command name. */
function countingClient(inner: DynamoDBClient): { client: DynamoDBClient; counts: Map<string, number>; total: () => number } {
  const counts = new Map<string, number>();
  const wrapped = wrappedClient(inner, (command) => {
    const name = (command as object).constructor.name;
    counts.set(name, (counts.get(name) ?? 0) + 1);
  });
  return { client: wrapped, counts, total: () => [...counts.values()].reduce((a, b) => a + b, 0) };
}

/** The TransactionCanceledException the service returns when another transaction holds one of the items. */
function conflict(command: TransactWriteItemsCommand): TransactionCanceledException {
  const reasons = command.input.TransactItems!.map((_, i) =>
    i === 0 ? { Code: 'TransactionConflict', Message: 'Transaction is ongoing for the item' } : { Code: 'None' },
  );
  return new TransactionCanceledException({ message: 'Transaction cancelled', $metadata: {}, CancellationReasons: reasons });
}

/** Authors a TransactWriteItems updates, and the ledger sequence numbers it puts. */
function transactionContents(command: TransactWriteItemsCommand): { authors: string[]; seqs: string[] } {
  const items = command.input.TransactItems ?? [];
  return {
    authors: items.flatMap((t) => (t.Update?.Key?.author?.S === undefined ? [] : [t.Update.Key.author.S])),
    seqs: items.flatMap((t) => (t.Put?.Item?.seq?.S === undefined ? [] : [t.Put.Item.seq.S])),
  };
}

/** Books per author after `records`, computed from the records alone: each book counts for its last author. */
function expectedBookCounts(records: readonly DynamoDBRecord[], applied: (record: DynamoDBRecord) => boolean = () => true) {
  const last = new Map<string, string | undefined>();
  for (const record of records) {
    if (!applied(record)) continue;
    const isbn = record.dynamodb!.Keys!.isbn!.S!;
    last.set(isbn, record.eventName === 'REMOVE' ? undefined : record.dynamodb!.NewImage!.author!.S);
  }
  const counts: Record<string, { bookCount: string }> = {};
  for (const author of last.values())
    if (author !== undefined) counts[author] = { bookCount: String(Number(counts[author]?.bookCount ?? 0) + 1) };
  return counts;
}

const statsOf = async (prefix: string) =>
  Object.fromEntries(
    Object.entries(await statsByKey(client, authorStatsTable(), 'author')).filter(([author]) => author.startsWith(prefix)),
  );

const booksHandler = (on: DynamoDBClient, options: { limits?: TransactionLimits; batchActions?: boolean } = {}): StreamHandler =>
  createStreamHandler({
    actions: [
      logAction(),
      changeLogAction({ client: on, tableName: `change-log-${stage}` }),
      authorStatsAction({
        client: on,
        statsTable: authorStatsTable(),
        ledgerTable: `applied-changes-${stage}`,
        ...(options.limits ? { transactionLimits: options.limits } : {}),
      }),
    ],
    logger: captureLogger('error').logger,
    concurrency: DEFAULT_DISPATCH_CONCURRENCY,
    batchActions: options.batchActions ?? true,
  });

describe('requests per batch with the real books actions (issue 13 targets)', () => {
  it.each([
    ['100 records of 100 keys (10 authors)', 100, 10, 100],
    ['100 new books by one author', 100, 1, 10],
  ])('%s: %i records, %i authors, at most %i requests', async (label, records, authors, maxRequests) => {
    // Prepare
    const prefix = `rq-${Date.now()}-${authors}-`;
    const batch = Array.from({ length: records }, (_, n) =>
      insertRecord(booksTable(), ['isbn'], book(`${prefix}${n}`, `${prefix}author-${n % authors}`)),
    );
    const counting = countingClient(client);
    const handler = booksHandler(counting.client);

    // Act
    const response = await handler(streamEvent(batch));

    // Assess
    expect(response.batchItemFailures, label).toEqual([]);
    expect(counting.total()).toBeLessThanOrEqual(maxRequests);
    expect(counting.total() / records).toBeLessThanOrEqual(1.0);
    expect(await statsOf(prefix)).toEqual(expectedBookCounts(batch));
  });

  it('makes one request per record and action (three in all) with batch actions off: the sequential baseline', async () => {
    // Prepare
    const prefix = `rs-${Date.now()}-`;
    const batch = Array.from({ length: 20 }, (_, n) => insertRecord(booksTable(), ['isbn'], book(`${prefix}${n}`, `${prefix}A`)));
    const counting = countingClient(client);

    // Act
    const response = await booksHandler(counting.client, { batchActions: false })(streamEvent(batch));

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(Object.fromEntries(counting.counts)).toEqual({ PutItemCommand: 20, GetItemCommand: 20, TransactWriteItemsCommand: 20 });
    expect(await statsOf(prefix)).toEqual({ [`${prefix}A`]: { bookCount: '20' } });
  });
});

describe('TransactionConflict injected as the service returns it', () => {
  it('retries the cancelled groups until they apply: exact statistics, nothing counted twice on redelivery', async () => {
    // Prepare: 60 books of 6 authors in transactions of at most 8 items; every group touching author 0 or 3
    // is cancelled twice before it goes through.
    const prefix = `cf-${Date.now()}-`;
    const batch = Array.from({ length: 60 }, (_, n) =>
      insertRecord(booksTable(), ['isbn'], book(`${prefix}${n}`, `${prefix}author-${n % 6}`)),
    );
    const cancelled = new Map<string, number>();
    let injected = 0;
    const conflicting = wrappedClient(client, (command) => {
      if (!(command instanceof TransactWriteItemsCommand)) return;
      const { authors } = transactionContents(command);
      const hot = authors.filter((a) => a.endsWith('author-0') || a.endsWith('author-3'));
      if (hot.length === 0) return;
      const key = authors.sort().join('|');
      const times = cancelled.get(key) ?? 0;
      if (times >= 2) return;
      cancelled.set(key, times + 1);
      injected++;
      throw conflict(command);
    });
    const handler = booksHandler(conflicting, { limits: { maxActions: 8, maxBytes: 4 * 1024 * 1024 } });

    // Act
    const first = await handler(streamEvent(batch));
    const again = await handler(streamEvent(batch));

    // Assess
    expect([first.batchItemFailures, again.batchItemFailures]).toEqual([[], []]);
    expect(injected).toBeGreaterThanOrEqual(4);
    expect(await statsOf(prefix)).toEqual(expectedBookCounts(batch));
  });

  it('fails only the group that stays cancelled: the response names its lowest change, the others apply once', async () => {
    // Prepare: books of 4 authors, transactions of at most 6 items; every transaction touching author 2 stays cancelled.
    const prefix = `ff-${Date.now()}-`;
    const batch = Array.from({ length: 40 }, (_, n) =>
      insertRecord(booksTable(), ['isbn'], book(`${prefix}${n}`, `${prefix}author-${n % 4}`)),
    );
    const failedSeqs = new Set<string>();
    const appliedSeqs = new Set<string>();
    let failing = true;
    const conflicting = wrappedClient(client, (command) => {
      if (!(command instanceof TransactWriteItemsCommand)) return;
      const { authors, seqs } = transactionContents(command);
      if (failing && authors.some((a) => a.endsWith('author-2'))) {
        for (const seq of seqs) failedSeqs.add(seq);
        throw conflict(command);
      }
      for (const seq of seqs) appliedSeqs.add(seq);
    });
    const handler = booksHandler(conflicting, { limits: { maxActions: 6, maxBytes: 4 * 1024 * 1024 } });
    const seqOf = (record: DynamoDBRecord) => sequenceOf(record).padStart(40, '0');

    // Act
    const first = await handler(streamEvent(batch));
    const statsAfterFirst = await statsOf(prefix);
    const appliedByFirst = new Set(appliedSeqs);
    failing = false;
    const from = batch.findIndex((r) => sequenceOf(r) === first.batchItemFailures[0]?.itemIdentifier);
    const retried = await handler(streamEvent(batch.slice(from)));
    const whole = await handler(streamEvent(batch));

    // Assess
    const unapplied = batch.map((r, i) => [r, i] as const).filter(([r]) => !appliedByFirst.has(seqOf(r)));
    expect(unapplied.length).toBeGreaterThan(0);
    expect(appliedByFirst.size).toBeGreaterThan(0);
    expect(unapplied.every(([r]) => failedSeqs.has(seqOf(r)))).toBe(true);
    expect(from).toBe(unapplied[0]![1]);
    expect(statsAfterFirst).toEqual(expectedBookCounts(batch, (r) => appliedByFirst.has(seqOf(r))));
    expect([retried.batchItemFailures, whole.batchItemFailures]).toEqual([[], []]);
    expect(await statsOf(prefix)).toEqual(expectedBookCounts(batch));
  });
});

describe('INSERT, MODIFY and REMOVE of the same items in one batch', () => {
  it('nets each book to its last change, exactly as the per-change path counts it, and again on redelivery', async () => {
    // Prepare: the same story told to a batch handler and to the per-change one, on books of their own.
    const story = (prefix: string) => {
      const [a, b, c] = [`${prefix}A`, `${prefix}B`, `${prefix}C`];
      const t = booksTable();
      const k = ['isbn'];
      const earlier = [insertRecord(t, k, book(`${prefix}4`, a)), insertRecord(t, k, book(`${prefix}5`, c))];
      const batch = [
        insertRecord(t, k, book(`${prefix}1`, a)),
        insertRecord(t, k, book(`${prefix}2`, a)),
        modifyRecord(t, k, book(`${prefix}1`, a), book(`${prefix}1`, b)),
        insertRecord(t, k, book(`${prefix}3`, b)),
        removeRecord(t, k, book(`${prefix}4`, a)),
        removeRecord(t, k, book(`${prefix}1`, b)),
        modifyRecord(t, k, book(`${prefix}2`, a), book(`${prefix}2`, b)),
        removeRecord(t, k, book(`${prefix}3`, b)),
        insertRecord(t, k, book(`${prefix}3`, c)),
        modifyRecord(t, k, book(`${prefix}5`, c), book(`${prefix}5`, a)),
        modifyRecord(t, k, book(`${prefix}5`, a), book(`${prefix}5`, c)),
      ];
      return { earlier, batch };
    };
    const batched = story(`mx-${Date.now()}-b-`);
    const perChange = story(`mx-${Date.now()}-p-`);
    const batchHandler = booksHandler(client);
    const sequential = booksHandler(client, { batchActions: false });
    await batchHandler(streamEvent(batched.earlier));
    await sequential(streamEvent(perChange.earlier));

    // Act
    const responses = [await batchHandler(streamEvent(batched.batch)), await batchHandler(streamEvent(batched.batch))];
    await sequential(streamEvent(perChange.batch));

    // Assess
    expect(responses.map((r) => r.batchItemFailures)).toEqual([[], []]);
    const prefixB = `${batched.batch[0]!.dynamodb!.Keys!.isbn!.S!.slice(0, -1)}`;
    const prefixP = `${perChange.batch[0]!.dynamodb!.Keys!.isbn!.S!.slice(0, -1)}`;
    const expected = expectedBookCounts([...batched.earlier, ...batched.batch]);
    expect(await statsOf(prefixB)).toEqual(expected);
    const rename = (stats: Record<string, unknown>) =>
      Object.fromEntries(Object.entries(stats).map(([k, v]) => [k.slice(prefixP.length), v]));
    expect(rename(await statsOf(prefixP))).toEqual(
      Object.fromEntries(Object.entries(expected).map(([k, v]) => [k.slice(prefixB.length), v])),
    );
    const logged = (await scanAll(client, `change-log-${stage}`)).filter((e) => String(e.pk).includes(prefixB));
    expect(logged).toHaveLength(batched.earlier.length + batched.batch.length);
  });

  it('keeps order totals exact to the last digit when an order is inserted, changed twice and another removed', async () => {
    // Prepare
    const customer = `mxo-${Date.now()}`;
    const t = ordersTable();
    const keys = ['customerId', 'orderDate'];
    const big = '1234567890123456789012345678901234';
    const records = [
      insertRecord(t, keys, order(customer, 'd1', 'PENDING', 19.99)),
      insertRecord(t, keys, order(customer, 'd2', 'PENDING', 0.1)),
      modifyRecord(t, keys, order(customer, 'd1', 'PENDING', 19.99), order(customer, 'd1', 'PAID', 5.1)),
      insertRecord(t, keys, order(customer, 'd3', 'PENDING', 0.2)),
      modifyRecord(t, keys, order(customer, 'd1', 'PAID', 5.1), order(customer, 'd1', 'SHIPPED', 7.3)),
      removeRecord(t, keys, order(customer, 'd2', 'PENDING', 0.1)),
      insertRecord(t, keys, order(customer, 'd4', 'PENDING', 1)),
    ];
    records[6]!.dynamodb!.NewImage!.total = { N: big };
    const handler = createStreamHandler({
      actions: [customerStatsAction({ client, statsTable: `customer-stats-${stage}`, ledgerTable: `applied-changes-${stage}` })],
      logger: captureLogger('error').logger,
    });

    // Act
    const first = await handler(streamEvent(records));
    const again = await handler(streamEvent(records));

    // Assess
    expect([first.batchItemFailures, again.batchItemFailures]).toEqual([[], []]);
    const row = await client.send(
      new GetItemCommand({ TableName: `customer-stats-${stage}`, Key: { customerId: { S: customer } }, ConsistentRead: true }),
    );
    const stats = Object.fromEntries(
      Object.entries(row.Item!)
        .filter(([name, v]) => name !== 'customerId' && v.N !== '0')
        .map(([name, v]) => [name, v.N]),
    );
    expect(stats).toEqual({
      orderCount: '3',
      orderTotal: addDecimal(addDecimal('7.3', '0.2'), big),
      [statusCountAttribute('SHIPPED')]: '1',
      [statusCountAttribute('PENDING')]: '2',
    });
  });
});

describe('unprocessed keys and items, as a throttled table returns them', () => {
  /**
   * A client whose BatchWriteItem and BatchGetItem calls pass on only the first half of their requests (at least one)
   * and hand back the rest as unprocessed, as DynamoDB does under throttling; entries of `stuck` are never processed.
   */
  function throttlingClient(stuck: (entryKey: string) => boolean) {
    const calls = { write: 0, get: 0 };
    const wrapper = Object.create(client) as DynamoDBClient;
    const send = client.send.bind(client) as (command: unknown) => Promise<unknown>;
    wrapper.send = (async (command: unknown) => {
      if (command instanceof BatchWriteItemCommand) {
        calls.write++;
        const [table, requests] = Object.entries(command.input.RequestItems!)[0]!;
        const possible = requests.filter((r) => !stuck(String(r.PutRequest!.Item!.pk!.S)));
        const taken = possible.slice(0, Math.max(1, Math.floor(possible.length / 2)));
        const rest = requests.filter((r) => !taken.includes(r));
        if (taken.length > 0) await send(new BatchWriteItemCommand({ RequestItems: { [table]: taken } }));
        return {
          UnprocessedItems: rest.length > 0 ? { [table]: structuredClone(rest) } : {},
          $metadata: {},
        } satisfies BatchWriteItemCommandOutput;
      }
      if (command instanceof BatchGetItemCommand) {
        calls.get++;
        const [table, request] = Object.entries(command.input.RequestItems!)[0]!;
        const keys = request.Keys!;
        const taken = keys.slice(0, Math.max(1, Math.floor(keys.length / 2)));
        const out = (await send(
          new BatchGetItemCommand({ RequestItems: { [table]: { ...request, Keys: taken } } }),
        )) as BatchGetItemCommandOutput;
        const rest = keys.slice(taken.length);
        return { ...out, UnprocessedKeys: rest.length > 0 ? { [table]: { ...request, Keys: rest } } : {} };
      }
      return send(command);
    }) as DynamoDBClient['send'];
    return { client: wrapper, calls };
  }

  it('retries unprocessed change-log items and ledger keys until every record is applied once', async () => {
    // Prepare: 30 books, so the change log takes two BatchWriteItem chunks and the ledger one BatchGetItem.
    const prefix = `up-${Date.now()}-`;
    const batch = Array.from({ length: 30 }, (_, n) =>
      insertRecord(booksTable(), ['isbn'], book(`${prefix}${n}`, `${prefix}author-${n % 3}`)),
    );
    const throttled = throttlingClient(() => false);

    // Act
    const response = await booksHandler(throttled.client)(streamEvent(batch));

    // Assess: halving per call, 25 items need 6 calls and 5 items 4; 30 keys need 6 calls.
    expect(response.batchItemFailures).toEqual([]);
    expect(throttled.calls).toEqual({ write: 10, get: 6 });
    expect(await statsOf(prefix)).toEqual(expectedBookCounts(batch));
    const logged = (await scanAll(client, `change-log-${stage}`)).filter((e) => String(e.pk).includes(prefix));
    expect(logged).toHaveLength(30);
  });

  it('fails the record whose entry stays unprocessed, so the response names it and nothing after it is counted', async () => {
    // Prepare
    const prefix = `us-${Date.now()}-`;
    const batch = Array.from({ length: 6 }, (_, n) => insertRecord(booksTable(), ['isbn'], book(`${prefix}${n}`, `${prefix}A`)));
    const throttled = throttlingClient((pk) => pk.includes(`${prefix}3`));
    const handler = createStreamHandler({
      actions: [
        changeLogAction({ client: throttled.client, tableName: `change-log-${stage}`, maxBatchAttempts: 3 }),
        authorStatsAction({ client, statsTable: authorStatsTable(), ledgerTable: `applied-changes-${stage}` }),
      ],
      logger: captureLogger('error').logger,
    });

    // Act
    const response = await handler(streamEvent(batch));

    // Assess
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: sequenceOf(batch[3]!) }]);
    expect(await statsOf(prefix)).toEqual({ [`${prefix}A`]: { bookCount: '3' } });
  });
});
