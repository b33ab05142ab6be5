import { readJsonLines } from '../support/read-json-lines.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DeleteItemCommand, GetItemCommand, PutItemCommand, QueryCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { changeLogPartitionKey } from '../../lib/runtime/actions/change-log-entry.js';
import { itemKeyText } from '../../lib/runtime/change/item-key.js';
import { createDynamoDBClient } from '../../lib/runtime/dynamodb/client.js';
import { ConfigurationError } from '../../lib/runtime/errors.js';
import { createLogger } from '../../lib/runtime/logging/logger.js';
import { startLocalStack, type LocalStack } from '../../lib/local/stack/local-stack.js';
import { loadStackConfig, type StackConfig } from '../../lib/local/stack/stack-config.js';
import { uniqueStage } from '../support/dynamodb.js';
import { observedTable } from './fixtures/observed-table.js';
import { until } from '../support/until.js';

const projectDir = resolve(__dirname, '..', '..');

interface Observed {
  receivedAt: number;
  eventName: string;
  eventSourceARN: string;
  keys: Record<string, { S?: string }>;
  sequenceNumber: string;
  approximateCreationDateTime: number;
  userIdentity?: { type: string; principalId: string };
}

/** serverless.yml for a fresh stage, plus a test table with TTL and a stream, observed by a tiny handler. */
function testConfig(stage: string, observerFile: string): StackConfig {
  const config = loadStackConfig({ projectDir, stage });
  config.resources.ObservedTable = observedTable(stage, { ttl: true });
  config.functions.observer = {
    handler: 'test/e2e/fixtures/observer.handler',
    timeout: 10,
    environment: { OBSERVER_FILE: observerFile },
    events: [
      {
        stream: {
          type: 'dynamodb',
          arn: { 'Fn::GetAtt': ['ObservedTable', 'StreamArn'] },
          batchSize: 100,
          startingPosition: 'TRIM_HORIZON',
        },
      },
    ],
  };
  return config;
}

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

