import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../lib/local/dynamodb-local/dynamodb-local.js';
import { copyProject, type ProjectCopy } from '../support/fixture-project-copy.js';
import { dynamodbEndpoint, localClient, uniqueStage } from '../support/dynamodb.js';
import { npmStart, pathWithoutJava, startEnv } from './fixtures/npm-start.js';
import { groupMembers, killGroup, until } from './fixtures/processes.js';

type Mode = 'offline' | 'alone';

interface Prepared {
  args: string[];
  env?: NodeJS.ProcessEnv;
  /** Text the output must hold besides the error's name. */
  text?: string;
}

interface FailureCase {
  name: string;
  mode: Mode;
  /** Breaks the project copy (or its surroundings) and returns the arguments to start it with. */
  prepare: (copy: ProjectCopy, ports: Ports) => Promise<Prepared>;
  /** Our error's name, in the structured failure line; or, for a failure of another plugin, text of its message. */
  expected: { errorName: string } | { text: string };
}

interface Ports {
  dynamodb: number;
  http: number;
  lambda: number;
}

const servers: Server[] = [];
const occupy = async (port: number): Promise<void> => {
  const server = createServer();
  await new Promise<void>((done) => server.listen(port, '127.0.0.1', done));
  servers.push(server);
};

const setBatchSize = (copy: ProjectCopy) => {
  const file = join(copy.dir, 'serverless.yml');
  writeFileSync(file, readFileSync(file, 'utf8').replace('batchSize: 100', 'batchSize: 20000'));
};

const tableMismatch = async (): Promise<Prepared> => {
  // books-<stage> already exists on the test run's DynamoDB Local, keyed differently from serverless.yml.
  const stage = uniqueStage('mm');
  await localClient().send(
    new CreateTableCommand({
      TableName: `books-${stage}`,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
    }),
  );
  return {
    args: ['--port', new URL(dynamodbEndpoint()).port, '--stage', stage],
    text: `npm start -- --recreate books-${stage} --stage ${stage}`,
  };
};

const breakHandler = (copy: ProjectCopy) => appendFileSync(join(copy.dir, 'functions', 'books-stream.ts'), '\nconst = ;\n');

const none = async (): Promise<Prepared> => ({ args: [] });
const named = (errorName: string) => ({ errorName });
const cases: FailureCase[] = [
  { name: 'batchSize 20000', mode: 'offline', prepare: (copy) => (setBatchSize(copy), none()), expected: named('InvalidSettingError') },
  { name: 'batchSize 20000', mode: 'alone', prepare: (copy) => (setBatchSize(copy), none()), expected: named('InvalidSettingError') },
  { name: 'a table that differs', mode: 'offline', prepare: tableMismatch, expected: { errorName: 'TableMismatchError' } },
  { name: 'a table that differs', mode: 'alone', prepare: tableMismatch, expected: { errorName: 'TableMismatchError' } },
  // Inside sls offline start the stack is up (JVM and all) when serverless-offline finds its port taken.
  { name: 'a busy Lambda port', mode: 'offline', prepare: (_, ports) => occupy(ports.lambda).then(none), expected: { text: 'EADDRINUSE' } },
  {
    name: 'a busy DynamoDB port',
    mode: 'alone',
    prepare: (_copy, ports) => occupy(ports.dynamodb).then(none),
    expected: { errorName: 'DynamoDBLocalError' },
  },
  // A handler with a syntax error: serverless-esbuild builds before the stack does, and says so in its own words.
  { name: 'a broken handler', mode: 'offline', prepare: (copy) => (breakHandler(copy), none()), expected: { text: 'books-stream.ts' } },
  { name: 'a broken handler', mode: 'alone', prepare: (copy) => (breakHandler(copy), none()), expected: named('HandlerBuildError') },
  {
    name: 'JAVA_HOME without java',
    mode: 'offline',
    prepare: async () => ({ args: [], env: startEnv({ JAVA_HOME: mkdtempSync(join(tmpdir(), 'no-jdk-')) }) }),
    expected: { errorName: 'DynamoDBLocalError' },
  },
  {
    name: 'no java on PATH',
    mode: 'alone',
    prepare: async () => ({ args: [], env: startEnv({ PATH: pathWithoutJava(), JAVA_HOME: '' }) }),
    expected: { errorName: 'DynamoDBLocalError' },
  },
];

// Starting Serverless takes many seconds on a busy machine: the limit that matters is from the error to the exit.
describe('npm start: every start-up error exits non-zero, fast, and leaves nothing running', { timeout: 240_000 }, () => {
  const copies: ProjectCopy[] = [];
  afterAll(() => {
    for (const copy of copies) copy.remove();
    for (const server of servers) server.close();
  });

  it.each(cases)('$name ($mode)', async ({ mode, prepare, expected }) => {
    // Prepare
    const copy = copyProject('start-fail-');
    copies.push(copy);
    const ports: Ports = { dynamodb: await freePort(), http: await freePort(), lambda: await freePort() };
    const prepared = await prepare(copy, ports);
    const modeArgs = mode === 'alone' ? ['--no-offline'] : ['--http-port', String(ports.http), '--lambda-port', String(ports.lambda)];
    const args = ['--in-memory', '--no-watch', '--port', String(ports.dynamodb), ...modeArgs, ...prepared.args];

    // Act
    const run = npmStart(copy.dir, args, prepared.env);
    const pgid = run.child.pid!;
    let failedAt: number | undefined;
    const watch = setInterval(() => {
      if (failedAt === undefined && /Error|EADDRINUSE/.test(run.stdout() + run.stderr())) failedAt = Date.now();
    }, 20);
    const guard = setTimeout(() => killGroup(pgid), 200_000);
    const { code } = await run.exited;
    const exitedAt = Date.now();
    clearInterval(watch);
    clearTimeout(guard);
    const leftovers = await until(
      () => {
        const members = groupMembers(pgid);
        return members.length === 0 ? members : undefined;
      },
      5_000,
      'every process of the group to end',
    ).catch(() => groupMembers(pgid));
    killGroup(pgid);

    // Assess
    const output = run.stdout() + run.stderr();
    const failures = run
      .stderr()
      .split('\n')
      .filter((line) => line.includes('"local-stack-failed"'))
      .map((line) => JSON.parse(line) as { errorName: string });
    expect(code, output).not.toBe(0);
    expect(code, output).not.toBeNull();
    if ('errorName' in expected)
      expect(
        failures.map((f) => f.errorName),
        output,
      ).toContain(expected.errorName);
    else expect(output).toContain(expected.text);
    if (prepared.text) expect(output).toContain(prepared.text);
    expect(exitedAt - (failedAt ?? exitedAt)).toBeLessThan(10_000);
    expect(leftovers).toEqual([]);
    process.stderr.write(`[timing] ${mode}: exited ${exitedAt - (failedAt ?? exitedAt)} ms after the error showed\n`);
  });
});
