import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../lib/runtime/logging/logger.js';
import { createFunctionRunner, type FunctionRunner, type RunnableFunction } from '../../lib/local/runner/function-runner.js';
import { buildHandlers, esbuildOptionsFrom, type HandlerBuild } from '../../lib/local/runner/handler-build.js';

const projectDir = resolve(__dirname, '..', '..');
const logger = createLogger({ level: 'silent' });

function runnable(file: () => string, overrides: Partial<RunnableFunction> = {}): RunnableFunction {
  return {
    name: 'probe',
    deployedName: 'svc-local-probe',
    handlerFile: file,
    exportName: 'probe',
    environment: { DYNAMODB_ENDPOINT: 'http://127.0.0.1:1', AWS_REGION: 'eu-west-1', STAGE: 'local', PROBE_VERSION: 'one' },
    timeoutSeconds: 1,
    memorySize: 128,
    region: 'eu-west-1',
    accountId: '000000000000',
    ...overrides,
  };
}

describe('function runner: one child process per execution environment', () => {
  let build: HandlerBuild;
  let runner: FunctionRunner;
  const outDir = mkdtempSync(join(tmpdir(), 'runner-'));

  beforeAll(async () => {
    build = await buildHandlers({
      projectDir,
      entries: [{ functionName: 'probe', source: 'test/e2e/fixtures/observer.ts', exportName: 'probe' }],
      esbuild: esbuildOptionsFrom({ bundle: true, sourcemap: true, target: 'node20', platform: 'node', format: 'cjs', exclude: [] }),
      outDir,
      logger,
    });
    runner = createFunctionRunner({ fn: runnable(() => build.fileOf('probe')), logger, output: () => undefined });
  });
  afterAll(async () => {
    await runner?.stop();
    await build?.dispose();
    rmSync(outDir, { recursive: true, force: true });
  });

  it('returns the response with a Lambda-like context and only the function environment', async () => {
    // Act
    const result = await runner.invoke({});
    // Assess
    expect(result.ok).toBe(true);
    const response = (result as { response: Record<string, unknown> }).response;
    expect(response.functionName).toBe('svc-local-probe');
    expect(response.invokedFunctionArn).toBe('arn:aws:lambda:eu-west-1:000000000000:function:svc-local-probe');
    expect(response.awsRequestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(response.remainingMs).toBeGreaterThan(500);
    expect(response.remainingMs).toBeLessThanOrEqual(1000);
    expect(response.env).toEqual({ DYNAMODB_ENDPOINT: 'http://127.0.0.1:1', AWS_REGION: 'eu-west-1', STAGE: 'local' });
  });

  it('reports a thrown error with its type and keeps the environment', async () => {
    // Prepare
    const before = (await runner.invoke({})) as { response: { pid: number } };
    // Act
    const failed = await runner.invoke({ throwMessage: 'bad input' });
    const after = (await runner.invoke({})) as { response: { pid: number } };
    // Assess
    expect(failed).toEqual({ ok: false, errorType: 'TypeError', errorMessage: 'bad input' });
    expect(after.response.pid).toBe(before.response.pid);
  });

  it.each([
    ['a timeout', { sleepMs: 5000 }, 'Sandbox.Timedout', /Task timed out after 1.00 seconds/],
    ['a crash', { exit: 3 }, 'Runtime.ExitError', /exit status 3/],
    ['an unhandled rejection', { rejectLater: true }, 'Runtime.UnhandledPromiseRejection', /rejected in the background/],
  ])('ends the environment on %s, and the next invocation gets a fresh one', async (_case, event, errorType, message) => {
    // Prepare
    const before = (await runner.invoke({})) as { response: { pid: number } };
    // Act
    const failed = await runner.invoke(event);
    const after = (await runner.invoke({})) as { ok: boolean; response: { pid: number } };
    // Assess
    expect(failed.ok).toBe(false);
    expect((failed as { errorType: string }).errorType).toBe(errorType);
    expect((failed as { errorMessage: string }).errorMessage).toMatch(message);
    expect(after.ok).toBe(true);
    expect(after.response.pid).not.toBe(before.response.pid);
  });

  it('runs concurrent invocations in separate environments', async () => {
    // Act
    const results = (await Promise.all([runner.invoke({ sleepMs: 200 }), runner.invoke({ sleepMs: 200 })])) as {
      response: { pid: number };
    }[];
    // Assess
    expect(new Set(results.map((r) => r.response.pid)).size).toBe(2);
  });
});

describe('handler build: rebuilt when a source file changes', () => {
  it('picks up the new code for the next invocation', async () => {
    // Prepare: a throwaway project with one handler
    const dir = mkdtempSync(join(tmpdir(), 'rebuild-'));
    mkdirSync(join(dir, 'functions'));
    const source = join(dir, 'functions', 'h.ts');
    writeFileSync(source, "export const handler = async () => 'one';\n");
    let rebuilt!: () => void;
    const rebuiltOnce = new Promise<void>((r) => (rebuilt = r));
    const build = await buildHandlers({
      projectDir: dir,
      entries: [{ functionName: 'h', source: 'functions/h.ts', exportName: 'handler' }],
      esbuild: esbuildOptionsFrom({ bundle: true, format: 'cjs' }),
      watch: ['functions'],
      logger,
      onRebuild: () => {
        runner.codeChanged();
        rebuilt();
      },
    });
    const runner = createFunctionRunner({
      fn: runnable(() => build.fileOf('h'), { exportName: 'handler' }),
      logger,
      output: () => undefined,
    });
    try {
      const first = await runner.invoke({});
      // Act
      writeFileSync(source, "export const handler = async () => 'two';\n");
      await rebuiltOnce;
      const second = await runner.invoke({});
      // Assess
      expect(first).toEqual({ ok: true, response: 'one' });
      expect(second).toEqual({ ok: true, response: 'two' });
    } finally {
      await runner.stop();
      await build.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
