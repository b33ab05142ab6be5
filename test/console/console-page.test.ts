import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../lib/runtime/logging/logger.js';
import type { LocalStack } from '../../lib/local/stack/local-stack.js';
import { startStackWithConsole, type StackWithConsole } from '../../lib/tools/start/stack-with-console.js';
import { dynamodbEndpoint, localClient, uniqueStage } from '../support/dynamodb.js';
import { until } from '../support/until.js';
import { consoleTestConfig, projectDir } from './fixtures/console-stack.js';

const CHROMIUM = '/usr/bin/chromium';
const shots = join(projectDir, 'test-results', 'console');

/** A raw request to the console, with exactly the headers given (a browser elsewhere, curl, another local page). */
function rawRequest(
  url: string,
  options: { method: string; headers?: Record<string, string>; body?: string },
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { method: options.method, headers: options.headers ?? {} }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.on('error', reject);
    request.end(options.body);
  });
}

describe('the console page in a real browser', { timeout: 240_000 }, () => {
  const stage = uniqueStage('con');
  const table = `observed-${stage}`;
  const work = mkdtempSync(join(tmpdir(), 'console-page-'));
  const logs: string[] = [];
  let started: StackWithConsole;
  let stack: LocalStack;
  let client: DynamoDBClient;
  let context: BrowserContext;
  let page: Page;
  let consoleUrl: URL;

  const put = (pk: string, mode: string) =>
    client.send(new PutItemCommand({ TableName: table, Item: { pk: { S: pk }, mode: { S: mode }, note: { S: `item ${pk}` } } }));

  beforeAll(async () => {
    mkdirSync(shots, { recursive: true });
    // The start npm start and the sls offline plugin use: the console is the stack's companion from the tools layer.
    started = await startStackWithConsole({
      projectDir,
      config: consoleTestConfig(stage),
      functions: ['consoleProbe'],
      port: Number(new URL(dynamodbEndpoint()).port),
      inMemory: true,
      stateDir: work,
      ttlIntervalMs: 0,
      watch: false,
      iam: false,
      console: { port: 0 },
      logger: createLogger({ level: 'info', write: (line) => logs.push(line) }),
      handlerOutput: () => undefined,
    });
    stack = started.stack;
    client = localClient();
    consoleUrl = new URL(started.consoleUrl!);
    context = await chromium.launchPersistentContext(join(work, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1400, height: 900 },
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    page = context.pages()[0] ?? (await context.newPage());
    // Prepare: one batch with a record that succeeds, one that fails every time, one after it.
    await put('ok-1', 'ok');
    await put('bad-1', 'fail');
    await put('ok-2', 'ok');
    await until(async () => (await stack.deadLetters.list('consoleProbe')).length === 1, 60_000, 'the failing record to be dead-lettered');
  }, 240_000);

  afterAll(async () => {
    await context?.close();
    client?.destroy();
    await stack?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('prints its address with the token in the banner, on 127.0.0.1', () => {
    // Assess
    expect(consoleUrl.hostname).toBe('127.0.0.1');
    expect(consoleUrl.searchParams.get('token')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(started.summary()).toContain(`\n  Console         ${started.consoleUrl}\n`);
  });

  it('shows one card per mapping, with its settings and shards', async () => {
    // Act
    await page.goto(`${consoleUrl.href}#mappings`);
    const card = page.locator(`article[data-mapping="consoleProbe|${table}"]`);
    await card.locator('tr[data-shard]').first().waitFor({ timeout: 30_000 });
    // Everything written is handled: the count read from the stream after the checkpoint reaches 0.
    await card.locator('[data-field="records-behind"]', { hasText: /^0$/ }).waitFor({ timeout: 30_000 });
    await page.screenshot({ path: join(shots, 'mappings.png'), fullPage: true });
    // Assess
    await expect(card.locator('[data-enabled]').getAttribute('data-enabled')).resolves.toBe('true');
    expect(await card.textContent()).toContain('TRIM_HORIZON');
  });

  it('shows the invocation with its outcome, and its retries and bisections as one tree', async () => {
    // Act
    await page.goto(`${consoleUrl.href}#invocations`);
    const deadNode = page.locator('[data-dead-lettered="true"]').first();
    await deadNode.waitFor({ timeout: 30_000 });
    const tree = page.locator('.tree').filter({ has: page.locator('[data-dead-lettered="true"]') });
    // Assess: the first invocation failed partially; its split and retry hang under it, the last retry was dead-lettered.
    await expect(tree.count()).resolves.toBe(1);
    const root = tree.locator('> div > .node, > .node').first();
    await expect(root.getAttribute('data-status')).resolves.toBe('partial');
    await expect(tree.locator('.children [data-cause="retry"]').count()).resolves.toBeGreaterThan(0);
    await expect(tree.locator('.children [data-cause^="split-"]').count()).resolves.toBeGreaterThan(0);
    await expect(deadNode.getAttribute('data-status')).resolves.toBe('partial');
    await expect(deadNode.getAttribute('data-cause')).resolves.toBe('retry');
  });

  it('shows the records (keys, event names) and the handler log lines of an invocation on click', async () => {
    // Act
    const deadNode = page.locator('[data-dead-lettered="true"]').first();
    const requestId = (await deadNode.getAttribute('data-request-id'))!;
    await deadNode.click();
    await page.locator('#detail-records tr[data-event-name="INSERT"]').first().waitFor({ timeout: 10_000 });
    await page.screenshot({ path: join(shots, 'invocations.png'), fullPage: true });
    // The README's picture is refreshed only on request, so a test run leaves the tracked files as they are.
    if (process.env.UPDATE_README_SCREENSHOT === '1') await page.screenshot({ path: join(projectDir, 'docs', 'console.png') });
    // Assess
    const records = page.locator('#detail-records tr[data-event-name]');
    await expect(records.count()).resolves.toBe(1);
    expect(await records.first().textContent()).toContain('bad-1');
    const detailText = (await page.locator('#detail').textContent()) ?? '';
    expect(detailText).not.toContain('NewImage');
    const logText = (await page.locator('#detail-logs').textContent()) ?? '';
    expect(logText).toContain(`START RequestId: ${requestId}`);
    expect(logText).toContain(`REPORT RequestId: ${requestId}`);
    expect(
      logText.split('\n').some((line) => line.startsWith('{') && (JSON.parse(line) as { requestId?: string }).requestId === requestId),
    ).toBe(true);
  });

  it('draws the charts of each mapping', async () => {
    // Act
    await page.goto(`${consoleUrl.href}#charts`);
    const section = page.locator(`section[data-mapping="consoleProbe|${table}"]`);
    await section.locator('polyline').first().waitFor({ timeout: 10_000 });
    await page.screenshot({ path: join(shots, 'charts.png'), fullPage: true });
    // Assess: three charts; the records chart has a point above zero.
    await expect(section.locator('.chart').count()).resolves.toBe(3);
    const points = (await section.locator('[data-chart="records per second"] polyline').getAttribute('points')) ?? '';
    const ys = points.split(' ').map((pair) => Number(pair.split(',')[1]));
    expect(Math.min(...ys)).toBeLessThan(Math.max(...ys));
  });

  it('browses the local tables, read-only', async () => {
    // Act
    await page.goto(`${consoleUrl.href}#tables`);
    await page.locator(`a[data-table="${table}"]`).click();
    const items = page.locator(`[data-items-of="${table}"]`);
    await items.waitFor({ timeout: 10_000 });
    await page.screenshot({ path: join(shots, 'tables.png'), fullPage: true });
    // Assess
    expect(await items.textContent()).toContain('bad-1');
  });

  it('refuses requests without the page token, from another origin, or for another host', async () => {
    // Prepare
    const [entry] = await stack.deadLetters.list('consoleProbe');
    const removeUrl = new URL(`/api/dead-letters/${entry!.id}/remove`, consoleUrl).href;
    const origin = consoleUrl.origin;
    const token = consoleUrl.searchParams.get('token')!;
    // Act
    const answers = await Promise.all([
      rawRequest(removeUrl, { method: 'POST', headers: { origin, 'content-type': 'application/json' }, body: '{}' }),
      rawRequest(removeUrl, { method: 'POST', headers: { origin: 'http://evil.example', 'x-console-token': token }, body: '{}' }),
      rawRequest(removeUrl, { method: 'GET', headers: { 'x-console-token': token } }),
      rawRequest(new URL('/api/snapshot', consoleUrl).href, { method: 'GET' }),
      rawRequest(new URL(`/api/snapshot?token=${token}`, consoleUrl).href, {
        method: 'GET',
        headers: { host: `evil.example:${consoleUrl.port}` },
      }),
    ]);
    // Assess: all refused, and the entry is still there.
    expect(answers.map((answer) => answer.status)).toEqual([403, 403, 404, 403, 403]);
    await expect(stack.deadLetters.list('consoleProbe')).resolves.toHaveLength(1);
  });

  it('redrives a fixed item from the page and clears its dead letter', async () => {
    // Prepare
    const [entry] = await stack.deadLetters.list('consoleProbe');
    await page.goto(`${consoleUrl.href}#dead-letters`);
    const row = page.locator(`tr[data-dead-letter-id="${entry!.id}"]`);
    await row.waitFor({ timeout: 20_000 });
    expect(await row.textContent()).toContain('bad-1');
    await page.screenshot({ path: join(shots, 'dead-letters.png'), fullPage: true });
    await put('bad-1', 'ok');
    // Act
    await row.locator('button[data-action="redrive-from-item"]').click();
    await page.locator(`[data-dead-letter-result="${entry!.id}"][data-result="ok"]`).waitFor({ timeout: 60_000 });
    await page.screenshot({ path: join(shots, 'dead-letters-redriven.png'), fullPage: true });
    // Assess
    await expect(stack.deadLetters.list('consoleProbe')).resolves.toEqual([]);
    await expect(row.count()).resolves.toBe(0);
  });

  it('shows a redrive that fails again with the entry kept, and removes the entry on request', async () => {
    // Prepare: a record that fails for good.
    await put('bad-2', 'fail');
    const entry = await until(async () => (await stack.deadLetters.list('consoleProbe'))[0], 60_000, 'the second dead letter');
    const row = page.locator(`tr[data-dead-letter-id="${entry.id}"]`);
    await row.waitFor({ timeout: 20_000 });
    // Act: redrive from the stream (the record still fails), then remove.
    await row.locator('button[data-action="redrive"]').click();
    await row.locator('[data-result="failed"]').waitFor({ timeout: 60_000 });
    const failedText = (await row.locator('[data-result="failed"]').textContent()) ?? '';
    const keptAfterRedrive = await stack.deadLetters.list('consoleProbe');
    await row.locator('button[data-action="remove"]').click();
    await page.locator(`[data-dead-letter-result="${entry.id}"][data-result="ok"]`).waitFor({ timeout: 20_000 });
    // Assess
    expect(failedText.startsWith('RedriveFailedError')).toBe(true);
    expect(keptAfterRedrive.map((e) => e.id)).toEqual([entry.id]);
    await expect(stack.deadLetters.list('consoleProbe')).resolves.toEqual([]);
  });
});
