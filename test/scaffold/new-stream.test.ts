import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDynamoDBClient } from '../../lib/runtime/dynamodb/client.js';
import { createLogger } from '../../lib/runtime/logging/logger.js';
import { startLocalStack, type LocalStack } from '../../lib/local/stack/local-stack.js';
import { loadStackConfig } from '../../lib/local/stack/stack-config.js';
import { uniqueStage } from '../support/dynamodb.js';
import { copyProject, slsEnv, type ProjectCopy } from '../support/fixture-project-copy.js';
import { packageProject, streamFunctions, templateProblems, type Resources } from '../template/template-invariants.js';
import { until } from '../support/until.js';

const run = promisify(execFile);

interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** `npm run new-stream -- <args>` in the copy, as a user types it. */
async function newStream(dir: string, args: string[]): Promise<CommandResult> {
  return run('npm', ['run', '-s', 'new-stream', '--', ...args], { cwd: dir, env: slsEnv(), timeout: 120_000 }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code?: number; stdout?: string; stderr?: string }) => ({
      code: error.code ?? -1,
      stdout: error.stdout ?? '',
      stderr: error.stderr ?? '',
    }),
  );
}

/** A fingerprint of every file of the copy (build output aside): equal fingerprints, nothing changed. */
function fingerprint(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (relative: string) => {
    for (const entry of readdirSync(join(dir, relative))) {
      if (relative === '' && ['node_modules', '.esbuild', '.serverless', '.package-out'].includes(entry)) continue;
      const path = join(relative, entry);
      if (statSync(join(dir, path)).isDirectory()) walk(path);
      else
        files[path] = createHash('sha256')
          .update(readFileSync(join(dir, path)))
          .digest('hex');
    }
  };
  walk('');
  return files;
}

