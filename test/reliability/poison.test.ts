import { DeleteItemCommand, PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../lib/runtime/logging/logger.js';
import { createEventSourceMapping, type EventSourceMapping } from '../../lib/local/engine/event-source-mapping.js';
import type { StreamMappingSettings } from '../../lib/mapping/settings.js';
import { createMemoryCheckpointStore } from '../../lib/local/store/checkpoint-store.js';
import { createMemoryDeadLetterStore, type DeadLetterEntry } from '../../lib/local/store/dead-letter-store.js';
import { authorStatsTruth, scanAll, statsDifferences, statsRows } from '../../lib/tools/soak/ground-truth.js';
import { createStageTables, dynamodbEndpoint, localClient, uniqueStage } from '../support/dynamodb.js';
import { functionActions, inProcessInvoke, streamMappingOf, setFunctionEnvironment, streamsClient } from './support/function-under-test.js';

/*
 * A poison record on the local event-source mapping engine, with booksStream's real settings from
 * serverless.yml (batch 100, 5 retries, bisection, ReportBatchItemFailures) and its real actions.
 * The poison is a book without an author: authorStats refuses it on every attempt.
 */
const stage = uniqueStage('poison');
let client: DynamoDBClient;
let settings: StreamMappingSettings;
let mapping: EventSourceMapping;
const deadLetters = createMemoryDeadLetterStore();
let events: Array<{ Records: Array<{ dynamodb: { SequenceNumber: string; Keys?: unknown } }> }>;
const engineLogs: Array<Record<string, unknown>> = [];
let entries: DeadLetterEntry[];

const put = (item: Record<string, unknown>) => client.send(new PutItemCommand({ TableName: `books-${stage}`, Item: marshall(item) }));
const isbnOf = (record: { dynamodb: { Keys?: unknown } }) => (record.dynamodb.Keys as { isbn: { S: string } }).isbn.S;

beforeAll(async () => {
  client = localClient();
  const config = await createStageTables(client, stage);
  settings = { ...streamMappingOf(config, 'booksStream'), batchWindowSeconds: 0 };
  setFunctionEnvironment(stage, dynamodbEndpoint());
  const actions = await functionActions('booksStream');
  const invoked = inProcessInvoke(actions);
  events = invoked.events;

  // Prepare: good books, the poison, and after it other items and later changes of other keys.
  await put({ isbn: 'b1', author: 'Ada', title: 'One' });
  await put({ isbn: 'b2', author: 'Ada', title: 'Two' });
  await put({ isbn: 'poison', title: 'Poison, no author' });
  await put({ isbn: 'b3', author: 'Bo', title: 'Three' });
  await put({ isbn: 'b1', author: 'Bo', title: 'One' });
  await client.send(new DeleteItemCommand({ TableName: `books-${stage}`, Key: marshall({ isbn: 'b2' }) }));
  await put({ isbn: 'b4', author: 'Cy', title: 'Four' });
  await put({ isbn: 'b2', author: 'Cy', title: 'Two again' });

  mapping = createEventSourceMapping({
    streams: streamsClient(dynamodbEndpoint()),
    dynamodb: client,
    settings,
    invoke: invoked.invoke,
    checkpoints: createMemoryCheckpointStore(),
    deadLetters,
    logger: createLogger({ level: 'info', write: (line) => engineLogs.push(JSON.parse(line)) }),
    pollIntervalMs: 50,
    describeIntervalMs: 200,
    retryBaseDelayMs: 5,
    retryMaxDelayMs: 40,
    region: 'us-east-1',
    accountId: '123456789012',
  });
  await mapping.start();
  await mapping.drain(30_000);
  entries = await deadLetters.list();
});

afterAll(async () => {
  await mapping?.stop();
});

describe('a poison record on the local stack engine', () => {
  it('is bisected down to itself and retried as the mapping says (maximumRetryAttempts + 1 invocations alone)', () => {
    expect(settings).toMatchObject({ maximumRetryAttempts: 5, bisectBatchOnFunctionError: true, reportBatchItemFailures: true });
    const alone = events.filter((event) => event.Records.length === 1 && isbnOf(event.Records[0]!) === 'poison');
    expect(alone).toHaveLength(settings.maximumRetryAttempts + 1);
    // Before it was alone, it came in bigger batches, each reporting it (bisection and the split at the reported record).
    const withOthers = events.filter((event) => event.Records.length > 1 && event.Records.some((r) => isbnOf(r) === 'poison'));
    expect(withOthers.length).toBeGreaterThan(0);
  });

  it('lands in the dead-letter store with AWS on-failure payload naming only itself', () => {
    const poison = events.flatMap((e) => e.Records).find((r) => isbnOf(r) === 'poison')!;
    expect(entries).toHaveLength(1);
    const { payload } = entries[0]!;
    expect(payload).toMatchObject({
      version: '1.0',
      requestContext: { condition: 'RetryAttemptsExhausted', approximateInvokeCount: settings.maximumRetryAttempts + 1 },
      responseContext: { statusCode: 200, executedVersion: '$LATEST' },
      DDBStreamBatchInfo: {
        startSequenceNumber: poison.dynamodb.SequenceNumber,
        endSequenceNumber: poison.dynamodb.SequenceNumber,
        batchSize: 1,
      },
    });
    expect(payload.requestContext.functionArn).toBe(`arn:aws:lambda:us-east-1:123456789012:function:ddb-streams-${stage}-booksStream`);
    expect(payload.DDBStreamBatchInfo.streamArn).toMatch(
      new RegExp(`^arn:aws:dynamodb:us-east-1:123456789012:table/books-${stage}/stream/.+`),
    );
    expect(payload.DDBStreamBatchInfo.shardId).toMatch(/^shardId-/);
    expect(Number.isNaN(Date.parse(payload.timestamp))).toBe(false);
    expect(Number.isNaN(Date.parse(payload.DDBStreamBatchInfo.approximateArrivalOfFirstRecord))).toBe(false);
  });

  it('does not hold back the records after it: other items and later changes of other keys are applied', async () => {
    const delivered = events.flatMap((e) => e.Records.map(isbnOf));
    const lastPoison = delivered.lastIndexOf('poison');
    expect(delivered.slice(lastPoison + 1)).toEqual(expect.arrayContaining(['b3', 'b1', 'b2', 'b4']));
    const books = await scanAll(client, `books-${stage}`);
    const stored = statsRows(await scanAll(client, `author-stats-${stage}`), 'author');
    const truth = authorStatsTruth(books);
    expect(Object.fromEntries(truth)).toEqual({ Bo: { bookCount: '2' }, Cy: { bookCount: '2' } });
    expect(statsDifferences(stored, truth)).toEqual([]);
  });

  it('every change of the other items is in the change log exactly once', async () => {
    const log = await scanAll(client, `change-log-${stage}`);
    const bySequence = new Map<string, number>();
    for (const entry of log) bySequence.set(String(entry.sequenceNumber), (bySequence.get(String(entry.sequenceNumber)) ?? 0) + 1);
    const changes = [...new Map(events.flatMap((e) => e.Records).map((r) => [r.dynamodb.SequenceNumber, isbnOf(r)])).entries()].filter(
      ([, isbn]) => isbn !== 'poison',
    );
    expect(changes).toHaveLength(7);
    for (const [sequenceNumber] of changes) expect(bySequence.get(sequenceNumber)).toBe(1);
  });
});
