import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { DescribeTableCommand, PutItemCommand, DeleteItemCommand, UpdateItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createDynamoDBStreamsClient } from '../../lib/mapping/streams-client.js';
import { marshall } from '@aws-sdk/util-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Action } from '../../lib/runtime/dispatch/action.js';
import { createStreamHandler } from '../../lib/runtime/dispatch/stream-handler.js';
import { createLogger, type LogLevel } from '../../lib/runtime/logging/logger.js';
import { deliveredStreamArn, type LambdaStreamRecord } from '../../lib/mapping/lambda-record.js';
import { readWholeStream } from '../../lib/tools/redrive/stream-reader.js';
import { createStageTables, dynamodbEndpoint, localClient, uniqueStage } from '../support/dynamodb.js';

/*
 * Items carry a sentinel personal value (an e-mail address, a phone number, a name) in non-key
 * attributes. They are written to DynamoDB Local, their real stream records are read back and run
 * through the functions' real actions (log, change log, statistics). At info level no log line may
 * contain a sentinel; at debug level the images are logged, so the sentinel must appear (which shows
 * the test looks in the right place and can fail).
 */
const EMAIL = 'jane.sentinel.7f3a@example.com';
const PHONE = '+44 7700 900 7f3a';
const NAME = 'Sentinelia Q. Privatova';
const SENTINELS = [EMAIL, PHONE, NAME];

const stage = uniqueStage('sec');
let client: DynamoDBClient;
let books: LambdaStreamRecord[];
let orders: LambdaStreamRecord[];
let booksActions: readonly Action[];
let ordersActions: readonly Action[];

async function streamRecords(table: string): Promise<LambdaStreamRecord[]> {
  const described = await client.send(new DescribeTableCommand({ TableName: table }));
  const streams = createDynamoDBStreamsClient({ endpoint: dynamodbEndpoint() });
  const arn = described.Table!.LatestStreamArn!;
  return readWholeStream({
    streams,
    streamArn: arn,
    eventSourceArn: deliveredStreamArn(arn, 'us-east-1', '123456789012'),
    region: 'us-east-1',
  });
}

async function run(actions: readonly Action[], records: LambdaStreamRecord[], level: LogLevel) {
  const lines: string[] = [];
  const handler = createStreamHandler({ actions, logger: createLogger({ level, write: (line) => lines.push(line) }) });
  const response = await handler({ Records: records } as never, { awsRequestId: 'security', getRemainingTimeInMillis: () => 60_000 });
  return { lines, response };
}

beforeAll(async () => {
  client = localClient();
  await createStageTables(client, stage);
  // The functions' own action lists, configured as serverless.yml configures them for this stage.
  Object.assign(process.env, {
    DYNAMODB_ENDPOINT: dynamodbEndpoint(),
    AWS_REGION: 'us-east-1',
    CHANGE_LOG_TABLE: `change-log-${stage}`,
    APPLIED_CHANGES_TABLE: `applied-changes-${stage}`,
    AUTHOR_STATS_TABLE: `author-stats-${stage}`,
    CUSTOMER_STATS_TABLE: `customer-stats-${stage}`,
  });
  booksActions = (await import('../../functions/books-stream.js')).actions;
  ordersActions = (await import('../../functions/orders-stream.js')).actions;

  // Prepare: inserts, updates and deletes carrying the sentinels in every image.
  const put = (table: string, item: Record<string, unknown>) => client.send(new PutItemCommand({ TableName: table, Item: marshall(item) }));
  const book = {
    isbn: '978-0-00-000001-1',
    title: 'Private Lives',
    author: 'A. Author',
    reviewerEmail: EMAIL,
    notes: { reviewer: { name: NAME, phone: PHONE } },
  };
  await put(`books-${stage}`, book);
  await client.send(
    new UpdateItemCommand({
      TableName: `books-${stage}`,
      Key: marshall({ isbn: book.isbn }),
      UpdateExpression: 'SET author = :a, contacts = :c',
      ExpressionAttributeValues: marshall({ ':a': 'B. Author', ':c': [EMAIL, PHONE] }),
    }),
  );
  await client.send(new DeleteItemCommand({ TableName: `books-${stage}`, Key: marshall({ isbn: book.isbn }) }));
  const order = {
    customerId: 'c-0001',
    orderDate: '2026-11-24T10:00:00Z',
    orderStatus: 'PLACED',
    total: 42.5,
    shipTo: { name: NAME, email: EMAIL, phone: PHONE },
  };
  await put(`orders-${stage}`, order);
  await put(`orders-${stage}`, { ...order, orderStatus: 'SHIPPED', total: 40 });
  await client.send(
    new DeleteItemCommand({ TableName: `orders-${stage}`, Key: marshall({ customerId: order.customerId, orderDate: order.orderDate }) }),
  );

  books = await streamRecords(`books-${stage}`);
  orders = await streamRecords(`orders-${stage}`);
});

