import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDynamoDBClient } from '../../runtime/dynamodb/client.js';
import { DrainTimeoutError } from '../../local/errors.js';
import { createLogger } from '../../runtime/logging/logger.js';
import { createFaultInjector, type FaultCounts } from '../../local/faults/fault-injector.js';
import { startLocalStack, type LocalStack } from '../../local/stack/local-stack.js';
import { loadStackConfig } from '../../local/stack/stack-config.js';
import { verifySoak, type Check } from './verify.js';
import { runWriters, type MadeWrite } from './writers.js';
import { projectRoot } from '../../mapping/project-paths.js';
import { EnvName } from '../../runtime/env-names.js';

export interface SoakOptions {
  /** Total writes across all writers. */
  writes: number;
  writers: number;
  /**
   * Probability that one DynamoDB call of a handler fails on every attempt the SDK makes, so that its action fails:
   * the stack's IAM proxy answers as DynamoDB does under a transient fault, before the call or after its write.
   */
  faultRate: number;
  /** Restart DynamoDB Local once, half way through the writes. Default true. */
  restart?: boolean;
  /**
   * Retries per batch in the soak's mappings. serverless.yml says 5: a batch makes at least three DynamoDB calls
   * (change log, ledger read, ledger transaction), so a 10% fault rate fails it at least 27% of the time, and a
   * record can fail all 6 attempts and be dead-lettered by chance (about 0.3^6 ≈ 7e-4 per batch). The soak proves
   * transient faults are absorbed, so by default it leaves no room for chance (20 retries: 0.3^21 ≈ 1e-11). Default 20.
   */
  maximumRetryAttempts?: number;
  /**
   * Records per batch in the soak's mappings. serverless.yml says 100, and a batch action makes about as many
   * DynamoDB calls for 100 records as for 1: smaller batches mean more invocations, so more calls that can fail
   * and more redeliveries. Default 10.
   */
  batchSize?: number;
  /** How long to wait for the mappings to catch up after the writes. Default 10 minutes. */
  drainTimeoutMs?: number;
  seed?: number;
  projectDir?: string;
  /** Progress lines. */
  progress?: (line: string) => void;
}

export interface SoakReport {
  stage: string;
  writesMade: number;
  writesByKind: Record<MadeWrite['kind'], number>;
  writesByTable: Record<MadeWrite['table'], number>;
  /** Writes whose first attempt got no clear answer (the restart) and were resolved by reading the item back. */
  uncertainWrites: number;
  /** What the stack's proxy injected into the handlers' DynamoDB calls. */
  faults: FaultCounts;
  /** Action failures the handlers logged, by error name (the injected faults, and DynamoDB Local away during the restart). */
  actionFailures: Record<string, number>;
  /** Invocations of the handlers, from the engine's events. */
  invocations: number;
  restarts: number;
  changesChecked: number;
  statsRowsChecked: number;
  checks: Check[];
  ok: boolean;
  durationMs: number;
}

const projectRootDefault = projectRoot;

/** The error name of a handler's `action failed` line (structured fields: an action and outcome error), if it is one. */
function actionFailureName(line: string): string | undefined {
  const start = line.indexOf('{');
  if (start < 0) return undefined;
  try {
    const fields = JSON.parse(line.slice(start)) as Record<string, unknown>;
    if (fields.level !== 'error' || typeof fields.action !== 'string' || fields.outcome !== 'error') return undefined;
    return typeof fields.errorName === 'string' ? fields.errorName : 'unknown';
  } catch {
    return undefined;
  }
}

/**
 * The fault-injection soak: a local stack of its own (DynamoDB Local on disk in a temporary folder, the
 * handlers built as deployed, with their key-ordered concurrency), faults injected into the handlers' DynamoDB
 * calls by the stack's IAM proxy, concurrent writers, one restart of DynamoDB Local mid-run, then a wait until
 * the mappings drained and the checks of verifySoak.
 */
