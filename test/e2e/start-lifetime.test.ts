import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { answersDynamoDB, freePort, isListening } from '../../lib/local/dynamodb-local/dynamodb-local.js';
import { quickStartLines } from '../../lib/local/stack/local-stack.js';
import { copyProject, type ProjectCopy } from '../support/fixture-project-copy.js';
import { npmStart } from './fixtures/npm-start.js';
import { groupMembers, killGroup, until } from './fixtures/processes.js';

interface LifetimeCase {
  mode: 'offline' | 'alone';
  signal: NodeJS.Signals;
}

/** Runs ListTables in a fresh node with nothing but the banner's lines (and PATH): no AWS configuration at all. */
function listTablesWithBannerOnly(bannerLines: string[]): string[] {
  const exportLines = bannerLines.filter((line) => line.startsWith('export '));
  const endpoint = /--endpoint-url (\S+)/.exec(bannerLines.find((line) => line.startsWith('aws ')) ?? '')?.[1];
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: mkdtempSync(join(tmpdir(), 'no-aws-home-')) };
  for (const line of exportLines) {
    for (const assignment of line.replace(/^export /, '').split(' ')) {
      const [name, value] = [assignment.slice(0, assignment.indexOf('=')), assignment.slice(assignment.indexOf('=') + 1)];
      env[name] = value;
    }
  }
  const script =
    "const { DynamoDBClient, ListTablesCommand } = require('@aws-sdk/client-dynamodb');" +
    `new DynamoDBClient({ endpoint: ${JSON.stringify(endpoint)} }).send(new ListTablesCommand({}))` +
    '.then((r) => process.stdout.write(JSON.stringify(r.TableNames)));';
  const output = execFileSync(process.execPath, ['-e', script], { env, cwd: join(__dirname, '..', '..'), encoding: 'utf8' });
  return JSON.parse(output) as string[];
}

// Serverless and a JVM start slowly on a busy machine: generous limits to get ready, a bounded stop.
describe('npm start: ready banner, and a signal to the npm process stops the whole tree', { timeout: 240_000 }, () => {
  const copies: ProjectCopy[] = [];
  afterAll(() => {
    for (const copy of copies) copy.remove();
  });

  it.each<LifetimeCase>([
    { mode: 'offline', signal: 'SIGTERM' },
    { mode: 'offline', signal: 'SIGINT' },
    { mode: 'alone', signal: 'SIGTERM' },
  ])('$mode, $signal to npm', async ({ mode, signal }) => {
    // Prepare
    const copy = copyProject('start-life-');
    copies.push(copy);
    const [dynamodbPort, httpPort, lambdaPort, consolePort] = [await freePort(), await freePort(), await freePort(), await freePort()];
    const modeArgs = mode === 'alone' ? ['--no-offline'] : ['--http-port', String(httpPort), '--lambda-port', String(lambdaPort)];
    const args = ['--in-memory', '--port', String(dynamodbPort), '--console-port', String(consolePort), ...modeArgs];
    const launchedAt = Date.now();
    const run = npmStart(copy.dir, args);
    const pgid = run.child.pid!;
    const guard = setTimeout(() => killGroup(pgid), 220_000);
    try {
      const ready = await until(() => run.jsonLines().find((line) => line.event === 'local-stack-ready'), 180_000, 'the ready event');
      const readyWallMs = Date.now() - launchedAt;
      const endpoint = `http://127.0.0.1:${dynamodbPort}`;
      await until(async () => ((await answersDynamoDB(endpoint)) ? true : undefined), 30_000, 'DynamoDB Local to answer');
      if (mode === 'offline') {
        await until(async () => ((await isListening('127.0.0.1', lambdaPort)) ? true : undefined), 60_000, 'serverless-offline to listen');
      }
      // The console starts from the tools layer on both paths (npm start alone, the plugin inside sls offline).
      const consoleServed = await isListening('127.0.0.1', consolePort);
      const banner = quickStartLines(endpoint, 'us-east-1');
      await until(() => (banner.every((line) => run.stdout().includes(line)) ? true : undefined), 10_000, 'the banner');
      const tables = listTablesWithBannerOnly(banner);

      // Act
      const signalledAt = Date.now();
      process.kill(pgid, signal);
      const { code } = await run.exited;
      const groupGone = () => (groupMembers(pgid).length === 0 ? [] : undefined);
      const leftovers = await until(groupGone, 30_000, 'the group to end').catch(() => groupMembers(pgid));
      const portsInUse = [];
      for (const port of mode === 'offline' ? [dynamodbPort, lambdaPort, consolePort] : [dynamodbPort, consolePort]) {
        if (await isListening('127.0.0.1', port, 200)) portsInUse.push(port);
      }
      const stopMs = Date.now() - signalledAt;

      // Assess
      expect(Number(ready.readyMs)).toBeGreaterThanOrEqual(readyWallMs - 400);
      expect(Number(ready.readyMs)).toBeLessThanOrEqual(readyWallMs + 1000);
      expect(tables).toContain('books-local');
      expect(consoleServed).toBe(true);
      expect(code).not.toBeNull();
      expect(leftovers).toEqual([]);
      expect(portsInUse).toEqual([]);
      expect(stopMs).toBeLessThan(30_000);
      const timing = `ready ${ready.readyMs} ms (wall ${readyWallMs} ms); ${signal} to npm: all gone in ${stopMs} ms; exit ${code}`;
      process.stderr.write(`[timing] ${mode}: ${timing}\n`);
    } finally {
      clearTimeout(guard);
      killGroup(pgid);
    }
  });
});
