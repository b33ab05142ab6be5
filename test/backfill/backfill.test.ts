import { RecordConversionError } from '../../lib/mapping/errors.js';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchWriteItemCommand, DeleteItemCommand, PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadFunctionActions } from '../../lib/tools/backfill/load-actions.js';
import type { ProgressReporter } from '../../lib/tools/backfill/progress.js';
import { runBackfill, type BackfillOptions } from '../../lib/tools/backfill/run-backfill.js';
import { resolveBackfillSource, type BackfillSource } from '../../lib/tools/backfill/source.js';
import type { BackfillState } from '../../lib/tools/backfill/state-file.js';
import type { Action } from '../../lib/runtime/dispatch/action.js';
import type { StreamHandler } from '../../lib/runtime/dispatch/stream-handler.js';
import { ActionError } from '../../lib/runtime/errors.js';
import { createLogger } from '../../lib/runtime/logging/logger.js';
import type { ServerlessConfig } from '../../lib/mapping/serverless-config.js';
import { insertRecord, modifyRecord, removeRecord, streamEvent } from '../factories/stream-record.js';
import { createStageTables, dynamodbEndpoint, localClient, uniqueStage } from '../support/dynamodb.js';
import { scanAll, statsByKey } from '../support/stats.js';
import { createStreamTable } from '../offline/harness.js';
import { BackfillStateError } from '../../lib/tools/errors.js';

const client: DynamoDBClient = localClient();
const stage = uniqueStage('bf');
const logger = createLogger({ level: 'silent' });
const stateDir = mkdtempSync(join(tmpdir(), 'backfill-test-'));
let config: ServerlessConfig;

type FunctionUnderTest = { source: BackfillSource; actions: readonly Action[]; handler: StreamHandler };
const loaded: Record<string, FunctionUnderTest> = {};

/** The lead's handler module of a function, imported with the function's environment for this stage. */
async function load(functionName: string): Promise<FunctionUnderTest> {
  if (loaded[functionName]) return loaded[functionName]!;
  const source = resolveBackfillSource(config, functionName);
  const { actions, exports } = await loadFunctionActions(source, {
    endpoint: dynamodbEndpoint(),
    region: config.region,
    overrides: { LOG_LEVEL: 'silent' },
  });
  loaded[functionName] = { source, actions, handler: exports.handler as StreamHandler };
  return loaded[functionName]!;
}

const books = Array.from({ length: 60 }, (_, i) => ({
  isbn: `978-${String(i).padStart(4, '0')}`,
  title: `Title ${i}`,
  author: `Author ${'ABCDE'[i % 5]}${i % 7 === 0 ? 'x' : ''}`,
}));
const orders = Array.from({ length: 45 }, (_, i) => ({
  customerId: `c${i % 4}`,
  orderDate: `2026-02-${String((i % 28) + 1).padStart(2, '0')}T0${i % 10}:00:00Z`,
  orderStatus: ['NEW', 'SHIPPED', 'DELIVERED'][i % 3]!,
  total: Number(`${i + 1}.${String((i * 37) % 100).padStart(2, '0')}`),
}));

async function putAll(tableName: string, items: Record<string, unknown>[]) {
  for (let i = 0; i < items.length; i += 25) {
    await client.send(
      new BatchWriteItemCommand({
        RequestItems: { [tableName]: items.slice(i, i + 25).map((item) => ({ PutRequest: { Item: marshall(item) } })) },
      }),
    );
  }
}

async function clearTable(tableName: string, keyNames: string[]) {
  for (const row of await scanAll(client, tableName)) {
    await client.send(new DeleteItemCommand({ TableName: tableName, Key: marshall(Object.fromEntries(keyNames.map((k) => [k, row[k]]))) }));
  }
}

/** A progress reporter that pulls the plug once `after` items are done, like Ctrl-C would. */
const interruptAfter = (after: number, controller: AbortController): ProgressReporter => ({
  update: (snapshot) => {
    if (snapshot.done >= after) controller.abort();
  },
  finish: () => {},
});

