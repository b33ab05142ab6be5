import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { lambdaNode } from './lambda-node.js';
import type { Logger } from '../../runtime/logging/logger.js';
import { formatReport, type ReportFields } from './lambda-report.js';
import { SERVERLESS_DEFAULTS } from '../../mapping/serverless-defaults.js';
import { timedOutResult, type InvocationResult } from './invocation-result.js';

export type { InvocationResult } from './invocation-result.js';

/** A function as the runner executes it. */
export interface RunnableFunction {
  /** Name in serverless.yml (booksStream). */
  name: string;
  /** Deployed name (service-stage-name), as Lambda's context reports it. */
  deployedName: string;
  /** Built JavaScript file, and the export to call in it (`handler`). */
  handlerFile: () => string;
  exportName: string;
  /** Complete environment of the execution environment. */
  environment: Record<string, string>;
  timeoutSeconds: number;
  memorySize: number;
  region: string;
  accountId: string;
  /** Lambda runtime (`nodejs22.x`): handlers run on that Node.js major where the package is installed. Default nodejs22.x. */
  runtime?: string;
}

export interface FunctionRunnerOptions {
  fn: RunnableFunction;
  logger: Logger;
  /** Receives each line the handler writes to stdout or stderr. Default: passed through to stdout. */
  output?: (functionName: string, line: string) => void;
  /** Most environments kept at once (concurrent invocations). Default 10. */
  maxEnvironments?: number;
  /** Lambda's limit on the init phase, in ms. Default 10,000, as on Lambda. */
  initLimitMs?: number;
}

/** How an environment's init phase (loading the handler module) ended. */
type InitOutcome =
  | { ok: true; durationMs: number }
  | { ok: false; durationMs: number; errorType: string; errorMessage: string }
  | { ok: false; timedOut: true; durationMs: number };

interface Environment {
  child: ChildProcess;
  ready: Promise<InitOutcome>;
  generation: number;
  busy: boolean;
  dead: boolean;
  /** Lambda puts the init duration on the first REPORT of an environment only. */
  initReported: boolean;
}

/** Lambda's init phase limit: past it, the init is tried again within the first invocation, under the function's timeout. */
const INIT_LIMIT_MS = 10_000;

let fallbackNoticeShown = false;

const workerFile = join(__dirname, 'lambda-worker.cjs');

/**
 * Runs one function's handler in child processes, one per concurrent invocation, like Lambda's execution
 * environments: a timeout or a crash kills that process only, and new code (after a rebuild) gets a fresh one.
 */
export interface FunctionRunner {
  /**
   * Runs the handler once. The function timeout (`timeoutMs`, default the function's) starts when the
   * environment's init has ended, as on Lambda: it is the one timer of an invocation (the event-source
   * mapping passes the timeout on and runs none of its own).
   */
  invoke(event: unknown, options?: { timeoutMs?: number; requestId?: string }): Promise<InvocationResult>;
  /** New code is built: environments started before are retired once idle. */
  codeChanged(): void;
  stop(): Promise<void>;
}

