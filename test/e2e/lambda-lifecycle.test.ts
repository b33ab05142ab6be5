import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { lambdaNode, runtimeMajor } from '../../lib/local/runner/lambda-node.js';
import { createLogger } from '../../lib/runtime/logging/logger.js';
import { createFunctionRunner, type RunnableFunction } from '../../lib/local/runner/function-runner.js';
import { localClient } from '../support/dynamodb.js';
import { createHarness, createStreamTable, putItem, testSettings } from '../offline/harness.js';

const logger = createLogger({ level: 'silent' });
const dir = mkdtempSync(join(tmpdir(), 'lifecycle-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A CommonJS handler module whose top level blocks for `initMs` (module initialisation, as a big SDK import would). */
function handlerModule(name: string, initMs: number, body = 'return { version: process.version };'): string {
  const file = join(dir, `${name}.cjs`);
  writeFileSync(
    file,
    `Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ${initMs});\n` + `exports.handler = async (event) => { ${body} };\n`,
  );
  return file;
}

function runnable(file: string, timeoutSeconds: number): RunnableFunction {
  return {
    name: 'probe',
    deployedName: 'svc-local-probe',
    handlerFile: () => file,
    exportName: 'handler',
    environment: { AWS_REGION: 'us-east-1' },
    timeoutSeconds,
    memorySize: 256,
    region: 'us-east-1',
    accountId: '000000000000',
    runtime: 'nodejs22.x',
  };
}

/** A REPORT line parsed into its tab-separated fields. */
const reportFields = (line: string): Record<string, string> =>
  Object.fromEntries(line.split('\t').map((part) => [part.slice(0, part.indexOf(':')), part.slice(part.indexOf(':') + 1).trim()]));

async function withRunner<T>(
  fn: RunnableFunction,
  initLimitMs: number | undefined,
  act: (lines: string[], invoke: () => Promise<unknown>) => Promise<T>,
) {
  const lines: string[] = [];
  const runner = createFunctionRunner({ fn, logger, output: (_name, line) => lines.push(line), ...(initLimitMs ? { initLimitMs } : {}) });
  try {
    return await act(lines, () => runner.invoke({}));
  } finally {
    await runner.stop();
  }
}

describe('Lambda lifecycle: the init phase, START/END/REPORT, the runtime version', () => {
  it('does not count module initialisation against the function timeout (init 1.5 s, timeout 1 s)', async () => {
    // Prepare
    const fn = runnable(handlerModule('slow-init', 1500), 1);
    // Act
    const [result, lines] = await withRunner(fn, undefined, async (lines, invoke) => [await invoke(), lines] as const);
    // Assess
    expect(result).toMatchObject({ ok: true });
    const report = reportFields(lines.find((line) => line.startsWith('REPORT '))!);
    expect(Number.parseFloat(report['Init Duration']!)).toBeGreaterThanOrEqual(1500);
  });

  it('leaves the function timeout to the runner when the event-source mapping invokes: a slow init does not time it out', async () => {
    // Prepare: init 1.5 s, timeout 1 s, invoked by the local event-source mapping as `npm start` wires it
    const fn = runnable(handlerModule('slow-init-mapped', 1500), 1);
    const runner = createFunctionRunner({ fn, logger, output: () => undefined });
    const { tableName } = await createStreamTable(localClient());
    const harness = createHarness(testSettings(tableName, { functionTimeoutSeconds: 1, maximumRetryAttempts: 0 }), undefined, {
      invoke: (event, { timeoutMs, requestId }) => runner.invoke(event, { timeoutMs, ...(requestId ? { requestId } : {}) }),
    });
    try {
      await harness.mapping.start();
      // Act
      await putItem(localClient(), tableName, { id: 'cold' });
      await harness.mapping.drain();
    } finally {
      await harness.mapping.stop();
      await runner.stop();
    }
    // Assess: one invocation, and it succeeded (an engine timer counting the init would have failed it at 1 s)
    expect(harness.eventsOf('outcome').map((event) => [event.outcome, event.errorType])).toEqual([['ok', undefined]]);
  });

  it('tries an init that passes the init limit again within the invocation, under the function timeout', async () => {
    // Prepare: an init limit of 300 ms stands in for Lambda's 10 s
    const fn = runnable(handlerModule('over-limit', 800), 5);
    // Act
    const [result, lines] = await withRunner(fn, 300, async (lines, invoke) => [await invoke(), lines] as const);
    // Assess
    expect(result).toMatchObject({ ok: true });
    const initReport = reportFields(lines.find((line) => line.startsWith('INIT_REPORT '))!);
    expect(initReport.Status).toBe('timeout');
  });

  it('times the invocation out when the retried init does not fit in the function timeout', async () => {
    // Prepare
    const fn = runnable(handlerModule('never-fits', 3000), 1);
    // Act
    const result = await withRunner(fn, 300, async (_lines, invoke) => invoke());
    // Assess
    expect(result).toMatchObject({ ok: false, errorType: 'Sandbox.Timedout' });
  });

  it('reports a module that fails to load as Lambda does, with an INIT_REPORT of status error', async () => {
    // Prepare
    const file = join(dir, 'broken.cjs');
    writeFileSync(file, "throw new Error('cannot load');\n");
    // Act
    const [result, lines] = await withRunner(runnable(file, 1), undefined, async (lines, invoke) => [await invoke(), lines] as const);
    // Assess
    expect(result).toMatchObject({ ok: false, errorType: 'Runtime.ImportModuleError' });
    expect(reportFields(lines.find((line) => line.startsWith('INIT_REPORT '))!).Status).toBe('error');
  });

  it('prints START, END and REPORT per invocation, with the init duration on the cold start only', async () => {
    // Prepare
    const fn = runnable(handlerModule('quick', 0), 3);
    // Act
    const lines = await withRunner(fn, undefined, async (lines, invoke) => {
      await invoke();
      await invoke();
      return lines;
    });
    // Assess
    const starts = lines.filter((line) => /^START RequestId: [0-9a-f-]{36} Version: \$LATEST$/.test(line));
    const ends = lines.filter((line) => /^END RequestId: [0-9a-f-]{36}$/.test(line));
    const reports = lines.filter((line) => line.startsWith('REPORT RequestId: ')).map(reportFields);
    expect(starts).toHaveLength(2);
    expect(ends).toHaveLength(2);
    expect(reports).toHaveLength(2);
    for (const report of reports) {
      expect(report.Duration).toMatch(/^\d+\.\d{2} ms$/);
      expect(report['Billed Duration']).toMatch(/^\d+ ms$/);
      expect(report['Memory Size']).toBe('256 MB');
      expect(Number.parseInt(report['Max Memory Used']!, 10)).toBeGreaterThan(10);
    }
    expect(reports[0]!['Init Duration']).toMatch(/^\d+\.\d{2} ms$/);
    expect(reports[1]!['Init Duration']).toBeUndefined();
  });

  it('runs handlers on the Node.js major of the runtime (nodejs22.x) when the packaged Node is installed', async () => {
    // Prepare
    const node = lambdaNode('nodejs22.x');
    const fn = runnable(handlerModule('version', 0), 3);
    // Act
    const result = (await withRunner(fn, undefined, async (_lines, invoke) => invoke())) as { response: { version: string } };
    // Assess: the package is an optional dependency of this project, so it is there on linux-x64 and linux-arm64
    expect(node.kind).toBe('packaged');
    expect(result.response.version).toMatch(/^v22\./);
  });

  it.each([
    ['nodejs22.x', 22],
    ['nodejs20.x', 20],
    ['python3.12', undefined],
  ])('reads the Node.js major of the runtime %s', (runtime, major) => {
    expect(runtimeMajor(runtime)).toBe(major);
  });
});
