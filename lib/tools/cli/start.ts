import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { commandStartTime } from '../../local/stack/command-start-time.js';
import { watchParent } from '../../local/stack/parent-watch.js';
import { projectRoot } from '../../mapping/project-paths.js';
import { consoleOf, parseStartArguments, stackOptionsEnv, START_USAGE, type ParsedStartArguments } from '../start/stack-options.js';
import { EnvName } from '../../runtime/env-names.js';
import { LocalStackError } from '../errors.js';
import { EXIT, exitCodeOf, interruptSignalOf, runCli, type CliContext } from './run-cli.js';
import { startStackWithConsole } from '../start/stack-with-console.js';

// `npm start`: the local stack inside `sls offline start` (the in-repository plugin starts it), or alone with --no-offline.
// Whatever happens, everything started here stops with this process: a start-up error exits non-zero, and
// SIGINT/SIGTERM sent to this process alone (an IDE's stop button, npm passing it on) stop the whole tree.

const projectDir = projectRoot;

/** How long an orderly stop may take before what is left is killed (handlers get their own timeouts). */
const STOP_GRACE_MS = 20_000;

function serverlessBin(): string {
  return join(dirname(require.resolve('osls/package.json', { paths: [projectDir] })), 'bin', 'serverless.js');
}

function runInsideServerlessOffline(parsed: ParsedStartArguments, startedAt: number, signal: AbortSignal): Promise<number> {
  if (signal.aborted) return Promise.resolve(EXIT.interrupted);
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
      ...(parsed.stack.port || parsed.stack.host
        ? { [EnvName.dynamodbEndpoint]: `http://${parsed.stack.host ?? '127.0.0.1'}:${parsed.stack.port ?? 8000}` }
        : {}),
      SLS_TELEMETRY_DISABLED: '1',
      SLS_NOTIFICATIONS_MODE: 'off',
    },
  });
  let stopping = false;
  // Ctrl+C in a terminal reaches the whole group (and npm passes it on again): one stop is enough, so runCli
  // only aborts `signal` (once, with the signal's name) and the child's exit decides when this one exits.
  const stop = (stopSignal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    if (child.exitCode === null && child.signalCode === null) child.kill(stopSignal);
    // serverless-offline stops the plugin (and with it DynamoDB Local) in order; if that hangs, the JVM and
    // the handler workers die with the Serverless process anyway.
    setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS).unref();
  };
  signal.addEventListener('abort', () => stop(interruptSignalOf(signal)), { once: true });
  watchParent(() => stop('SIGTERM'));
  return new Promise((resolve, reject) => {
    child.on('error', (error) => {
      reject(new LocalStackError(`Could not run serverless (${error.message}); check that osls is installed (npm ci)`, { cause: error }));
    });
    child.on('exit', (code) => resolve(stopping && code === 0 ? EXIT.interrupted : (code ?? EXIT.failure)));
  });
}

async function runAlone(parsed: ParsedStartArguments, startedAt: number, signal: AbortSignal): Promise<number> {
  let stopped!: () => void;
  const stopRequested = new Promise<void>((resolve) => (stopped = resolve));
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    setTimeout(() => {
      process.stderr.write(
        `The local stack did not stop within ${STOP_GRACE_MS / 1000} s; exiting (DynamoDB Local and the handlers die with this process).\n`,
      );
      process.exit(EXIT.failure);
    }, STOP_GRACE_MS).unref();
    stopped();
  };
  signal.addEventListener('abort', stop, { once: true });
  if (signal.aborted) stop();
  watchParent(stop);
  // A stop during the start waits for the start to end, then stops what it started.
  const started = await startStackWithConsole({ ...parsed.stack, console: consoleOf(parsed.stack), startedAt, projectDir });
  if (!stopping) process.stdout.write(`${started.summary()}\nReady. Ctrl+C stops.\n`);
  await stopRequested;
  process.stdout.write('Stopping the local stack...\n');
  await started.stack.stop();
  return EXIT.interrupted;
}

async function main({ argv, signal }: CliContext): Promise<number> {
  const startedAt = commandStartTime();
  const parsed = parseStartArguments(argv);
  if (parsed.help) {
    process.stdout.write(`${START_USAGE}\n`);
    return EXIT.ok;
  }
  return parsed.offline ? runInsideServerlessOffline(parsed, startedAt, signal) : runAlone(parsed, startedAt, signal);
}

// Our own errors say what to do: runCli prints the message, not a stack trace. Whatever the start had begun was
// stopped by it, and what it spawned dies with this process.
runCli(main, {
  interrupt: 'abort',
  // The same structured line as the plugin writes inside sls offline start: tools tell the failure by name.
  // A command line that cannot be run started nothing, so it is no failure of the stack.
  onFailure: (error) => {
    if (exitCodeOf(error) === EXIT.usage) return;
    const errorName = error instanceof Error ? error.name : 'Error';
    process.stderr.write(`${JSON.stringify({ level: 'error', event: 'local-stack-failed', errorName })}\n`);
  },
});