const cases = [
  {
    functionName: 'booksStream',
    table: () => `books-${stage}`,
    items: books,
    statsTable: () => `author-stats-${stage}`,
    statsKey: 'author',
  },
  {
    functionName: 'ordersStream',
    table: () => `orders-${stage}`,
    items: orders,
    statsTable: () => `customer-stats-${stage}`,
    statsKey: 'customerId',
  },
];

beforeAll(async () => {
  config = await createStageTables(client, stage);
});

describe('backfill source', () => {
  it('finds the source table of each function through its stream event, and its environment', () => {
    // Act
    const booksSource = resolveBackfillSource(config, 'booksStream');
    const ordersSource = resolveBackfillSource(config, 'orders-stream');

    // Assess
    expect(booksSource).toMatchObject({
      functionName: 'booksStream',
      tableName: `books-${stage}`,
      keyAttributes: ['isbn'],
      streamViewType: 'NEW_AND_OLD_IMAGES',
    });
    expect(booksSource.spec.handler).toMatchObject({
      module: 'functions/books-stream',
      file: 'functions/books-stream.ts',
      export: 'handler',
    });
    expect(booksSource.environment).toMatchObject({
      STAGE: stage,
      AUTHOR_STATS_TABLE: `author-stats-${stage}`,
      APPLIED_CHANGES_TABLE: `applied-changes-${stage}`,
      CHANGE_LOG_TABLE: `change-log-${stage}`,
    });
    expect(ordersSource).toMatchObject({
      functionName: 'ordersStream',
      tableName: `orders-${stage}`,
      keyAttributes: ['customerId', 'orderDate'],
    });
    expect(ordersSource.environment.CUSTOMER_STATS_TABLE).toBe(`customer-stats-${stage}`);
  });

  it('names the functions there are when asked for one that is not', () => {
    // Act / Assess
    expect(() => resolveBackfillSource(config, 'nope')).toThrow(/has no function "nope"; the functions are: booksStream, ordersStream/);
  });

  it.each([
    ['!GetAtt in its string form', { type: 'dynamodb', arn: { 'Fn::GetAtt': 'BooksTable.StreamArn' } }],
    [
      'a literal stream ARN, as a string event',
      `arn:aws:dynamodb:us-east-1:123456789012:table/books-${stage}/stream/2026-01-01T00:00:00.000`,
    ],
    [
      'a literal stream ARN, in an object',
      { arn: `arn:aws:dynamodb:us-east-1:123456789012:table/books-${stage}/stream/2026-01-01T00:00:00.000` },
    ],
  ])('reads the table of a stream event written with %s, as the local stack does', (_form, stream) => {
    // Prepare
    const booksStream = { ...config.functions.booksStream!, events: [{ stream }] };
    const variant = { ...config, functions: { ...config.functions, booksStream } };
    // Act
    const source = resolveBackfillSource(variant, 'booksStream');
    // Assess
    expect(source).toMatchObject({ tableName: `books-${stage}`, keyAttributes: ['isbn'] });
    expect(source.table.logicalId).toBe('BooksTable');
  });
});