export function createFunctionRunner(options: FunctionRunnerOptions): FunctionRunner {
  const { fn, logger } = options;
  const max = options.maxEnvironments ?? 10;
  const initLimitMs = options.initLimitMs ?? INIT_LIMIT_MS;
  const output = options.output ?? ((_name: string, line: string) => process.stdout.write(`${line}\n`));
  const environments = new Set<Environment>();
  const waiting: (() => void)[] = [];
  let generation = 0;
  let stopped = false;

  const pipeLines = (stream: NodeJS.ReadableStream | null) => {
    if (!stream) return;
    let rest = '';
    stream.on('data', (chunk: Buffer) => {
      const lines = (rest + chunk.toString('utf8')).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) if (line.length > 0) output(fn.name, line);
    });
    stream.on('end', () => {
      if (rest.length > 0) output(fn.name, rest);
    });
  };

  const node = lambdaNode(fn.runtime ?? SERVERLESS_DEFAULTS.runtime);
  if (node.kind === 'fallback' && !fallbackNoticeShown) {
    fallbackNoticeShown = true;
    logger.warn(`handlers run on this machine's Node.js ${node.version}, not the runtime's: ${node.reason}`, {
      runtime: fn.runtime ?? SERVERLESS_DEFAULTS.runtime,
    });
  }

  const spawnEnvironment = (initLimitMs: number): Environment => {
    const child = fork(workerFile, [], {
      execPath: node.execPath,
      // Not the parent's flags: tsx's loaders have no place in a Lambda environment.
      execArgv: [],
      env: fn.environment,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'advanced',
    });
    pipeLines(child.stdout);
    pipeLines(child.stderr);
    const started = performance.now();
    const ready = new Promise<InitOutcome>((resolve) => {
      const timer = setTimeout(() => settle({ ok: false, timedOut: true, durationMs: performance.now() - started }), initLimitMs);
      const onMessage = (message: {
        type?: string;
        ok?: boolean;
        durationMs?: number;
        result?: { errorType: string; errorMessage: string };
      }) => {
        if (message?.type === 'ready') child.send({ type: 'init', handlerFile: fn.handlerFile(), exportName: fn.exportName });
        else if (message?.type === 'initialized') {
          const durationMs = message.durationMs ?? performance.now() - started;
          settle(
            message.ok
              ? { ok: true, durationMs }
              : { ok: false, durationMs, errorType: message.result!.errorType, errorMessage: message.result!.errorMessage },
          );
        }
      };
      const onExit = (code: number | null, signal: string | null) =>
        settle({
          ok: false,
          durationMs: performance.now() - started,
          errorType: 'Runtime.ExitError',
          errorMessage: `the execution environment exited ${signal ? `on signal ${signal}` : `with code ${code}`} during init`,
        });
      const settle = (outcome: InitOutcome) => {
        clearTimeout(timer);
        child.off('message', onMessage);
        child.off('exit', onExit);
        resolve(outcome);
      };
      child.on('message', onMessage);
      child.once('exit', onExit);
    });
    const environment: Environment = { child, generation, busy: false, dead: false, ready, initReported: false };
    child.once('exit', () => {
      environment.dead = true;
      environments.delete(environment);
      waiting.shift()?.();
    });
    environments.add(environment);
    return environment;
  };

  const kill = (environment: Environment) => {
    environment.dead = true;
    environments.delete(environment);
    if (environment.child.exitCode === null) environment.child.kill('SIGKILL');
  };

  const acquire = async (): Promise<Environment> => {
    for (;;) {
      for (const environment of environments) {
        if (environment.generation !== generation && !environment.busy) kill(environment);
      }
      const idle = [...environments].find((e) => !e.busy && !e.dead && e.generation === generation);
      if (idle) {
        idle.busy = true;
        return idle;
      }
      if (environments.size < max) {
        const created = spawnEnvironment(initLimitMs);
        created.busy = true;
        return created;
      }
      await new Promise<void>((resolve) => waiting.push(resolve));
    }
  };

  const release = (environment: Environment) => {
    environment.busy = false;
    if (environment.generation !== generation || stopped) kill(environment);
    waiting.shift()?.();
  };

  return {
    async invoke(event, invokeOptions = {}) {
      if (stopped) return { ok: false, errorType: 'Runtime.Stopped', errorMessage: `${fn.name}: the local stack is stopping` };
      const timeoutMs = invokeOptions.timeoutMs ?? fn.timeoutSeconds * 1000;
      let environment = await acquire();
      const requestId = invokeOptions.requestId ?? randomUUID();
      const report = (fields: Omit<ReportFields, 'requestId' | 'memorySizeMb'>) => {
        for (const line of formatReport({ requestId, memorySizeMb: fn.memorySize, ...fields })) output(fn.name, line);
      };
      let init = await environment.ready;
      // The timeout counts from the end of a successful init; an init past the limit is tried again within the timeout.
      let deadline = Date.now() + timeoutMs;
      if (!init.ok && 'timedOut' in init) {
        output(fn.name, `INIT_REPORT Init Duration: ${init.durationMs.toFixed(2)} ms\tPhase: init\tStatus: timeout`);
        kill(environment);
        deadline = Date.now() + timeoutMs;
        environment = spawnEnvironment(timeoutMs);
        environment.busy = true;
        init = await environment.ready;
        if (!init.ok && 'timedOut' in init) {
          kill(environment);
          waiting.shift()?.();
          report({ durationMs: init.durationMs, status: 'timeout' });
          return timedOutResult(requestId, timeoutMs);
        }
      }
      if (!init.ok) {
        kill(environment);
        waiting.shift()?.();
        output(
          fn.name,
          `INIT_REPORT Init Duration: ${init.durationMs.toFixed(2)} ms\tPhase: init\tStatus: error\tError Type: ${init.errorType}`,
        );
        report({ durationMs: 0, status: 'error', errorType: init.errorType });
        return { ok: false, errorType: init.errorType, errorMessage: init.errorMessage };
      }
      const initDurationMs = environment.initReported ? undefined : init.durationMs;
      environment.initReported = true;
      const active = environment;
      output(fn.name, `START RequestId: ${requestId} Version: $LATEST`);
      const started = performance.now();
      return new Promise<InvocationResult>((resolve) => {
        let done = false;
        const finish = (result: InvocationResult, keep: boolean, memoryMb?: number) => {
          if (done) return;
          done = true;
          clearTimeout(timer);
          active.child.off('message', onMessage);
          active.child.off('exit', onExit);
          report({
            durationMs: performance.now() - started,
            ...(memoryMb !== undefined ? { maxMemoryUsedMb: memoryMb } : {}),
            ...(initDurationMs !== undefined ? { initDurationMs } : {}),
            ...(result.ok ? {} : { status: result.errorType === 'Sandbox.Timedout' ? 'timeout' : 'error', errorType: result.errorType }),
          });
          if (keep) release(active);
          else {
            kill(active);
            waiting.shift()?.();
          }
          resolve(result);
        };
        const onMessage = (message: {
          type?: string;
          id?: string;
          result?: InvocationResult & { stack?: string };
          maxMemoryUsedMb?: number;
        }) => {
          if (message?.type !== 'result' || message.id !== requestId || !message.result) return;
          const result = message.result;
          if (!result.ok) {
            logger.debug('handler error', { functionName: fn.name, requestId, errorType: result.errorType, stack: result.stack });
            finish(
              { ok: false, errorType: result.errorType, errorMessage: result.errorMessage },
              !result.errorType.startsWith('Runtime.Un'),
              message.maxMemoryUsedMb,
            );
          } else finish(result, true, message.maxMemoryUsedMb);
        };
        const onExit = (code: number | null, signal: string | null) =>
          finish(
            {
              ok: false,
              errorType: 'Runtime.ExitError',
              errorMessage:
                `RequestId: ${requestId} Error: ` + `Runtime exited ${signal ? `on signal ${signal}` : `with error: exit status ${code}`}`,
            },
            false,
          );
        const timer = setTimeout(() => finish(timedOutResult(requestId, timeoutMs), false), Math.max(0, deadline - Date.now()));
        active.child.on('message', onMessage);
        active.child.once('exit', onExit);
        active.child.send({
          type: 'invoke',
          id: requestId,
          requestId,
          handlerFile: fn.handlerFile(),
          exportName: fn.exportName,
          event,
          deadline,
          functionName: fn.deployedName,
          functionArn: `arn:aws:lambda:${fn.region}:${fn.accountId}:function:${fn.deployedName}`,
          memorySize: fn.memorySize,
          logStreamName: `${new Date().toISOString().slice(0, 10).replace(/-/g, '/')}/[$LATEST]${requestId.replace(/-/g, '')}`,
        });
      });
    },
    codeChanged() {
      generation += 1;
      for (const environment of environments) if (!environment.busy) kill(environment);
    },
    async stop() {
      stopped = true;
      const exits = [...environments].map(
        (environment) =>
          new Promise<void>((resolve) => {
            if (environment.child.exitCode !== null || environment.child.signalCode !== null) return resolve();
            environment.child.once('exit', () => resolve());
            environment.child.kill('SIGKILL');
          }),
      );
      environments.clear();
      await Promise.all(exits);
      for (const resolve of waiting.splice(0)) resolve();
    },
  };
}