export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const started = Date.now();
  const progress = options.progress ?? (() => undefined);
  const projectDir = options.projectDir ?? projectRootDefault;
  const stage = `soak${Date.now().toString(36)}`;
  const work = mkdtempSync(join(tmpdir(), 'soak-'));
  const config = loadStackConfig({ projectDir, stage });
  // Warnings and errors are all the soak reads from the handlers (action failures).
  Object.assign(config.provider, { environment: { ...(config.provider.environment as object), [EnvName.logLevel]: 'warn' } });
  const faults = createFaultInjector({ rate: options.faultRate });
  for (const fn of Object.values(config.functions)) {
    for (const event of (fn.events as Array<{ stream?: Record<string, unknown> }>) ?? []) {
      if (event.stream && typeof event.stream === 'object') {
        event.stream.maximumRetryAttempts = options.maximumRetryAttempts ?? 20;
        event.stream.batchSize = options.batchSize ?? 10;
      }
    }
  }

  const actionFailures: Record<string, number> = {};
  let invocations = 0;
  let restarts = 0;
  let uncertainWrites = 0;
  let iamDenials = 0;
  const stackLog = createLogger({
    level: 'info',
    write: (line) => {
      if (isIamDenial(line)) iamDenials += 1;
      if (line.includes('"level":"warn"') || line.includes('"level":"error"')) progress(`  [stack] ${line.trim().slice(0, 300)}`);
    },
  });
  let stack: LocalStack | undefined;
  try {
    stack = await startLocalStack({
      projectDir,
      config,
      stage,
      port: 0,
      inMemory: false,
      reset: true,
      dataDir: join(work, 'dynamodb'),
      stateDir: join(work, 'state'),
      watch: false,
      ttlIntervalMs: 0,
      logger: stackLog,
      faults,
      handlerOutput: (_fn, line) => {
        const name = actionFailureName(line);
        if (name !== undefined) actionFailures[name] = (actionFailures[name] ?? 0) + 1;
      },
    });
    // Subscribed before the first write: no record is read before it.
    stack.bus.subscribe((event) => {
      if (event.type === 'invocation') invocations += 1;
    });
    progress(`local stack up: stage ${stage}, DynamoDB Local ${stack.endpoint} (pid ${stack.dynamodbPid}), data on disk in ${work}`);
    const client = createDynamoDBClient({ endpoint: stack.endpoint });
    const total = options.writers * Math.ceil(options.writes / options.writers);
    const restartAt = options.restart === false ? Infinity : Math.floor(total / 2);
    let restarting: Promise<void> | undefined;
    const made = await runWriters({
      client,
      booksTable: `books-${stage}`,
      ordersTable: `orders-${stage}`,
      writers: options.writers,
      writesPerWriter: Math.ceil(options.writes / options.writers),
      seed: options.seed ?? 42,
      onUncertain: () => void (uncertainWrites += 1),
      onWrite: (n) => {
        if (n % 500 === 0) progress(`  ${n} writes made`);
        if (n === restartAt && stack?.dynamodbPid) {
          restarts += 1;
          const pid = stack.dynamodbPid;
          progress(`  restarting DynamoDB Local mid-run (killing pid ${pid} after ${n} writes)`);
          // A crash, not a clean stop: the stack must notice, start it again on the same data and resume.
          process.kill(pid, 'SIGKILL');
          restarting = (async () => {
            while (stack!.dynamodbPid === pid) await new Promise((r) => setTimeout(r, 50));
            await stack!.whenHealthy();
            progress(`  DynamoDB Local is back (pid ${stack!.dynamodbPid})`);
          })();
        }
      },
    });
    await restarting;
    progress(`${made.length} writes made; waiting for the mappings to drain`);
    const deadline = Date.now() + (options.drainTimeoutMs ?? 600_000);
    for (;;) {
      try {
        await stack.whenHealthy();
        await stack.drain(Math.max(1_000, Math.min(30_000, deadline - Date.now())));
        break;
      } catch (error) {
        if (!(error instanceof DrainTimeoutError) || Date.now() > deadline) throw error;
        progress('  still draining…');
      }
    }
    progress('drained; checking');
    const verification = await verifySoak({ client, stage, made, deadLetters: stack.deadLetters });
    // An injected fault is retried away; a call the shipped role refuses would fail on AWS every time.
    const checks = [
      ...verification.checks,
      { name: "the functions' roles allowed every call", ok: iamDenials === 0, detail: `${iamDenials} calls denied by the IAM proxy` },
    ];
    const count = <K extends string>(key: (w: MadeWrite) => K, keys: readonly K[]) =>
      Object.fromEntries(keys.map((k) => [k, made.filter((w) => key(w) === k).length])) as Record<K, number>;
    client.destroy();
    return {
      stage,
      writesMade: made.length,
      writesByKind: count((w) => w.kind, ['insert', 'update', 'delete', 'reinsert'] as const),
      writesByTable: count((w) => w.table, ['books', 'orders'] as const),
      uncertainWrites,
      faults: faults.counts(),
      actionFailures,
      invocations,
      restarts,
      changesChecked: verification.changesChecked,
      statsRowsChecked: verification.statsRowsChecked,
      checks,
      ok: checks.every((check) => check.ok),
      durationMs: Date.now() - started,
    };
  } finally {
    await stack?.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

/** A stack log line that is the IAM proxy's structured denial (`event: "iam-denied"`). */
function isIamDenial(line: string): boolean {
  try {
    return (JSON.parse(line) as { event?: unknown }).event === 'iam-denied';
  } catch {
    return false;
  }
}

/** The report as the lines `npm run soak` prints. */
export function formatSoakReport(report: SoakReport): string {
  return [
    `Soak ${report.ok ? 'PASSED' : 'FAILED'} (stage ${report.stage}, ${(report.durationMs / 1000).toFixed(1)} s)`,
    `  writes made          ${report.writesMade} (books ${report.writesByTable.books}, orders ${report.writesByTable.orders}; ` +
      `inserts ${report.writesByKind.insert}, updates ${report.writesByKind.update}, deletes ${report.writesByKind.delete}, ` +
      `re-inserts ${report.writesByKind.reinsert})`,
    `  uncertain writes     ${report.uncertainWrites} (no clear answer during the restart; resolved by reading the item back)`,
    `  faults injected      ${report.faults.calls} DynamoDB calls of the handlers failed on every attempt ` +
      `(${report.faults.answers} answers; ` +
      `${report.faults.afterWrite} after the write took effect; ${Object.entries(report.faults.byAnswer)
        .map(([k, n]) => `${k} ${n}`)
        .join(', ')})`,
    `  action failures      ${Object.values(report.actionFailures).reduce((a, b) => a + b, 0)} (` +
      `${
        Object.entries(report.actionFailures)
          .map(([name, n]) => `${name} ${n}`)
          .join(', ') || 'none'
      })`,
    `  invocations          ${report.invocations}`,
    `  restarts             ${report.restarts} of DynamoDB Local (killed, restarted by the stack on the same data)`,
    `  records checked      ${report.changesChecked} change-log entries against the writes, ` +
      `${report.statsRowsChecked} statistics rows against the ground truth`,
    ...report.checks.map((check) => `  [${check.ok ? 'ok' : 'FAIL'}] ${check.name}: ${check.detail}`),
  ].join('\n');
}
