import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Socket } from 'node:net';
import { join, resolve } from 'node:path';
import { PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { CommandUsageError } from '../../lib/mapping/errors.js';
import type { DeadLetterEntry } from '../../lib/local/store/dead-letter-store.js';
import { parseDeadLettersArguments, runDeadLetters } from '../../lib/tools/redrive/run-dead-letters.js';
import { createStageTables, dynamodbEndpoint, localClient } from '../support/dynamodb.js';
import { deadLetterStage } from './support/dead-letter-stage.js';
import { setFunctionEnvironment } from './support/function-under-test.js';
import { runFunctionMapping } from './support/run-function-mapping.js';

/*
 * `npm run dead-letters` on DynamoDB Local: a book without an author is dead-lettered by booksStream's
 * real mapping; the listing shows why, the keys of the first failing record (read from the stream by
 * the entry's range) and the exact redrive commands.
 */
const projectDir = resolve(__dirname, '..', '..');
const { stage, dir, store } = deadLetterStage('deadletters');
let client: DynamoDBClient;
let entry: DeadLetterEntry;

async function deadLetters(...argv: string[]) {
  let output = '';
  const args = parseDeadLettersArguments([...argv, '--dir', dir])!;
  const code = await runDeadLetters({ ...args, projectDir, write: (text) => (output += text) });
  return { code, output };
}

/**
 * Runs a CLI with tsx's loader in one node process (no tsx parent relaying signals, so a signal reaches
 * the CLI itself), with a time limit; resolves with its exit code and stderr.
 */
function runCli(script: string, argv: string[], started?: (child: ChildProcess) => void): Promise<{ code: number | null; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(projectDir, script), ...argv], {
      cwd: projectDir,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    started?.(child);
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', fail);
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code, stderr });
    });
  });
}