describe('personal data in logs', () => {
  it('the stream records really carry the sentinels (so the test below is meaningful)', () => {
    expect(books.map((r) => r.eventName)).toEqual(['INSERT', 'MODIFY', 'REMOVE']);
    expect(orders.map((r) => r.eventName)).toEqual(['INSERT', 'MODIFY', 'REMOVE']);
    for (const sentinel of SENTINELS) expect(JSON.stringify([books, orders])).toContain(sentinel);
  });

  it.each([
    ['booksStream', () => booksActions, () => books],
    ['ordersStream', () => ordersActions, () => orders],
  ])('%s at info level: every record processed, no log line holds a sentinel', async (_name, actions, records) => {
    // Act
    const { lines, response } = await run(actions(), records(), 'info');
    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(lines.length).toBeGreaterThanOrEqual(records().length);
    for (const line of lines) for (const sentinel of SENTINELS) expect(line, `a log line leaks "${sentinel}"`).not.toContain(sentinel);
  });

  it.each([
    ['booksStream', () => booksActions, () => books],
    ['ordersStream', () => ordersActions, () => orders],
  ])('%s at debug level logs the images, so the sentinels appear', async (_name, actions, records) => {
    // Act
    const { lines } = await run(actions(), records(), 'debug');
    // Assess
    for (const sentinel of SENTINELS)
      expect(
        lines.some((line) => line.includes(sentinel)),
        `no debug line holds "${sentinel}"`,
      ).toBe(true);
  });

  it('a failing action at info level logs keys and the error, not the images', async () => {
    // Prepare: a book without an author string makes authorStats throw.
    const [insert] = books;
    const broken = structuredClone(insert!);
    broken.dynamodb.SequenceNumber = `${BigInt(insert!.dynamodb.SequenceNumber) + 10_000_000n}`.padStart(21, '0');
    broken.dynamodb.Keys = { isbn: { S: '978-0-00-000009-9' } };
    broken.dynamodb.NewImage = { ...broken.dynamodb.NewImage, isbn: { S: '978-0-00-000009-9' }, author: { N: '7' } };
    // Act
    const { lines, response } = await run(booksActions, [broken], 'info');
    // Assess
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: broken.dynamodb.SequenceNumber }] });
    expect(lines.some((line) => line.includes('"action failed"'))).toBe(true);
    for (const line of lines) for (const sentinel of SENTINELS) expect(line).not.toContain(sentinel);
  });

  it('a malformed attribute value holding personal data is not quoted in the error log (info level)', async () => {
    // Prepare: a phone number sent as an N value, which is not a number: the record is malformed.
    const [insert] = books;
    const broken = structuredClone(insert!);
    broken.dynamodb.SequenceNumber = `${BigInt(insert!.dynamodb.SequenceNumber) + 20_000_000n}`.padStart(21, '0');
    broken.dynamodb.NewImage = { ...broken.dynamodb.NewImage, phone: { N: PHONE } };
    // Act
    const { lines, response } = await run(booksActions, [broken], 'info');
    // Assess: reported as failed, the field named, the value itself not logged.
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: broken.dynamodb.SequenceNumber }] });
    expect(lines.some((line) => line.includes('dynamodb.NewImage.phone'))).toBe(true);
    for (const line of lines) expect(line, 'the error message quotes the attribute value').not.toContain(PHONE);
  });

  it.each([
    ['info', false],
    ['debug', true],
  ])('the deployed handler module in its own process at LOG_LEVEL=%s: sentinels on stdout = %s', (level, expected) => {
    // Prepare: the environment serverless.yml gives booksStream, with the level under test.
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      LOG_LEVEL: level,
      DYNAMODB_ENDPOINT: dynamodbEndpoint(),
      AWS_REGION: 'us-east-1',
      CHANGE_LOG_TABLE: `change-log-${stage}`,
      APPLIED_CHANGES_TABLE: `applied-changes-${stage}`,
      AUTHOR_STATS_TABLE: `author-stats-${stage}`,
    };
    // Act
    const run = spawnSync(resolve(__dirname, '..', '..', 'node_modules', '.bin', 'tsx'), [resolve(__dirname, 'run-handler.ts')], {
      input: JSON.stringify({ module: 'functions/books-stream.ts', event: { Records: books } }),
      env,
      encoding: 'utf8',
      timeout: 60_000,
    });
    // Assess
    expect(run.stderr).toContain('RESPONSE {"batchItemFailures":[]}');
    const lines = run.stdout.split('\n').filter((line) => line.startsWith('{'));
    expect(lines.length).toBeGreaterThanOrEqual(books.length);
    for (const sentinel of SENTINELS)
      expect(
        lines.some((line) => line.includes(sentinel)),
        `stdout holds "${sentinel}"`,
      ).toBe(expected);
  });
});