describe.each(cases)('backfill of $functionName', ({ functionName, table, items, statsTable, statsKey }) => {
  it('interrupted and resumed, ends with exactly the statistics the stream handler produces for the same items', async () => {
    // Prepare: the stream's result for the items, then a clean slate for the backfill
    const fn = await load(functionName);
    await putAll(table(), items);
    const response = await fn.handler(streamEvent(items.map((item) => insertRecord(table(), fn.source.keyAttributes, item))));
    expect(response.batchItemFailures).toEqual([]);
    const viaStream = await statsByKey(client, statsTable(), statsKey);
    expect(Object.keys(viaStream).length).toBeGreaterThan(2);
    await clearTable(statsTable(), [statsKey]);
    await clearTable(`applied-changes-${stage}`, ['pk']);
    const statePath = join(stateDir, `${functionName}.json`);
    const controller = new AbortController();
    const options: BackfillOptions = {
      client,
      source: fn.source,
      actions: fn.actions,
      logger,
      segments: 3,
      pageSize: 7,
      batchSize: 4,
      statePath,
    };

    // Act
    const first = await runBackfill({
      ...options,
      signal: controller.signal,
      progress: interruptAfter(Math.floor(items.length / 3), controller),
    });
    const saved = JSON.parse(readFileSync(statePath, 'utf8')) as BackfillState;
    const statsWhenInterrupted = await statsByKey(client, statsTable(), statsKey);
    const second = await runBackfill({ ...options, segments: undefined });
    const third = await runBackfill({ ...options });

    // Assess
    expect(first.outcome).toBe('interrupted');
    expect(first.items).toBeLessThan(items.length);
    expect(saved.segments.some((s) => s.position !== null || s.done)).toBe(true);
    expect(saved.segments.some((s) => !s.done)).toBe(true);
    expect(statsWhenInterrupted).not.toEqual(viaStream);
    expect(second).toMatchObject({ outcome: 'completed', resumed: true, totalItems: items.length, segmentsDone: 3 });
    expect(second.items).toBeLessThan(items.length);
    expect(await statsByKey(client, statsTable(), statsKey)).toEqual(viaStream);
    expect(third.outcome).toBe('already-complete');
    expect(await statsByKey(client, statsTable(), statsKey)).toEqual(viaStream);
  });
});

describe('backfill beside live traffic', () => {
  it('ends with the statistics of the final table when live changes arrive before, between and after the runs', async () => {
    // Prepare: a table of its own stage, so counts start at zero
    const liveStage = stage; // same module (its actions are bound to this stage's tables)
    const fn = await load('booksStream');
    const t = `books-${liveStage}`;
    await clearTable(t, ['isbn']);
    await clearTable(`author-stats-${liveStage}`, ['author']);
    await clearTable(`applied-changes-${liveStage}`, ['pk']);
    const shelf = books.slice(0, 40).map((b) => ({ ...b }));
    await putAll(t, shelf);
    const live = async (record: Parameters<typeof streamEvent>[0][number]) => {
      expect((await fn.handler(streamEvent([record]))).batchItemFailures).toEqual([]);
    };
    // Live INSERTs of the first ten arrive before the backfill starts.
    for (const book of shelf.slice(0, 10)) await live(insertRecord(t, ['isbn'], book));
    const statePath = join(stateDir, 'live.json');
    const controller = new AbortController();
    const options: BackfillOptions = {
      client,
      source: fn.source,
      actions: fn.actions,
      logger,
      segments: 2,
      pageSize: 5,
      batchSize: 5,
      statePath,
      restart: true,
    };

    // Act: interrupted backfill, live traffic, resumed backfill, more live traffic
    await runBackfill({ ...options, signal: controller.signal, progress: interruptAfter(15, controller) });
    const moved = { ...shelf[20]!, author: 'Author Moved' };
    await client.send(new PutItemCommand({ TableName: t, Item: marshall(moved) }));
    await live(modifyRecord(t, ['isbn'], shelf[20]!, moved));
    await client.send(new DeleteItemCommand({ TableName: t, Key: marshall({ isbn: shelf[30]!.isbn }) }));
    await live(removeRecord(t, ['isbn'], shelf[30]!));
    const added = { isbn: '979-new', title: 'New', author: 'Author New' };
    await client.send(new PutItemCommand({ TableName: t, Item: marshall(added) }));
    await live(insertRecord(t, ['isbn'], added));
    await runBackfill({ ...options, restart: false });
    const late = { ...shelf[5]!, author: 'Author Late' };
    await client.send(new PutItemCommand({ TableName: t, Item: marshall(late) }));
    await live(modifyRecord(t, ['isbn'], shelf[5]!, late));
    // A re-delivered old INSERT must not count again either.
    await live(insertRecord(t, ['isbn'], shelf[1]!, { sequenceNumber: '100000000000000000001' }));

    // Assess: the statistics equal a recount of what the table holds now
    const recount: Record<string, Record<string, string>> = {};
    for (const book of await scanAll(client, t)) {
      const author = String(book.author);
      recount[author] = { bookCount: String(Number(recount[author]?.bookCount ?? 0) + 1) };
    }
    expect(await statsByKey(client, `author-stats-${liveStage}`, 'author')).toEqual(recount);
    expect(recount['Author Moved']).toEqual({ bookCount: '1' });
  });
});

