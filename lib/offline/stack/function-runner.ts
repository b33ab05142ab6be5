import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Logger } from '../../logging/logger.js';

/** What one invocation returns: the handler's response, or the error Lambda would report. */
export type InvocationResult = { ok: true; response: unknown } | { ok: false; errorType: string; errorMessage: string };

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
}

export interface FunctionRunnerOptions {
  fn: RunnableFunction;
  logger: Logger;
  /** Receives each line the handler writes to stdout or stderr. Default: passed through to stdout. */
  output?: (functionName: string, line: string) => void;
  /** Most environments kept at once (concurrent invocations). Default 10. */
  maxEnvironments?: number;
}

interface Environment {
  child: ChildProcess;
  ready: Promise<void>;
  generation: number;
  busy: boolean;
  dead: boolean;
}

const workerFile = join(__dirname, 'lambda-worker.cjs');

/**
 * Runs one function's handler in child processes, one per concurrent invocation, like Lambda's execution
 * environments: a timeout or a crash kills that process only, and new code (after a rebuild) gets a fresh one.
 */
export interface FunctionRunner {
  invoke(event: unknown, options?: { timeoutMs?: number; requestId?: string }): Promise<InvocationResult>;
  /** New code is built: environments started before are retired once idle. */
  codeChanged(): void;
  stop(): Promise<void>;
}

export function createFunctionRunner(options: FunctionRunnerOptions): FunctionRunner {
  const { fn, logger } = options;
  const max = options.maxEnvironments ?? 10;
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

  const spawnEnvironment = (): Environment => {
    const child = fork(workerFile, [], {
      // Not the parent's flags: tsx's loaders have no place in a Lambda environment.
      execArgv: [],
      env: fn.environment,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'advanced',
    });
    pipeLines(child.stdout);
    pipeLines(child.stderr);
    const environment: Environment = {
      child,
      generation,
      busy: false,
      dead: false,
      ready: new Promise((resolve, reject) => {
        child.once('message', () => resolve());
        child.once('exit', (code) => reject(new Error(`the execution environment exited with code ${code} before it was ready`)));
      }),
    };
    environment.ready.catch(() => undefined);
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
        const created = spawnEnvironment();
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
      const environment = await acquire();
      const requestId = invokeOptions.requestId ?? randomUUID();
      try {
        await environment.ready;
      } catch (error) {
        kill(environment);
        return { ok: false, errorType: 'Runtime.ExitError', errorMessage: `RequestId: ${requestId} Error: ${(error as Error).message}` };
      }
      // The timeout counts from here, as Lambda's does not include the cold start's init phase beyond 10 s.
      const deadline = Date.now() + timeoutMs;
      return new Promise<InvocationResult>((resolve) => {
        let done = false;
        const finish = (result: InvocationResult, keep: boolean) => {
          if (done) return;
          done = true;
          clearTimeout(timer);
          environment.child.off('message', onMessage);
          environment.child.off('exit', onExit);
          if (keep) release(environment);
          else {
            kill(environment);
            waiting.shift()?.();
          }
          resolve(result);
        };
        const onMessage = (message: { type?: string; id?: string; result?: InvocationResult & { stack?: string } }) => {
          if (message?.type !== 'result' || message.id !== requestId || !message.result) return;
          const result = message.result;
          if (!result.ok) {
            logger.debug('handler error', { functionName: fn.name, requestId, errorType: result.errorType, stack: result.stack });
            finish({ ok: false, errorType: result.errorType, errorMessage: result.errorMessage }, !result.errorType.startsWith('Runtime.Un'));
          } else finish(result, true);
        };
        const onExit = (code: number | null, signal: string | null) =>
          finish({ ok: false, errorType: 'Runtime.ExitError', errorMessage: `RequestId: ${requestId} Error: Runtime exited ${signal ? `on signal ${signal}` : `with error: exit status ${code}`}` }, false);
        const timer = setTimeout(
          () => finish({ ok: false, errorType: 'Sandbox.Timedout', errorMessage: `RequestId: ${requestId} Error: Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds` }, false),
          timeoutMs,
        );
        environment.child.on('message', onMessage);
        environment.child.once('exit', onExit);
        environment.child.send({
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
      const exits = [...environments].map((environment) => new Promise<void>((resolve) => {
        if (environment.child.exitCode !== null || environment.child.signalCode !== null) return resolve();
        environment.child.once('exit', () => resolve());
        environment.child.kill('SIGKILL');
      }));
      environments.clear();
      await Promise.all(exits);
      for (const resolve of waiting.splice(0)) resolve();
    },
  };
}
