import { resolve } from 'node:path';
import { DeleteTableCommand, PutItemCommand, waitUntilTableNotExists, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { CommandUsageError } from '../../lib/mapping/errors.js';
import type { DeadLetterEntry } from '../../lib/local/store/dead-letter-store.js';
import { parseRedriveArguments, runRedrive } from '../../lib/tools/redrive/run-redrive.js';
import { authorStatsTruth, scanAll, statsDifferences, statsRows } from '../../lib/tools/soak/ground-truth.js';
import { createStageTables, dynamodbEndpoint, localClient } from '../support/dynamodb.js';
import { setFunctionEnvironment } from './support/function-under-test.js';
import { deadLetterStage } from './support/dead-letter-stage.js';
import { redriveBooksStream } from './support/redrive-books-stream.js';
import { runFunctionMapping } from './support/run-function-mapping.js';

/*
 * Redrive end to end on DynamoDB Local. The cause of failure: the author-stats table is missing (not yet
 * created), so booksStream fails on every attempt and the batch is dead-lettered. After the table is
 * created ("the cause is fixed"), `npm run redrive` fetches the entry's records from the stream by shard
 * and sequence range and runs them through booksStream's handler, loaded from serverless.yml.
 */
const projectDir = resolve(__dirname, '..', '..');
const { stage, dir, store } = deadLetterStage('redrive');
let client: DynamoDBClient;
let firstEntry: DeadLetterEntry;
const redrive = redriveBooksStream(stage, dir);

async function dropTable(name: string) {
  await client.send(new DeleteTableCommand({ TableName: name }));
  await waitUntilTableNotExists({ client, maxWaitTime: 30 }, { TableName: name });
}

beforeAll(async () => {
  client = localClient();
  const config = await createStageTables(client, stage);
  await dropTable(`author-stats-${stage}`);
  setFunctionEnvironment(stage, dynamodbEndpoint());
  delete process.env.TEST_FAULT_RATE;
  await runFunctionMapping({ functionName: 'booksStream', dynamodb: client, config, deadLetters: store }, () =>
    client.send(new PutItemCommand({ TableName: `books-${stage}`, Item: marshall({ isbn: 'r1', author: 'Ada', title: 'Redriven' }) })),
  );
  [firstEntry] = await store.list('booksStream');
});

describe('npm run redrive on the local stack', () => {
  it('lists the dead-letter entry of the failed batch', async () => {
    // Prepare (beforeAll): one batch failed until its retries ran out.
    expect(firstEntry).toBeDefined();
    // Act
    const { code, output } = await redrive('--list');
    // Assess
    expect(code).toBe(0);
    expect(output).toContain('1 dead letter(s) for booksStream');
    expect(output).toContain(firstEntry.id);
    expect(output).toContain('RetryAttemptsExhausted after 6 invocation(s)');
    expect(output).toContain(
      `${firstEntry.payload.DDBStreamBatchInfo.startSequenceNumber}..${firstEntry.payload.DDBStreamBatchInfo.endSequenceNumber}`,
    );
    expect(output).toContain(
      `bad data: fix the item, then run: npm run redrive -- booksStream --from-item --entry ${firstEntry.id} --stage ${stage}`,
    );
    expect(output).toContain(`other cause, fixed: npm run redrive -- booksStream --entry ${firstEntry.id} --stage ${stage}`);
  });

  it('keeps the entry and says so when the records still fail (cause not fixed yet)', async () => {
    // Act
    const { code, output } = await redrive('--entry', firstEntry.id);
    // Assess
    expect(code).toBe(1);
    expect(output).toMatch(new RegExp(`^FAILED ${firstEntry.id}: Record \\d+ failed again`));
    expect((await store.list('booksStream')).map((e) => e.id)).toEqual([firstEntry.id]);
  });

  it('after the cause is fixed, runs the records through the handler again and removes the entry', async () => {
    // Prepare: the fix, the missing table now exists.
    await createStageTables(client, stage);
    // Act
    const { code, output } = await redrive('--all');
    // Assess
    expect(code).toBe(0);
    expect(output).toMatch(
      new RegExp(
        `^REDRIVEN ${firstEntry.id}: 1 record\\(s\\) read from the stream, 1 run through booksStream in 1 invocation\\(s\\); entry removed`,
      ),
    );
    expect(await store.list('booksStream')).toEqual([]);
    const stored = statsRows(await scanAll(client, `author-stats-${stage}`), 'author');
    expect(statsDifferences(stored, authorStatsTruth(await scanAll(client, `books-${stage}`)))).toEqual([]);
    expect(stored.get('Ada')).toEqual({ bookCount: '1' });
  });

  it('says clearly when the records are no longer in the stream, and keeps the entry', async () => {
    // Prepare: an entry whose stream is gone (the table was recreated, so its old stream and records are too).
    const stale = await store.put({ functionName: 'booksStream', payload: firstEntry.payload });
    await dropTable(`books-${stage}`);
    await createStageTables(client, stage);
    // Act
    const { code, output } = await redrive('--entry', stale.id);
    // Assess
    expect(code).toBe(1);
    expect(output).toMatch(new RegExp(`^EXPIRED ${stale.id}: The stream .* no longer exists`));
    expect((await store.list('booksStream')).map((e) => e.id)).toEqual([stale.id]);
  });

  it.each([
    [[], undefined],
    [['--help'], undefined],
    [['booksStream'], { functionName: 'booksStream', list: false, all: false, fromItem: false, stage: 'local' }],
    [
      ['ordersStream', '--entry=x', '--stage', 'dev'],
      { functionName: 'ordersStream', list: false, all: false, fromItem: false, stage: 'dev', entryId: 'x' },
    ],
    [['booksStream', '--from-item', '--all'], { functionName: 'booksStream', list: false, all: true, fromItem: true, stage: 'local' }],
    [
      ['booksStream', '--entry', 'x', '--from-item'],
      { functionName: 'booksStream', list: false, all: false, fromItem: true, stage: 'local', entryId: 'x' },
    ],
  ])('parses %j', (argv, expected) => {
    expect(parseRedriveArguments(argv)).toEqual(expected);
  });

  it.each([
    [['booksStream', '--entry', 'a', '--all'], /Give either --entry ID or --all/],
    [['booksStream', '--bogus'], /--bogus/],
    [['booksStream', '--stage'], /--stage/],
    [['booksStream', 'ordersStream'], /Only one function at a time/],
    [['booksStream', '--from-item'], /--from-item redrives entries: give --entry ID or --all/],
  ])('refuses %j as a usage error (exit code 2)', (argv, reason) => {
    expect(() => parseRedriveArguments(argv)).toThrow(CommandUsageError);
    expect(() => parseRedriveArguments(argv)).toThrow(reason);
  });

  it('refuses an unknown function as a usage error that lists the functions', async () => {
    // Act
    const unknown = await runRedrive({ ...parseRedriveArguments(['noSuchFunction', '--dir', dir])!, projectDir, write: () => {} }).then(
      () => undefined,
      (error: unknown) => error,
    );
    // Assess
    expect(unknown).toBeInstanceOf(CommandUsageError);
    expect((unknown as Error).message).toContain('functions with a stream event: booksStream, ordersStream');
  });
});