// A busy machine (two cores, other suites running) makes JVM starts and cold starts slow: generous limits, no time assertions.
describe('local stack: DynamoDB Local, tables, mappings, real handlers', { timeout: 180_000 }, () => {
  const stage = uniqueStage('e2e');
  const work = mkdtempSync(join(tmpdir(), 'local-stack-'));
  const observerFile = join(work, 'observed.jsonl');
  const logs: string[] = [];
  let stack: LocalStack;
  let client: DynamoDBClient;

  const observed = (): Observed[] => readJsonLines<Observed>(observerFile);
  const observedFor = (pk: string, eventName: string) => observed().find((o) => o.keys.pk?.S === pk && o.eventName === eventName);

  beforeAll(async () => {
    stack = await startLocalStack({
      projectDir,
      config: testConfig(stage, observerFile),
      port: 0,
      inMemory: true,
      stateDir: work,
      ttlIntervalMs: 250,
      healthIntervalMs: 250,
      watch: false,
      logger: createLogger({ level: 'info', write: (line) => logs.push(line) }),
      handlerOutput: () => undefined,
    });
    client = createDynamoDBClient({ endpoint: stack.endpoint });
  }, 240_000);

  afterAll(async () => {
    // E2E_LOG_FILE keeps the stack's log lines for a look after a failure.
    if (process.env.E2E_LOG_FILE) writeFileSync(process.env.E2E_LOG_FILE, logs.join(''));
    client?.destroy();
    await stack?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('creates every table and one mapping per stream event, and says where everything is', () => {
    // Assess
    expect(stack.tables.map((t) => t.create.TableName)).toContain(`books-${stage}`);
    expect(stack.mappings.map((m) => `${m.functionName}<-${m.settings.tableName}`)).toEqual([
      `booksStream<-books-${stage}`,
      `ordersStream<-orders-${stage}`,
      `observer<-observed-${stage}`,
    ]);
    const summary = stack.summary();
    expect(summary).toContain(stack.endpoint);
    expect(summary).toContain('booksStream <- books-');
    expect(summary).toContain(`observed-${stage}.expiresAt`);
    expect(summary).toContain('dead-letters');
  });

  it('a write with the AWS SDK reaches the real booksStream handler, whose effects become visible', async () => {
    // Prepare
    const isbn = `978-${Date.now()}`;
    const author = `Author ${stage}`;
    const started = Date.now();
    // Act
    await client.send(
      new PutItemCommand({ TableName: `books-${stage}`, Item: { isbn: { S: isbn }, title: { S: 'Local' }, author: { S: author } } }),
    );
    const stats = await until(
      async () => (await client.send(new GetItemCommand({ TableName: `author-stats-${stage}`, Key: { author: { S: author } } }))).Item,
      60_000,
      'the author-stats row',
    );
    const visibleMs = Date.now() - started;
    const changeLog = await client.send(
      new QueryCommand({
        TableName: `change-log-${stage}`,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: changeLogPartitionKey(`books-${stage}`, itemKeyText({ isbn })) } },
      }),
    );
    // Assess
    expect(stats.bookCount).toEqual({ N: '1' });
    process.stdout.write(
      `[e2e] booksStream: write to author-stats visible after ${visibleMs} ms ` +
        `(batchWindow ${stack.mappings[0]!.settings.batchWindowSeconds} s, cold start included)\n`,
    );
    expect(changeLog.Items?.map((entry) => entry.eventName?.S)).toEqual(['INSERT']);

    // Warm: five more books by the same author, one after another; each time until the count shows it.
    const warm: number[] = [];
    for (let n = 2; n <= 6; n += 1) {
      const writeStarted = Date.now();
      await client.send(
        new PutItemCommand({
          TableName: `books-${stage}`,
          Item: { isbn: { S: `${isbn}-${n}` }, title: { S: `Local ${n}` }, author: { S: author } },
        }),
      );
      await until(
        async () => {
          const row = (await client.send(new GetItemCommand({ TableName: `author-stats-${stage}`, Key: { author: { S: author } } }))).Item;
          return row?.bookCount?.N === String(n) ? row : undefined;
        },
        60_000,
        `bookCount ${n}`,
      );
      warm.push(Date.now() - writeStarted);
    }
    warm.sort((a, b) => a - b);
    process.stdout.write(
      `[e2e] booksStream warm: write to visible author-stats, median ${warm[2]} ms over 5 writes (${warm.join(', ')} ms)\n`,
    );
  });

  it('delivers records exactly as Lambda does: stream ARN with the configured region, creation time in epoch seconds', async () => {
    // Prepare
    const pk = `shape-${Date.now()}`;
    // Act
    await client.send(new PutItemCommand({ TableName: `observed-${stage}`, Item: { pk: { S: pk } } }));
    const record = await until(() => observedFor(pk, 'INSERT'), 30_000, 'the INSERT');
    // Assess
    expect(record.eventSourceARN).toMatch(new RegExp(`^arn:aws:dynamodb:us-east-1:\\d{12}:table/observed-${stage}/stream/.+`));
    expect(typeof record.approximateCreationDateTime).toBe('number');
    expect(Math.abs(record.approximateCreationDateTime - Date.now() / 1000)).toBeLessThan(60);
    expect(record.userIdentity).toBeUndefined();
  });

  it('expires items whose TTL has passed; the REMOVE carries the TTL userIdentity, an ordinary delete does not', async () => {
    // Prepare
    const now = Math.floor(Date.now() / 1000);
    const expired = `ttl-${Date.now()}`;
    const living = `ttl-living-${Date.now()}`;
    const deleted = `deleted-${Date.now()}`;
    // Act
    await client.send(
      new PutItemCommand({ TableName: `observed-${stage}`, Item: { pk: { S: expired }, expiresAt: { N: String(now - 5) } } }),
    );
    await client.send(
      new PutItemCommand({ TableName: `observed-${stage}`, Item: { pk: { S: living }, expiresAt: { N: String(now + 3600) } } }),
    );
    await client.send(new PutItemCommand({ TableName: `observed-${stage}`, Item: { pk: { S: deleted } } }));
    await client.send(new DeleteItemCommand({ TableName: `observed-${stage}`, Key: { pk: { S: deleted } } }));
    const ttlRemove = await until(() => observedFor(expired, 'REMOVE'), 30_000, 'the TTL REMOVE');
    const ordinaryRemove = await until(() => observedFor(deleted, 'REMOVE'), 30_000, 'the ordinary REMOVE');
    await stack.ttl.sweep();
    // Assess
    expect(ttlRemove.userIdentity).toEqual({ type: 'Service', principalId: 'dynamodb.amazonaws.com' });
    expect(ordinaryRemove.userIdentity).toBeUndefined();
    const stillThere = await client.send(new GetItemCommand({ TableName: `observed-${stage}`, Key: { pk: { S: living } } }));
    expect(stillThere.Item).toBeDefined();
  });

  it('measures the median write-to-handler latency over 50 writes', async () => {
    // Prepare
    const prefix = `lat-${Date.now()}-`;
    const writtenAt = new Map<string, number>();
    // Act: one write every 50 ms, as an application would write, not in a burst
    for (let i = 0; i < 50; i += 1) {
      const pk = `${prefix}${i}`;
      writtenAt.set(pk, Date.now());
      await client.send(new PutItemCommand({ TableName: `observed-${stage}`, Item: { pk: { S: pk } } }));
      await wait(50);
    }
    const records = await until(
      () => {
        const seen = observed().filter((o) => o.eventName === 'INSERT' && o.keys.pk?.S?.startsWith(prefix));
        return seen.length === 50 ? seen : undefined;
      },
      60_000,
      'all 50 INSERTs',
    );
    // Assess
    const latencies = records.map((o) => o.receivedAt - writtenAt.get(o.keys.pk!.S!)!).sort((a, b) => a - b);
    const median = (latencies[24]! + latencies[25]!) / 2;
    process.stdout.write(
      `[e2e] write-to-handler latency over 50 writes: median ${median} ms, p90 ${latencies[44]} ms, max ${latencies[49]} ms ` +
        `(poll interval 250 ms, batchWindow 0)\n`,
    );
    expect(latencies.every((l) => l >= 0)).toBe(true);
  });

  it('recovers when DynamoDB Local dies: restarts it, recreates the in-memory tables, and the mappings deliver again', async () => {
    // Prepare
    const pid = stack.dynamodbPid!;
    // Act
    process.kill(pid, 'SIGKILL');
    await until(() => (stack.dynamodbPid !== pid ? true : undefined), 120_000, 'a new DynamoDB Local process');
    await stack.whenHealthy();
    const pk = `after-restart-${Date.now()}`;
    await client.send(new PutItemCommand({ TableName: `observed-${stage}`, Item: { pk: { S: pk } } }));
    const record = await until(() => observedFor(pk, 'INSERT'), 60_000, 'the INSERT after the restart');
    // Assess
    expect(record.keys.pk?.S).toBe(pk);
    expect(logs.some((line) => line.includes('restarting it'))).toBe(true);
    expect(logs.some((line) => line.includes('is back at'))).toBe(true);
  });
});

