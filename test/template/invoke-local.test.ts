import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { GetItemCommand, ScanCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureCases } from '../fixtures/fixture-cases.js';
import { createStageTables, dynamodbEndpoint, localClient, uniqueStage } from '../support/dynamodb.js';
import { copyProject, slsEnv, type ProjectCopy } from '../support/fixture-project-copy.js';

const run = promisify(execFile);

interface Invocation {
  /** The handler's response, as `sls invoke local` prints it after the log lines. */
  response: unknown;
  /** The structured log lines the handler wrote. */
  logLines: Record<string, unknown>[];
}

let copy: ProjectCopy | undefined;
let client: DynamoDBClient;
// The handler's own tables come from its environment, named by the stage: a stage of this file's own keeps
// them apart from other test files. The fixtures still name books-local as the source table, as they should.
const stage = uniqueStage('inv');

/** Runs the README's command, `npx sls invoke local -f <fn> -p events/<file>`, against the test run's DynamoDB Local. */
async function invokeLocal(functionName: string, file: string): Promise<Invocation> {
  const args = [
    'sls',
    'invoke',
    'local',
    '-f',
    functionName,
    '-p',
    `events/${file}`,
    '--stage',
    stage,
    '--env',
    `DYNAMODB_ENDPOINT=${dynamodbEndpoint()}`,
  ];
  const { stdout } = await run('npx', args, { cwd: copy!.dir, env: slsEnv(), timeout: 120_000, maxBuffer: 16 * 1024 * 1024 }).catch(
    (error: { stdout?: string; stderr?: string }) => {
      throw new Error(`npx ${args.join(' ')} failed.\n--- stdout\n${error.stdout}\n--- stderr\n${error.stderr}`);
    },
  );
  const lines = stdout.split('\n');
  // The response is printed last, as indented JSON starting on a line of its own.
  const start = lines.lastIndexOf('{');
  expect(start, `no response in the output of sls invoke local:\n${stdout}`).toBeGreaterThanOrEqual(0);
  return {
    response: JSON.parse(lines.slice(start).join('\n')),
    logLines: lines
      .slice(0, start)
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

const bookCount = async (author: string): Promise<number | undefined> => {
  const { Item } = await client.send(
    new GetItemCommand({ TableName: `author-stats-${stage}`, Key: { author: { S: author } }, ConsistentRead: true }),
  );
  return Item ? Number(unmarshall(Item).bookCount) : undefined;
};
const loggedSequenceNumbers = async (): Promise<string[]> => {
  const { Items = [] } = await client.send(new ScanCommand({ TableName: `change-log-${stage}`, ConsistentRead: true }));
  return Items.map((item) => String(unmarshall(item).sequenceNumber)).sort();
};
const fixture = (file: string) => fixtureCases.find((candidate) => candidate.file === file)!;

beforeAll(async () => {
  // Prepare: the stage's tables on the test run's DynamoDB Local, and a copy of the project to build in
  // (serverless-esbuild's build folder is shared by every `sls` command run in one directory).
  client = localClient();
  await createStageTables(client, stage);
  copy = copyProject('sls-invoke-');
}, 120_000);

afterAll(() => copy?.remove());

describe('npx sls invoke local (offline, against DynamoDB Local)', () => {
  it('processes events/books-insert.json: prints an empty failure list, logs the change, counts the book', async () => {
    // Prepare
    const { records, expectedResponse } = fixture('books-insert.json');
    // Act
    const { response, logLines } = await invokeLocal('booksStream', 'books-insert.json');
    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(response).toEqual(expectedResponse);
    expect(logLines.some((line) => line.sequenceNumber === records[0]!.sequenceNumber && line.eventName === 'INSERT')).toBe(true);
    expect(await bookCount('Ursula K. Le Guin')).toBe(1);
    expect(await loggedSequenceNumbers()).toEqual([records[0]!.sequenceNumber]);
  }, 150_000);

  it('processes events/books-failing-batch.json: reports the failing record, and nothing of its item after it runs', async () => {
    // Prepare: Dune and Foundation come before the failing MODIFY of Dune.
    const { records, expectedResponse } = fixture('books-failing-batch.json');
    const [first, second, failing] = records.map((record) => record.sequenceNumber!);
    // Act
    const { response, logLines } = await invokeLocal('booksStream', 'books-failing-batch.json');
    // Assess: Lambda resumes from the reported record.
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: failing }] });
    expect(response).toEqual(expectedResponse);
    expect(logLines.some((line) => line.level === 'error' && line.sequenceNumber === failing)).toBe(true);
    expect(await bookCount('Frank Herbert')).toBe(1);
    // Records after the failure may have been handled by some actions already (other items run concurrently, and batch
    // actions run phase by phase): Lambda delivers them again from the reported record, and the actions are idempotent.
    // Those semantics are table-tested in test/unit/process-batch.test.ts and test/integration/batch-actions.test.ts.
    const logged = await loggedSequenceNumbers();
    expect(logged).toEqual(expect.arrayContaining([first, second]));
  }, 150_000);
});
