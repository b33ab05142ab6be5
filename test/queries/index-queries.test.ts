import { BatchWriteItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { InvalidCursorError } from '../../lib/data/errors.js';
import { createCursorCodec } from '../../lib/data/paging/cursor.js';
import { createBookQueries, type Book } from '../../lib/data/queries/book-queries.js';
import { createOrderQueries, type Order } from '../../lib/data/queries/order-queries.js';
import type { QueryPage } from '../../lib/data/queries/page-query.js';
import { booksByAuthorScope, ordersByStatusScope } from '../../lib/data/queries/table-keys.js';
import { tableDefinitions } from '../../lib/mapping/table-definition.js';
import { createStageTables, localClient, uniqueStage } from '../support/dynamodb.js';

const client: DynamoDBClient = localClient();
const stage = uniqueStage();
const booksTable = `books-${stage}`;
const ordersTable = `orders-${stage}`;
const cursorSecret = 'index-queries-test-secret-of-32-bytes';
const books = createBookQueries({ client, tableName: booksTable, cursorSecret });
const orders = createOrderQueries({ client, tableName: ordersTable, cursorSecret });
const adaTitles = ['Zeta', 'Alpha', 'Kappa', 'Delta', 'Omega', 'Beta', 'Gamma'];
const statuses = ['NEW', 'SHIPPED', 'SHIPPED', 'DELIVERED', 'SHIPPED', 'NEW', 'SHIPPED', 'DELIVERED', 'SHIPPED', 'NEW'];
let definitions: ReturnType<typeof tableDefinitions>;

async function putAll(tableName: string, items: Record<string, unknown>[]) {
  for (let i = 0; i < items.length; i += 25) {
    await client.send(
      new BatchWriteItemCommand({
        RequestItems: { [tableName]: items.slice(i, i + 25).map((item) => ({ PutRequest: { Item: marshall(item) } })) },
      }),
    );
  }
}

/** Follows cursors to the end and returns every page. */
async function allPages<T>(fetch: (cursor: string | undefined) => Promise<QueryPage<T>>): Promise<QueryPage<T>[]> {
  const pages: QueryPage<T>[] = [];
  let cursor: string | undefined;
  do {
    const page = await fetch(cursor);
    pages.push(page);
    cursor = page.cursor;
  } while (cursor !== undefined && pages.length < 50);
  return pages;
}

beforeAll(async () => {
  definitions = tableDefinitions((await createStageTables(client, stage)).resources);
  await putAll(booksTable, [
    ...adaTitles.map((title, i) => ({ isbn: `978-0-${i}`, author: 'Ada', title })),
    ...['Uno', 'Dos', 'Tres'].map((title, i) => ({ isbn: `978-1-${i}`, author: 'Bob', title })),
  ]);
  await putAll(ordersTable, [
    ...statuses.map((orderStatus, i) => ({
      customerId: 'c1',
      orderDate: `2026-01-${String(i + 1).padStart(2, '0')}T10:00:00Z`,
      orderStatus,
      total: 10 + i,
    })),
    { customerId: 'c2', orderDate: '2026-01-05T10:00:00Z', orderStatus: 'SHIPPED', total: 1 },
  ]);
});

describe('index queries', () => {
  it('lists the books of an author in title order through byAuthor, page by page', async () => {
    // Act
    const pages = await allPages((cursor) => books.byAuthor('Ada', { limit: 3, cursor }));

    // Assess
    expect(pages.map((page) => page.items.map((book: Book) => book.title))).toEqual([
      ['Alpha', 'Beta', 'Delta'],
      ['Gamma', 'Kappa', 'Omega'],
      ['Zeta'],
    ]);
    expect(pages.at(-1)!.cursor).toBeUndefined();
    expect(pages.slice(0, -1).every((page) => typeof page.cursor === 'string')).toBe(true);
  });

  it('lists the books of an author in reverse title order when asked', async () => {
    // Act
    const page = await books.byAuthor('Ada', { limit: 10, descending: true });

    // Assess
    expect(page.items.map((book) => book.title)).toEqual([...adaTitles].sort().reverse());
    expect(page.cursor).toBeUndefined();
  });

  it('lists the orders of a customer in date order across pages', async () => {
    // Act
    const pages = await allPages((cursor) => orders.byCustomer('c1', { limit: 4, cursor }));

    // Assess
    const dates = pages.flatMap((page) => page.items.map((order: Order) => order.orderDate));
    expect(dates).toHaveLength(10);
    expect(dates).toEqual([...dates].sort());
    expect(pages.map((page) => page.items.length)).toEqual([4, 4, 2]);
  });

  it.each([
    ['both bounds (BETWEEN, inclusive)', { from: '2026-01-03', to: '2026-01-07T23:59:59Z' }, ['03', '04', '05', '06', '07']],
    ['a lower bound only', { from: '2026-01-08' }, ['08', '09', '10']],
    ['an upper bound only', { to: '2026-01-02T10:00:00Z' }, ['01', '02']],
    ['a range with no orders', { from: '2026-02-01', to: '2026-02-28' }, []],
  ])('lists the orders of a customer within %s', async (_label, range, days) => {
    // Act
    const pages = await allPages((cursor) => orders.byCustomer('c1', { ...range, limit: 2, cursor }));

    // Assess
    expect(pages.flatMap((page) => page.items.map((order) => order.orderDate.slice(8, 10)))).toEqual(days);
  });

  it('lists the newest orders first when asked', async () => {
    // Act
    const page = await orders.byCustomer('c1', { limit: 3, newestFirst: true });

    // Assess
    expect(page.items.map((order) => order.orderDate.slice(8, 10))).toEqual(['10', '09', '08']);
  });

  it('lists the orders of a customer by status through the LSI byStatus', async () => {
    // Act
    const pages = await allPages((cursor) => orders.byStatus('c1', 'SHIPPED', { limit: 2, cursor }));

    // Assess
    const shipped = pages.flatMap((page) => page.items);
    expect(shipped).toHaveLength(5);
    expect(shipped.every((order) => order.customerId === 'c1' && order.orderStatus === 'SHIPPED')).toBe(true);
    expect(new Set(shipped.map((order) => order.orderDate)).size).toBe(5);
  });

  it('keeps its key schemas in step with serverless.yml', () => {
    // Prepare
    const booksDefinition = definitions.find((d) => d.logicalId === 'BooksTable')!.create;
    const ordersDefinition = definitions.find((d) => d.logicalId === 'OrdersTable')!.create;

    // Assess
    expect(booksByAuthorScope(booksTable).tableKeySchema).toEqual(booksDefinition.KeySchema);
    expect(booksByAuthorScope(booksTable).indexKeySchema).toEqual(
      booksDefinition.GlobalSecondaryIndexes!.find((i) => i.IndexName === 'byAuthor')!.KeySchema,
    );
    expect(ordersByStatusScope(ordersTable).tableKeySchema).toEqual(ordersDefinition.KeySchema);
    expect(ordersByStatusScope(ordersTable).indexKeySchema).toEqual(
      ordersDefinition.LocalSecondaryIndexes!.find((i) => i.IndexName === 'byStatus')!.KeySchema,
    );
  });
});

describe('index query cursors', () => {
  const cursorOf = async (fetch: () => Promise<QueryPage<unknown>>) => (await fetch()).cursor!;

  it.each<[string, () => Promise<string>, () => (cursor: string) => Promise<unknown>, string]>([
    [
      'a cursor of another author',
      () => cursorOf(() => books.byAuthor('Ada', { limit: 2 })),
      () => (cursor) => books.byAuthor('Bob', { cursor }),
      'foreign',
    ],
    [
      'a cursor of the date query on the status index',
      () => cursorOf(() => orders.byCustomer('c1', { limit: 2 })),
      () => (cursor) => orders.byStatus('c1', 'SHIPPED', { cursor }),
      'foreign',
    ],
    [
      'a cursor of another date range',
      () => cursorOf(() => orders.byCustomer('c1', { limit: 2, from: '2026-01-02' })),
      () => (cursor) => orders.byCustomer('c1', { cursor }),
      'foreign',
    ],
    [
      'a books cursor on orders',
      () => cursorOf(() => books.byAuthor('Ada', { limit: 2 })),
      () => (cursor) => orders.byCustomer('c1', { cursor }),
      'foreign',
    ],
    [
      "a cursor of another stage's table",
      async () =>
        createCursorCodec(booksByAuthorScope('books-prod'), { secret: cursorSecret }).encode(
          { isbn: { S: '1' }, author: { S: 'Ada' }, title: { S: 'T' } },
          JSON.stringify(['byAuthor', 'Ada', false]),
        )!,
      () => (cursor) => books.byAuthor('Ada', { cursor }),
      'foreign',
    ],
    [
      'a tampered cursor',
      async () => `${(await cursorOf(() => books.byAuthor('Ada', { limit: 2 }))).slice(0, -2)}AA`,
      () => (cursor) => books.byAuthor('Ada', { cursor }),
      'tampered',
    ],
    ['garbage', async () => 'not-a-cursor', () => (cursor) => books.byAuthor('Ada', { cursor }), 'malformed'],
  ])('refuses %s with an InvalidCursorError (%#)', async (_label, makeCursor, makeFetch, reason) => {
    // Prepare
    const cursor = await makeCursor();

    // Act
    const outcome = await makeFetch()(cursor).then(
      () => undefined,
      (error: unknown) => error,
    );

    // Assess
    expect(outcome).toBeInstanceOf(InvalidCursorError);
    expect((outcome as InvalidCursorError).reason).toBe(reason);
  });

  it('refuses a limit out of range', async () => {
    // Act / Assess
    await expect(books.byAuthor('Ada', { limit: 0 })).rejects.toThrow(RangeError);
    await expect(books.byAuthor('Ada', { limit: 1001 })).rejects.toThrow(RangeError);
  });
});