// One copy for the whole file: the command changes it, then `sls package` and the local stack run on the result.
describe('npm run new-stream, in a copy of the project', { timeout: 300_000 }, () => {
  let copy: ProjectCopy;
  let before: Record<string, string>;
  let added: CommandResult;
  let resources: Resources;
  let originalText: string;

  beforeAll(async () => {
    // Prepare
    copy = copyProject('sls-new-stream-');
    before = fingerprint(copy.dir);
    originalText = readFileSync(join(copy.dir, 'serverless.yml'), 'utf8');
    // Act
    added = await newStream(copy.dir, ['invoice-lines', '--key', 'invoiceId:S,line:N']);
  }, 180_000);

  afterAll(() => copy?.remove());

  it('adds the table, function, role, queue, handler, fixture and test, and changes no other file', () => {
    // Prepare
    const after = fingerprint(copy.dir);
    const created = Object.keys(after)
      .filter((file) => !(file in before))
      .sort();
    const changed = Object.keys(before).filter((file) => after[file] !== before[file]);
    const text = readFileSync(join(copy.dir, 'serverless.yml'), 'utf8');
    // Assess
    expect(added, added.stderr).toMatchObject({ code: 0 });
    expect(created).toEqual([
      'events/invoice-lines-insert.json',
      'functions/invoice-lines-stream.ts',
      'test/fixtures/streams/invoice-lines-stream.json',
      'test/streams/invoice-lines-stream.test.ts',
    ]);
    expect(changed).toEqual(['serverless.yml']);
    expect(text).toContain('TableName: invoice-lines-${sls:stage}');
  });

  it('keeps every line of serverless.yml, comments included, in order, and only adds lines', () => {
    // Prepare
    const afterLines = readFileSync(join(copy.dir, 'serverless.yml'), 'utf8').split('\n');
    const beforeLines = originalText.split('\n');
    // Act: walk the new file, matching the old lines in order.
    let matched = 0;
    for (const line of afterLines) if (matched < beforeLines.length && line === beforeLines[matched]) matched += 1;
    // Assess
    expect(matched).toBe(beforeLines.length);
    expect(afterLines.length).toBeGreaterThan(beforeLines.length);
    expect(beforeLines.filter((line) => line.trim().startsWith('#')).length).toBeGreaterThan(0);
  });

  it.each([
    { why: 'the same stream again', args: ['invoice-lines', '--key', 'invoiceId:S'], code: 1 },
    { why: 'an existing table (Books)', args: ['books', '--key', 'isbn:S'], code: 1 },
    { why: 'an existing table name (change-log)', args: ['change-log', '--key', 'pk:S'], code: 1 },
    { why: 'an invalid name', args: ['Invoice_Lines', '--key', 'id:S'], code: 2 },
    { why: 'an unknown key type', args: ['receipts', '--key', 'id:X'], code: 2 },
    { why: 'three key attributes', args: ['receipts', '--key', 'a:S,b:S,c:S'], code: 2 },
    { why: 'the same attribute twice', args: ['receipts', '--key', 'id:S,id:N'], code: 2 },
    { why: 'no --key', args: ['receipts'], code: 2 },
    { why: 'no name', args: ['--key', 'id:S'], code: 2 },
    { why: 'an unknown option', args: ['receipts', '--key', 'id:S', '--force'], code: 2 },
  ])('refuses $why with exit code $code, changing nothing', async ({ args, code }) => {
    // Prepare
    const snapshot = fingerprint(copy.dir);
    // Act
    const result = await newStream(copy.dir, args);
    // Assess
    expect(result.code).toBe(code);
    expect(result.stderr.length).toBeGreaterThan(0);
    expect(fingerprint(copy.dir)).toEqual(snapshot);
  });

  it('packages (sls package) into a template that holds every invariant, the new function and table included', async () => {
    // Act
    const packaged = await packageProject(copy.dir, 'test');
    resources = packaged.resources;
    // Assess
    expect(templateProblems(resources, packaged.config)).toEqual([]);
    const added = streamFunctions(packaged.config, resources).find((fn) => fn.name === 'invoiceLinesStream');
    expect(added).toMatchObject({ table: 'InvoiceLinesTable', role: 'InvoiceLinesStreamRole', queue: 'InvoiceLinesStreamDeadLetterQueue' });
    expect(resources.InvoiceLinesTable).toMatchObject({
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: {
        TableName: 'invoice-lines-test',
        DeletionProtectionEnabled: true,
        KeySchema: [
          { AttributeName: 'invoiceId', KeyType: 'HASH' },
          { AttributeName: 'line', KeyType: 'RANGE' },
        ],
      },
    });
  });

  it('runs on the local stack: a write to the new table reaches the new handler, which logs the change by key', async () => {
    // Prepare
    const stage = uniqueStage('ns');
    const work = mkdtempSync(join(tmpdir(), 'new-stream-stack-'));
    const lines: Record<string, unknown>[] = [];
    let stack: LocalStack | undefined;
    let client: DynamoDBClient | undefined;
    try {
      stack = await startLocalStack({
        projectDir: copy.dir,
        config: loadStackConfig({ projectDir: copy.dir, stage }),
        functions: ['invoiceLinesStream'],
        port: 0,
        inMemory: true,
        stateDir: work,
        watch: false,
        logger: createLogger({ level: 'silent' }),
        handlerOutput: (fn, line) => {
          if (fn === 'invoiceLinesStream' && line.startsWith('{')) lines.push(JSON.parse(line) as Record<string, unknown>);
        },
      });
      client = createDynamoDBClient({ endpoint: stack.endpoint });
      const invoiceId = `invoice-${Date.now()}`;
      // Act
      await client.send(
        new PutItemCommand({
          TableName: `invoice-lines-${stage}`,
          Item: { invoiceId: { S: invoiceId }, line: { N: '7' }, amount: { N: '12.50' } },
        }),
      );
      const logged = await until(
        () => lines.find((line) => line.action === 'log' && (line.keys as Record<string, unknown> | undefined)?.invoiceId === invoiceId),
        120_000,
        'the log action of invoiceLinesStream',
      );
      // Assess: the handler's structured event, keys only (no image at info level).
      expect(logged).toMatchObject({
        function: 'invoiceLinesStream',
        table: `invoice-lines-${stage}`,
        eventName: 'INSERT',
        keys: { invoiceId, line: 7 },
      });
      expect(logged).not.toHaveProperty('newImage');
      expect(stack.mappings.map((mapping) => `${mapping.functionName}<-${mapping.settings.tableName}`)).toEqual([
        `invoiceLinesStream<-invoice-lines-${stage}`,
      ]);
    } finally {
      client?.destroy();
      await stack?.stop();
      rmSync(work, { recursive: true, force: true });
    }
  });
});