/** A local port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  const { port } = server.address() as { port: number };
  await new Promise((closed) => server.close(closed));
  return port;
}

beforeAll(async () => {
  client = localClient();
  const config = await createStageTables(client, stage);
  setFunctionEnvironment(stage, dynamodbEndpoint());
  delete process.env.TEST_FAULT_RATE;
  await runFunctionMapping({ functionName: 'booksStream', dynamodb: client, config, deadLetters: store }, () =>
    client.send(new PutItemCommand({ TableName: `books-${stage}`, Item: marshall({ isbn: 'd|1 "quoted"', title: 'No author' }) })),
  );
  [entry] = await store.list('booksStream');
});

describe('npm run dead-letters', () => {
  it('shows per entry why it failed, the keys of its first failing record and the exact redrive commands', async () => {
    // Prepare (beforeAll): one dead letter.
    expect(entry).toBeDefined();
    const start = entry.payload.DDBStreamBatchInfo.startSequenceNumber;
    // Act
    const { code, output } = await deadLetters('booksStream', '--endpoint', dynamodbEndpoint());
    // Assess
    expect(code).toBe(0);
    expect(output).toContain(`${entry.id}  (booksStream)`);
    expect(output).toContain('RetryAttemptsExhausted after 6 invocation(s)');
    expect(output).toContain(`error: the function reported record ${start} as failed in its batch response`);
    expect(output).toContain(`first failing record: ${start} INSERT, keys {"isbn":{"S":"d|1 \\"quoted\\""}}`);
    expect(output).toContain(`bad data: fix the item, then run: npm run redrive -- booksStream --from-item --entry ${entry.id}\n`);
    expect(output).toContain(`other cause, fixed: npm run redrive -- booksStream --entry ${entry.id}\n`);
  });

  it('gives the first failing record in --json', async () => {
    // Act
    const { code, output } = await deadLetters('--json', '--endpoint', dynamodbEndpoint());
    // Assess
    expect(code).toBe(0);
    expect(JSON.parse(output)).toEqual([
      {
        ...entry,
        firstFailingRecord: {
          kind: 'found',
          sequenceNumber: entry.payload.DDBStreamBatchInfo.startSequenceNumber,
          eventName: 'INSERT',
          keys: { isbn: { S: 'd|1 "quoted"' } },
        },
      },
    ]);
  });

  it.each([
    ['unreachable', 'DynamoDB Local is not running', async () => ({ endpoint: `http://127.0.0.1:${await closedPort()}`, entry })],
    [
      'expired',
      "the entry's table was deleted",
      async () => {
        const info = entry.payload.DDBStreamBatchInfo;
        const streamArn = info.streamArn.replace(`books-${stage}`, `books-${stage}-gone`);
        const gone = { ...entry.payload, DDBStreamBatchInfo: { ...info, streamArn } };
        return { endpoint: dynamodbEndpoint(), entry: await store.put({ functionName: 'booksStream', payload: gone }) };
      },
    ],
  ] as const)('still lists the entry, with the keys marked %s, when %s', async (kind, _when, prepare) => {
    // Prepare
    const { endpoint, entry: listed } = await prepare();
    // Act
    const { code, output } = await deadLetters('--json', '--endpoint', endpoint);
    // Assess
    expect(code).toBe(0);
    const shown = (JSON.parse(output) as Array<DeadLetterEntry & { firstFailingRecord: { kind: string } }>).find((e) => e.id === listed.id);
    expect(shown?.firstFailingRecord.kind).toBe(kind);
    if (listed.id !== entry.id) await store.remove(listed.id);
  });

  it('refuses an unknown function, naming the known ones', async () => {
    // Act
    const refused = await deadLetters('noSuchFunction').then(
      () => undefined,
      (error: unknown) => error,
    );
    // Assess
    expect(refused).toBeInstanceOf(CommandUsageError);
    expect((refused as Error).message).toContain('functions with a stream event: booksStream, ordersStream');
  });

  it.each([
    [
      'lib/tools/cli/dead-letters.ts',
      ['noSuchFunction', '--dir', dir],
      /^CommandUsageError: .*with a stream event: booksStream, ordersStream/,
    ],
    ['lib/tools/cli/dead-letters.ts', ['--bogus'], /^CommandUsageError: .*--bogus/],
    ['lib/tools/cli/redrive.ts', ['noSuchFunction', '--dir', dir], /^CommandUsageError: .*with a stream event: booksStream, ordersStream/],
    ['lib/tools/cli/redrive.ts', ['booksStream', '--from-item'], /^CommandUsageError: --from-item redrives entries/],
  ])('%s %j exits with 2 (usage) and says why', async (script, argv, reason) => {
    // Act
    const { code, stderr } = await runCli(script, argv);
    // Assess
    expect(code).toBe(2);
    expect(stderr).toMatch(reason);
  });

  it('npm run redrive stops with exit code 130 when interrupted mid-redrive, keeping the entry', async () => {
    // Prepare: an endpoint that accepts connections and never answers, so the redrive waits on it.
    const sockets: Socket[] = [];
    let connected!: () => void;
    const waiting = new Promise<void>((resolveWaiting) => (connected = resolveWaiting));
    const silent = createServer((socket) => {
      sockets.push(socket);
      connected();
    });
    await new Promise<void>((listening) => silent.listen(0, '127.0.0.1', listening));
    const { port } = silent.address() as { port: number };
    try {
      // Act: interrupt once the redrive is waiting on the endpoint.
      const argv = ['booksStream', '--entry', entry.id, '--dir', dir, '--endpoint', `http://127.0.0.1:${port}`];
      const { code } = await runCli('lib/tools/cli/redrive.ts', argv, (child) => {
        void waiting.then(() => child.kill('SIGINT'));
      });
      // Assess
      expect(code).toBe(130);
      expect((await store.list('booksStream')).map((e) => e.id)).toContain(entry.id);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((closed) => silent.close(closed));
    }
  });

  it.each([
    [[], { json: false }],
    [['ordersStream', '--json'], { functionName: 'ordersStream', json: true }],
    [['--show', 'x', '--endpoint', 'http://h:1'], { json: false, show: 'x', endpoint: 'http://h:1' }],
    [['-h'], undefined],
  ])('parses %j', (argv, expected) => {
    expect(parseDeadLettersArguments(argv)).toEqual(expected);
  });
});