describe('backfill options', () => {
  const fakeSource = () => resolveBackfillSource(config, 'booksStream');

  it('counts only in a dry run: no actions, no state file', async () => {
    // Prepare
    const statePath = join(stateDir, 'dry.json');
    let calls = 0;
    const spy: Action = { name: 'spy', handle: () => void calls++ };
    const expected = (await scanAll(client, `books-${stage}`)).length;

    // Act
    const result = await runBackfill({
      client,
      source: fakeSource(),
      actions: [spy],
      logger,
      segments: 2,
      pageSize: 9,
      dryRun: true,
      statePath,
    });

    // Assess
    expect(result).toMatchObject({ outcome: 'counted', items: expected });
    expect(calls).toBe(0);
    expect(existsSync(statePath)).toBe(false);
  });

  it('refuses a saved state of another segmentation, and starts over with restart', async () => {
    // Prepare
    const statePath = join(stateDir, 'segments.json');
    const controller = new AbortController();
    const noop: Action = { name: 'noop', handle: () => {} };
    await runBackfill({
      client,
      source: fakeSource(),
      actions: [noop],
      logger,
      segments: 2,
      pageSize: 3,
      statePath,
      signal: controller.signal,
      progress: interruptAfter(3, controller),
    });

    // Act / Assess
    await expect(runBackfill({ client, source: fakeSource(), actions: [noop], logger, segments: 5, statePath })).rejects.toThrow(
      BackfillStateError,
    );
    const restarted = await runBackfill({ client, source: fakeSource(), actions: [noop], logger, segments: 5, statePath, restart: true });
    expect(restarted).toMatchObject({ outcome: 'completed', resumed: false, totalSegments: 5 });
  });

  it('stops at a failing action with the positions of the finished pages saved, and continues after the fix', async () => {
    // Prepare
    const statePath = join(stateDir, 'failing.json');
    const seen = new Set<string>();
    let failing = true;
    const action: Action = {
      name: 'flaky',
      handle(change) {
        if (failing && seen.size >= 12) throw new Error('downstream unavailable');
        seen.add(String(change.keys.isbn));
      },
    };
    const total = (await scanAll(client, `books-${stage}`)).length;

    // Act
    const failed = await runBackfill({
      client,
      source: fakeSource(),
      actions: [action],
      logger,
      segments: 1,
      pageSize: 5,
      batchSize: 5,
      statePath,
    }).catch((error: unknown) => error);
    const saved = JSON.parse(readFileSync(statePath, 'utf8')) as BackfillState;
    failing = false;
    const resumed = await runBackfill({ client, source: fakeSource(), actions: [action], logger, statePath });

    // Assess
    expect(failed).toBeInstanceOf(ActionError);
    expect((failed as ActionError).message).toMatch(/Action "flaky" failed on record 0 \(backfill of M1:4:isbnS[0-9]+:/);
    expect(saved.segments[0]).toMatchObject({ items: 10, done: false });
    expect(resumed).toMatchObject({ outcome: 'completed', totalItems: total });
    expect(seen.size).toBe(total);
  });

  it("applies the function's filter patterns, as Lambda would before delivering", async () => {
    // Prepare
    const source = { ...fakeSource(), filterPatterns: [{ dynamodb: { NewImage: { author: { S: [{ prefix: 'Author A' }] } } } }] };
    const authors: string[] = [];
    const rows = await scanAll(client, `books-${stage}`);
    const expected = rows.filter((row) => String(row.author).startsWith('Author A')).length;

    // Act
    const result = await runBackfill({
      client,
      source,
      actions: [{ name: 'capture', handle: (c) => void authors.push(String(c.newImage!.author)) }],
      logger,
      segments: 2,
    });

    // Assess
    expect(fakeSource().filterPatterns).toEqual([{ dynamodb: { Keys: { isbn: { S: [{ exists: true }] } } } }]);
    expect(expected).toBeGreaterThan(0);
    expect(authors).toHaveLength(expected);
    expect(authors.every((author) => author.startsWith('Author A'))).toBe(true);
    expect(result).toMatchObject({ items: rows.length, filtered: rows.length - expected });
  });

  it('gives actions the same change the stream handler would, marked as a backfill', async () => {
    // Prepare
    const changes: Parameters<Action['handle']>[0][] = [];
    const source = resolveBackfillSource(config, 'ordersStream');

    // Act
    await runBackfill({ client, source, actions: [{ name: 'capture', handle: (c) => void changes.push(c) }], logger, segments: 1 });

    // Assess
    const change = changes[0]!;
    expect(change).toMatchObject({
      eventName: 'INSERT',
      sequenceNumber: '0',
      isBackfill: true,
      isTtlExpiry: false,
      tableName: `orders-${stage}`,
      streamViewType: 'NEW_AND_OLD_IMAGES',
      oldImage: undefined,
    });
    expect(Object.keys(change.keys).sort()).toEqual(['customerId', 'orderDate']);
    expect(change.newImage).toMatchObject(change.keys);
    expect(change.eventSourceARN).toMatch(new RegExp(`:table/orders-${stage}/stream/`));
  });

  /** A table of its own holding one item with an attribute of the given name, set as an own property (defined, not assigned). */
  async function tableWithAttribute(name: string) {
    const { tableName } = await createStreamTable(client);
    const item = marshall({ id: 'odd', title: 'Odd names' });
    Object.defineProperty(item, name, { value: { S: 'kept' }, enumerable: true, writable: true, configurable: true });
    await client.send(new PutItemCommand({ TableName: tableName, Item: item }));
    return { functionName: 'probe', tableName, keyAttributes: ['id'], streamViewType: 'NEW_AND_OLD_IMAGES' as const };
  }

  it.each(['constructor', 'toString', 'hasOwnProperty'])('hands the actions an attribute named %s of a scanned item', async (name) => {
    // Prepare
    const source = await tableWithAttribute(name);
    const images: Record<string, unknown>[] = [];

    // Act
    const capture: Action = { name: 'capture', handle: (c) => void images.push(c.newImage!) };
    await runBackfill({ client, source, actions: [capture], logger, segments: 1 });

    // Assess
    expect(images).toHaveLength(1);
    expect(Object.getOwnPropertyDescriptor(images[0], name)?.value).toBe('kept');
  });

  it("stops at an attribute named __proto__ (the SDK's Scan parser loses its value), naming its path, saving no progress", async () => {
    // Prepare
    const source = await tableWithAttribute('__proto__');
    const statePath = join(stateDir, 'proto.json');
    let calls = 0;

    // Act
    const count: Action = { name: 'count', handle: () => void calls++ };
    const error = await runBackfill({ client, source, actions: [count], logger, segments: 1, statePath }).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(RecordConversionError);
    expect(error).toMatchObject({ path: 'dynamodb.NewImage.__proto__' });
    expect(calls).toBe(0);
    const saved = JSON.parse(readFileSync(statePath, 'utf8')) as BackfillState;
    expect(saved.segments[0]).toMatchObject({ items: 0, done: false });
  });
});
