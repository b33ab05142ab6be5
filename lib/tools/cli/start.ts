import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { AppError } from '../../runtime/errors.js';
import { commandStartTime } from '../../local/stack/command-start-time.js';
import { watchParent } from '../../local/stack/parent-watch.js';
import { projectRoot } from '../../mapping/project-paths.js';
import { consoleOf, parseStartArguments, stackOptionsEnv, START_USAGE, type ParsedStartArguments } from '../start/stack-options.js';
import { startStackWithConsole, type StackWithConsole } from '../start/stack-with-console.js';

// `npm start`: the local stack inside `sls offline start` (the in-repository plugin starts it), or alone with --no-offline.
// Whatever happens, everything started here stops with this process: a start-up error exits non-zero, and
// SIGINT/SIGTERM sent to this process alone (an IDE's stop button, npm passing it on) stop the whole tree.

const projectDir = projectRoot;

/** How long an orderly stop may take before what is left is killed (handlers get their own timeouts). */
const STOP_GRACE_MS = 20_000;
const EXIT_USAGE = 2;
const EXIT_INTERRUPTED = 130;

function serverlessBin(): string {
  return join(dirname(require.resolve('osls/package.json', { paths: [projectDir] })), 'bin', 'serverless.js');
}

function runInsideServerlessOffline(parsed: ParsedStartArguments, startedAt: number): void {
  const stage = parsed.stack.stage ?? 'local';
  const { httpPort, lambdaPort } = parsed.offlinePorts;
  const args = [serverlessBin(), 'offline', 'start', '--stage', stage];
  if (httpPort) args.push('--httpPort', String(httpPort));
  if (lambdaPort) args.push('--lambdaPort', String(lambdaPort));
  const child = spawn(process.execPath, args, {
    cwd: projectDir,
    stdio: 'inherit',
    env: {
      ...process.env,
      ...stackOptionsEnv({ ...parsed.stack, startedAt }),
      // serverless-offline's own invocations read DYNAMODB_ENDPOINT through serverless.yml: the same instance.
      ...(parsed.stack.port || parsed.stack.host ? { DYNAMODB_ENDPOINT: `http://${parsed.stack.host ?? '127.0.0.1'}:${parsed.stack.port ?? 8000}` } : {}),
      SLS_TELEMETRY_DISABLED: '1',
      SLS_NOTIFICATIONS_MODE: 'off',
    },
  });
  let stopping = false;
  // Ctrl+C in a terminal reaches the whole group (and npm passes it on again): one stop is enough.
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    // serverless-offline stops the plugin (and with it DynamoDB Local) in order; if that hangs, the JVM and
    // the handler workers die with the Serverless process anyway.
    setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS).unref();
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  watchParent(() => stop('SIGTERM'));
  child.on('error', (error) => {
    process.stderr.write(`Could not run serverless: ${error.message}\n`);
    process.exit(1);
  });
  child.on('exit', (code) => process.exit(stopping && code === 0 ? EXIT_INTERRUPTED : (code ?? 1)));
}

async function runAlone(parsed: ParsedStartArguments, startedAt: number): Promise<void> {
  let started: StackWithConsole | undefined;
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    setTimeout(() => {
      process.stderr.write(
        `The local stack did not stop within ${STOP_GRACE_MS / 1000} s; exiting (DynamoDB Local and the handlers die with this process).\n`,
      );
      process.exit(1);
    }, STOP_GRACE_MS).unref();
    // A stop during the start waits for the start to end (below), then stops what it started.
    if (started) {
      process.stdout.write('Stopping the local stack...\n');
      void started.stack.stop().then(() => process.exit(EXIT_INTERRUPTED));
    }
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  watchParent(stop);
  started = await startStackWithConsole({ ...parsed.stack, console: consoleOf(parsed.stack), startedAt, projectDir });
  if (stopping) {
    await started.stack.stop();
    process.exit(EXIT_INTERRUPTED);
  }
  process.stdout.write(`${started.summary()}\nReady. Ctrl+C stops.\n`);
}

async function main(): Promise<void> {
  const startedAt = commandStartTime();
  let parsed: ParsedStartArguments;
  try {
    parsed = parseStartArguments(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${(error as Error).name}: ${(error as Error).message}\n`);
    process.exit(EXIT_USAGE);
  }
  if (parsed.help) {
    process.stdout.write(`${START_USAGE}\n`);
    return;
  }
  if (parsed.offline) runInsideServerlessOffline(parsed, startedAt);
  else await runAlone(parsed, startedAt);
}

main().catch((error: unknown) => {
  // Our own errors say what to do: print the message, not a stack trace. Whatever the start had begun was
  // stopped by it, and what it spawned dies with this process.
  process.stderr.write(`${error instanceof AppError ? `${error.name}: ${error.message}` : ((error as Error)?.stack ?? String(error))}\n`);
  // The same structured line as the plugin writes inside sls offline start: tools tell the failure by name.
  const errorName = error instanceof Error ? error.name : 'Error';
  process.stderr.write(`${JSON.stringify({ level: 'error', event: 'local-stack-failed', errorName })}\n`);
  process.exit(1);
});
