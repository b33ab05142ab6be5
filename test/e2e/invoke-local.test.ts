import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answersDynamoDB, freePort } from '../../lib/local/dynamodb-local/dynamodb-local.js';
import { machineNode } from '../../lib/local/runner/lambda-node.js';
import { startLocalStack, type LocalStack } from '../../lib/local/stack/local-stack.js';
import { stackFilePath } from '../../lib/local/stack/stack-file.js';
import { captureLogger } from '../support/capture-logger.js';
import { dynamodbEndpoint } from '../support/dynamodb.js';
import { copyProject, slsEnv, type ProjectCopy } from '../support/fixture-project-copy.js';
import { runToExit, type ExitedRun } from '../support/run-to-exit.js';

/** Runs the copy's `sls invoke local` on a given Node.js; never any AWS call (dummy credentials, no profile). */
function invokeLocal(copy: ProjectCopy, node: string, args: string[], env: NodeJS.ProcessEnv): Promise<ExitedRun> {
  const serverless = join(copy.dir, 'node_modules', 'osls', 'bin', 'serverless.js');
  return runToExit(node, [serverless, 'invoke', 'local', ...args], {
    cwd: copy.dir,
    env: slsEnv({ AWS_ACCESS_KEY_ID: 'none', AWS_SECRET_ACCESS_KEY: 'none', AWS_PROFILE: '', ...env }),
    timeoutMs: 150_000,
  });
}

/** The handler's structured log lines (JSON objects on a line of their own). */
/** booksStream's permission to update its statistics table, as serverless.yml grants it. */
const UPDATE_STATISTICS = new RegExp(
  [
    ' {16}- Sid: UpdateStatistics',
    ' {18}Effect: Allow',
    ' {18}Action: \\[ dynamodb:UpdateItem \\]',
    ' {18}Resource: !GetAtt AuthorStatsTable\\.Arn',
    '',
  ].join('\n'),
);

const booksInsert = ['-f', 'booksStream', '-p', 'events/books-insert.json'];

const jsonLines = (text: string): Record<string, unknown>[] =>
  text
    .split('\n')
    .filter((line) => line.startsWith('{') && line.endsWith('}'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);

/** The response `sls invoke local` prints last, as indented JSON starting on a line of its own. */
function response(stdout: string): unknown {
  const lines = stdout.split('\n');
  const start = lines.lastIndexOf('{');
  expect(start, `no response in:\n${stdout}`).toBeGreaterThanOrEqual(0);
  return JSON.parse(lines.slice(start).join('\n'));
}

describe('npx sls invoke local on the stage local', { timeout: 240_000 }, () => {
  let copy: ProjectCopy;
  const machine20 = machineNode(20);

  beforeAll(() => {
    // Prepare: a copy whose booksStream role lacks UpdateItem on the statistics table, with a test-only function
    // that reports its Node.js version.
    copy = copyProject('invoke-local-');
    const file = join(copy.dir, 'serverless.yml');
    const original = readFileSync(file, 'utf8');
    const edited = original
      .replace(UPDATE_STATISTICS, '')
      .replace('functions:\n', 'functions:\n  nodeVersion:\n    handler: test/e2e/fixtures/node-version.handler\n\n');
    expect(edited.split('Sid: UpdateStatistics').length).toBe(original.split('Sid: UpdateStatistics').length - 1);
    writeFileSync(file, edited);
  });

  afterAll(() => copy?.remove());

  it('re-runs itself on Node.js 22 (the runtime) when started on Node.js 20, and prints the response', async () => {
    // Prepare: the machine's own Node 20, outside node_modules/.bin
    expect(machine20, 'a Node.js 20 on PATH').toBeDefined();
    // Act
    const run = await invokeLocal(copy, machine20!.execPath, ['-f', 'nodeVersion'], { DYNAMODB_ENDPOINT: dynamodbEndpoint() });
    // Assess
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(response(run.stdout)).toEqual({ version: expect.stringMatching(/^v22\./) });
  });

  describe('checks the function calls against its role', () => {
    let stack: LocalStack | undefined;
    const capture = captureLogger('info');

    afterAll(async () => stack?.stop());

    it('through the running stack’s IAM proxy: the record fails with AccessDeniedException', async () => {
      // Prepare: npm start's stack on the copy (its .local/stack.json says where its proxy listens)
      stack = await startLocalStack({
        projectDir: copy.dir,
        stage: 'local',
        port: 0,
        inMemory: true,
        ttlIntervalMs: 0,
        watch: false,
        logger: capture.logger,
        handlerOutput: () => undefined,
      });
      // Act
      const run = await invokeLocal(copy, process.execPath, booksInsert, { DYNAMODB_ENDPOINT: stack.endpoint });
      // Assess
      const failed = jsonLines(run.stdout).find((line) => line.errorName === 'AccessDeniedException');
      expect(failed, run.stdout + run.stderr).toMatchObject({ level: 'error', action: 'authorStats' });
      expect(response(run.stdout)).toEqual({ batchItemFailures: [{ itemIdentifier: failed!.sequenceNumber }] });
      expect(capture.lines().filter((line) => line.event === 'iam-denied')).toEqual([
        expect.objectContaining({
          functionName: 'booksStream',
          action: 'dynamodb:UpdateItem',
          resource: expect.stringContaining(':table/author-stats-local'),
        }),
      ]);
    });

    it('through its own proxy when no stack runs (throwaway DynamoDB Local): the record fails with AccessDeniedException', async () => {
      // Prepare: the stack is gone, and nothing answers at the endpoint
      await stack?.stop();
      stack = undefined;
      const endpoint = `http://127.0.0.1:${await freePort()}`;
      // Act
      const run = await invokeLocal(copy, process.execPath, booksInsert, { DYNAMODB_ENDPOINT: endpoint });
      // Assess
      expect(existsSync(stackFilePath(join(copy.dir, '.local')))).toBe(false);
      const failed = jsonLines(run.stdout).find((line) => line.errorName === 'AccessDeniedException');
      expect(failed, run.stdout + run.stderr).toMatchObject({ level: 'error', action: 'authorStats' });
      expect(jsonLines(run.stderr).filter((line) => line.event === 'iam-denied')).toEqual([
        expect.objectContaining({ functionName: 'booksStream', action: 'dynamodb:UpdateItem' }),
      ]);
      expect(await answersDynamoDB(endpoint, 500)).toBe(false);
    });
  });
});
