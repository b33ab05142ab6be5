import { DescribeTableCommand, DescribeTimeToLiveCommand, paginateListTables } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { createStageTables, localClient, uniqueStage } from '../support/dynamodb.js';

describe('DynamoDB Local with the tables of serverless.yml', () => {
  it('creates every table with keys, indexes, stream and TTL as declared', async () => {
    // Prepare
    const client = localClient();
    const stage = uniqueStage();

    // Act
    await createStageTables(client, stage);
    // ListTables answers 100 names a page, and the whole test run shares this DynamoDB Local.
    const tables: string[] = [];
    for await (const page of paginateListTables({ client }, {})) tables.push(...(page.TableNames ?? []));
    const books = (await client.send(new DescribeTableCommand({ TableName: `books-${stage}` }))).Table!;
    const orders = (await client.send(new DescribeTableCommand({ TableName: `orders-${stage}` }))).Table!;
    const changeLogTtl = await client.send(new DescribeTimeToLiveCommand({ TableName: `change-log-${stage}` }));

    // Assess
    expect(tables).toEqual(
      expect.arrayContaining([
        `books-${stage}`,
        `orders-${stage}`,
        `author-stats-${stage}`,
        `customer-stats-${stage}`,
        `change-log-${stage}`,
        `applied-changes-${stage}`,
      ]),
    );
    expect(books.GlobalSecondaryIndexes?.map((i) => i.IndexName)).toEqual(['byAuthor']);
    expect(books.StreamSpecification).toEqual({ StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' });
    expect(books.LatestStreamArn).toMatch(/^arn:aws:dynamodb:.*:table\/books-.*\/stream\//);
    expect(orders.KeySchema).toEqual([
      { AttributeName: 'customerId', KeyType: 'HASH' },
      { AttributeName: 'orderDate', KeyType: 'RANGE' },
    ]);
    expect(orders.LocalSecondaryIndexes?.map((i) => i.IndexName)).toEqual(['byStatus']);
    expect(changeLogTtl.TimeToLiveDescription).toMatchObject({ TimeToLiveStatus: 'ENABLED', AttributeName: 'expiresAt' });
  });

  it('accepts an existing identical table a second time', async () => {
    // Prepare
    const client = localClient();
    const stage = uniqueStage();
    await createStageTables(client, stage);

    // Act / Assess
    await expect(createStageTables(client, stage)).resolves.toBeDefined();
  });
});
