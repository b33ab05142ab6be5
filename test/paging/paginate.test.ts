import { BatchWriteItemCommand, PutItemCommand, type DynamoDBClient, type QueryCommandInput } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { queryItems, queryPages, scanItems, scanPages, type Page } from '../../lib/data/paging/paginate.js';
import { ensureTable } from '../../lib/data/ensure-table.js';
import { localClient, uniqueStage } from '../support/dynamodb.js';

const client: DynamoDBClient = localClient();
const tableName = `paging-${uniqueStage()}`;

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const value of iterable) out.push(value);
  return out;
}

async function putAll(items: Record<string, unknown>[]): Promise<void> {
  for (let i = 0; i < items.length; i += 25) {
    await client.send(
      new BatchWriteItemCommand({
        RequestItems: { [tableName]: items.slice(i, i + 25).map((item) => ({ PutRequest: { Item: marshall(item) } })) },
      }),
    );
  }
}

const partition = (p: string): QueryCommandInput => ({
  TableName: tableName,
  KeyConditionExpression: 'p = :p',
  ExpressionAttributeValues: marshall({ ':p': p }),
});

beforeAll(async () => {
  await ensureTable(client, {
    logicalId: 'PagingTable',
    pointInTimeRecovery: false,
    create: {
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'p', AttributeType: 'S' },
        { AttributeName: 's', AttributeType: 'N' },
      ],
      KeySchema: [
        { AttributeName: 'p', KeyType: 'HASH' },
        { AttributeName: 's', KeyType: 'RANGE' },
      ],
    },
  });
  // Partition "filter": 20 items, only the last three have keep = true.
  await putAll(Array.from({ length: 20 }, (_, i) => ({ p: 'filter', s: i + 1, n: i + 1, keep: i >= 17 })));
  // Partition "plain": 10 small items.
  await putAll(Array.from({ length: 10 }, (_, i) => ({ p: 'plain', s: i + 1 })));
});

describe('Query pages under DynamoDB rules', () => {
  it('Limit caps the items evaluated before the filter: pages hold fewer than Limit, even zero, while more remain', async () => {
    // Prepare
    const input: QueryCommandInput = {
      ...partition('filter'),
      FilterExpression: 'keep = :t',
      ExpressionAttributeValues: marshall({ ':p': 'filter', ':t': true }),
    };

    // Act
    const pages = await collect(queryPages(client, input, { pageSize: 5 }));

    // Assess
    expect(pages[0]!.items).toEqual([]);
    expect(pages[0]!.count).toBe(0);
    expect(pages[0]!.scannedCount).toBe(5);
    expect(pages[0]!.lastEvaluatedKey).toBeDefined();
    expect(pages.every((page) => page.scannedCount <= 5)).toBe(true);
    expect(pages.flatMap((page) => page.items.map((item) => item.s))).toEqual([18, 19, 20]);
    // Only the last page lacks a LastEvaluatedKey; an exactly full page still has one.
    expect(pages.slice(0, -1).every((page) => page.lastEvaluatedKey !== undefined)).toBe(true);
    expect(pages.at(-1)!.lastEvaluatedKey).toBeUndefined();
    expect(pages.length).toBe(5);
    expect(pages[3]!.scannedCount).toBe(5);
    expect(pages[4]!.scannedCount).toBe(0);
  });

  it('maxItems never overshoots, even with a filter, and the last page key resumes exactly', async () => {
    // Prepare
    const input: QueryCommandInput = {
      ...partition('filter'),
      FilterExpression: 'n > :min',
      ExpressionAttributeValues: marshall({ ':p': 'filter', ':min': 4 }),
    };

    // Act
    const first = await collect(queryPages(client, input, { pageSize: 7, maxItems: 6 }));
    const rest = await collect(queryItems(client, input, { startKey: first.at(-1)!.lastEvaluatedKey }));

    // Assess
    const firstItems = first.flatMap((page) => page.items.map((item) => item.s));
    expect(firstItems).toEqual([5, 6, 7, 8, 9, 10]);
    expect(rest.map((item) => item.s)).toEqual([11, 12, 13, 14, 15, 16, 17, 18, 19, 20]);
  });

  it('maxPages stops after that many pages and startKey continues from a page key', async () => {
    // Prepare
    const input = partition('plain');

    // Act
    const firstTwo = await collect(queryPages(client, input, { pageSize: 3, maxPages: 2 }));
    const remaining = await collect(queryPages(client, input, { pageSize: 3, startKey: firstTwo[1]!.lastEvaluatedKey }));

    // Assess
    expect(firstTwo.map((page) => page.items.map((item) => item.s))).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(remaining.map((page) => page.items.map((item) => item.s))).toEqual([[7, 8, 9], [10]]);
    expect(remaining.at(-1)!.lastEvaluatedKey).toBeUndefined();
  });

  it("never changes the caller's input", async () => {
    // Prepare
    const input: QueryCommandInput = { ...partition('plain'), Limit: 4 };
    const before = structuredClone(input);
    Object.freeze(input);

    // Act
    const items = await collect(queryItems(client, input, { maxItems: 9 }));

    // Assess
    expect(items.map((item) => item.s)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(input).toEqual(before);
  });

  it('uses the input Limit as the page size when no pageSize is given', async () => {
    // Act
    const pages = await collect(queryPages(client, { ...partition('plain'), Limit: 4 }));

    // Assess
    expect(pages.map((page) => page.count)).toEqual([4, 4, 2]);
  });
});

describe('Scan pages under the 1 MB rule', () => {
  it('a page stops at 1 MB of data read even when Limit is larger', async () => {
    // Prepare: six items of about 350 KB in a table of their own
    const bigTable = `${tableName}-big`;
    await ensureTable(client, {
      logicalId: 'BigTable',
      pointInTimeRecovery: false,
      create: {
        TableName: bigTable,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      },
    });
    const payload = 'x'.repeat(350 * 1024);
    for (let i = 0; i < 6; i += 1)
      await client.send(new PutItemCommand({ TableName: bigTable, Item: marshall({ id: `big-${i}`, payload }) }));

    // Act
    const pages: Page[] = await collect(scanPages(client, { TableName: bigTable, ProjectionExpression: 'id' }, { pageSize: 100 }));

    // Assess
    expect(pages[0]!.count).toBeGreaterThan(0);
    expect(pages[0]!.count).toBeLessThan(6);
    expect(pages[0]!.lastEvaluatedKey).toBeDefined();
    expect(pages.length).toBeGreaterThan(1);
    expect(pages.flatMap((page) => page.items.map((item) => item.id)).sort()).toEqual([
      'big-0',
      'big-1',
      'big-2',
      'big-3',
      'big-4',
      'big-5',
    ]);
    expect(pages.at(-1)!.lastEvaluatedKey).toBeUndefined();
  });

  it('scans item by item across pages', async () => {
    // Act
    const items = await collect(scanItems(client, { TableName: tableName }, { pageSize: 7 }));

    // Assess
    expect(items).toHaveLength(30);
  });
});
