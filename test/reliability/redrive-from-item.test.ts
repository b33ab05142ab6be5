import { DeleteItemCommand, PutItemCommand, UpdateItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { createMemoryCheckpointStore } from '../../lib/local/store/checkpoint-store.js';
import type { DeadLetterEntry } from '../../lib/local/store/dead-letter-store.js';
import { authorStatsTruth, scanAll, statsDifferences, statsRows } from '../../lib/tools/soak/ground-truth.js';
import type { ServerlessConfig } from '../../lib/mapping/serverless-config.js';
import { createStageTables, dynamodbEndpoint, localClient } from '../support/dynamodb.js';
import { deadLetterStage } from './support/dead-letter-stage.js';
import { setFunctionEnvironment } from './support/function-under-test.js';
import { redriveBooksStream } from './support/redrive-books-stream.js';
import { runFunctionMapping } from './support/run-function-mapping.js';

/*
 * "Fix the item, then redrive" on DynamoDB Local. Books without an author string are bad data: the
 * author-stats action rejects them, and booksStream dead-letters the record once its retries run out.
 * Replaying the stream's record can never succeed; `npm run redrive -- booksStream --from-item` runs the
 * item as it is now instead. The local mapping runs only inside `live(...)`, so a fix written outside it
 * is what a person does while the stack is down; the mapping resumes from its checkpoints afterwards.
 */
const { stage, dir, store } = deadLetterStage('fromitem');
const checkpoints = createMemoryCheckpointStore();
const books = `books-${stage}`;
let client: DynamoDBClient;
let config: ServerlessConfig;

const redrive = redriveBooksStream(stage, dir);

/** Runs booksStream's real mapping around `writes` until every record is handled; returns the entries it dead-lettered. */
async function live(writes: () => Promise<unknown>): Promise<DeadLetterEntry[]> {
  const known = new Set((await store.list('booksStream')).map((entry) => entry.id));
  await runFunctionMapping({ functionName: 'booksStream', dynamodb: client, config, deadLetters: store, checkpoints }, writes);
  return (await store.list('booksStream')).filter((entry) => !known.has(entry.id));
}

const putBook = (book: Record<string, unknown>) => client.send(new PutItemCommand({ TableName: books, Item: marshall(book) }));
const setAuthor = (isbn: string, author: string) =>
  client.send(
    new UpdateItemCommand({
      TableName: books,
      Key: marshall({ isbn }),
      UpdateExpression: 'SET author = :a',
      ExpressionAttributeValues: marshall({ ':a': author }),
    }),
  );

async function authorStats() {
  const stored = statsRows(await scanAll(client, `author-stats-${stage}`), 'author');
  return { stored, differences: statsDifferences(stored, authorStatsTruth(await scanAll(client, books))) };
}

const copyOf = (entry: DeadLetterEntry) => store.put({ functionName: entry.functionName, payload: entry.payload });
const ids = async () => (await store.list('booksStream')).map((entry) => entry.id);

beforeAll(async () => {
  client = localClient();
  config = await createStageTables(client, stage);
  setFunctionEnvironment(stage, dynamodbEndpoint());
});

describe('npm run redrive -- booksStream --from-item on DynamoDB Local', () => {
  it('clears a bad INSERT once the item is fixed, counts it once even when redriven twice, and lets later changes apply', async () => {
    // Prepare: a book without an author is dead-lettered.
    const [entry] = await live(() => putBook({ isbn: 'f1', title: 'No author yet' }));
    expect(entry).toBeDefined();

    // Act 1: replaying the stream's record fails again, and so does the item while it is still bad.
    const fromStream = await redrive('--entry', entry!.id);
    const unfixed = await redrive('--from-item', '--entry', entry!.id);
    // Assess 1: the entry is kept, and the output names the exact command that applies.
    expect(fromStream.code).toBe(1);
    expect(unfixed.code).toBe(1);
    expect(fromStream.output).toContain(`npm run redrive -- booksStream --from-item --entry ${entry!.id} --stage ${stage}`);
    expect(await ids()).toEqual([entry!.id]);

    // Act 2: fix the item (the stack is down), then redrive from the item.
    await putBook({ isbn: 'f1', title: 'No author yet', author: 'Grace' });
    const fixed = await redrive('--from-item', '--entry', entry!.id);
    // Assess 2
    expect(fixed.code).toBe(0);
    expect(fixed.output).toMatch(
      new RegExp(`^REDRIVEN ${entry!.id}: 1 record\\(s\\) read from the stream, 1 \\(as 1 item\\(s\\) read from the table now\\)`),
    );
    expect(await ids()).toEqual([]);
    expect((await authorStats()).stored.get('Grace')).toEqual({ bookCount: '1' });

    // Act 3: the same entry redriven again from the item, then the stack delivers the fix's own MODIFY.
    const again = await redrive('--from-item', '--entry', (await copyOf(entry!)).id);
    const afterFix = await live(async () => {});
    // Assess 3: counted once.
    expect(again.code).toBe(0);
    expect(afterFix).toEqual([]);
    expect(await authorStats()).toEqual({ stored: new Map([['Grace', { bookCount: '1' }]]), differences: [] });

    // Act 4: a later live change still applies.
    await live(() => setAuthor('f1', 'Hopper'));
    // Assess 4
    const { stored, differences } = await authorStats();
    expect(differences).toEqual([]);
    expect(stored.get('Grace')).toEqual({ bookCount: '0' });
    expect(stored.get('Hopper')).toEqual({ bookCount: '1' });
  });

  it('turns a bad MODIFY into a REMOVE when the fix was to delete the item', async () => {
    // Prepare: a counted book loses its author (dead-lettered; Ada still counts it), then is deleted while the stack is down.
    const dead = await live(async () => {
      await putBook({ isbn: 'm1', title: 'Counted', author: 'Ada' });
      await client.send(new UpdateItemCommand({ TableName: books, Key: marshall({ isbn: 'm1' }), UpdateExpression: 'REMOVE author' }));
    });
    expect(dead).toHaveLength(1);
    expect((await authorStats()).stored.get('Ada')).toEqual({ bookCount: '1' });
    await client.send(new DeleteItemCommand({ TableName: books, Key: marshall({ isbn: 'm1' }) }));
    // Act
    const { code } = await redrive('--from-item', '--entry', dead[0]!.id);
    const afterDelete = await live(async () => {});
    // Assess: Ada no longer counts the book, and the stack's own REMOVE afterwards changes nothing.
    expect(code).toBe(0);
    expect(afterDelete).toEqual([]);
    expect(await ids()).toEqual([]);
    const { stored, differences } = await authorStats();
    expect(differences).toEqual([]);
    expect(stored.get('Ada')).toEqual({ bookCount: '0' });
  });

  it('clears a dead letter whose item a later live change has fixed already, counting nothing twice', async () => {
    // Prepare: a bad book is dead-lettered, then fixed while the stack runs (the fix is counted live).
    const [entry] = await live(async () => {
      await putBook({ isbn: 'l1', title: 'Fixed live' });
    });
    await live(() => setAuthor('l1', 'Lin'));
    expect((await authorStats()).stored.get('Lin')).toEqual({ bookCount: '1' });
    // Act
    const { code } = await redrive('--from-item', '--entry', entry!.id);
    // Assess
    expect(code).toBe(0);
    expect(await ids()).toEqual([]);
    expect(await authorStats()).toMatchObject({ differences: [] });
    expect((await authorStats()).stored.get('Lin')).toEqual({ bookCount: '1' });
  });

  // Needs the ledger to skip an already-applied record before evaluating the item (wip/h2, ledger-action.ts):
  // on its own this branch's ledger rejects the stale record's missing author first, and the redrive fails.
  it('[needs wip/h2 ledger skip-first] a stream redrive of such a stale dead letter succeeds too, counting nothing twice', async () => {
    // Prepare: as above, with a fresh item.
    const [entry] = await live(async () => {
      await putBook({ isbn: 's1', title: 'Fixed live, redriven from the stream' });
    });
    await live(() => setAuthor('s1', 'Sam'));
    // Act
    const { code } = await redrive('--entry', entry!.id);
    // Assess
    expect(code).toBe(0);
    expect(await ids()).toEqual([]);
    expect((await authorStats()).stored.get('Sam')).toEqual({ bookCount: '1' });
  });
});