describe('local stack: misconfiguration', () => {
  it.each([
    ['an unknown table', { 'Fn::GetAtt': ['NoSuchTable', 'StreamArn'] }, /function "booksStream".*arn.*NoSuchTable/],
    [
      'a table without a stream',
      { 'Fn::GetAtt': ['AuthorStatsTable', 'StreamArn'] },
      /function "booksStream".*AuthorStatsTable.*StreamSpecification/,
    ],
  ])('stops before starting anything when a stream event names %s', async (_case, arn, message) => {
    // Prepare
    const config = loadStackConfig({ projectDir, stage: uniqueStage('bad') });
    const events = config.functions.booksStream!.events as { stream: Record<string, unknown> }[];
    events[0]!.stream.arn = arn;
    // Act
    const starting = startLocalStack({
      projectDir,
      config,
      port: 0,
      inMemory: true,
      watch: false,
      logger: createLogger({ level: 'silent' }),
    });
    // Assess
    await expect(starting).rejects.toThrow(ConfigurationError);
    await expect(starting).rejects.toThrow(message);
  });

  it('names the function and the setting when a value is out of range', async () => {
    // Prepare
    const config = loadStackConfig({ projectDir, stage: uniqueStage('bad') });
    (config.functions.ordersStream!.events as { stream: Record<string, unknown> }[])[0]!.stream.batchSize = 20_000;
    // Act
    const starting = startLocalStack({
      projectDir,
      config,
      port: 0,
      inMemory: true,
      watch: false,
      logger: createLogger({ level: 'silent' }),
    });
    // Assess
    await expect(starting).rejects.toThrow(/function "ordersStream".*batchSize is 20000/);
  });
});
