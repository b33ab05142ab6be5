import { spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { AppError } from '../errors.js';
import { startLocalStack } from '../offline/stack/local-stack.js';
import { parseStartArguments, stackOptionsEnv, START_USAGE, type ParsedStartArguments } from '../offline/stack/stack-options.js';

// `npm start`: the local stack inside `sls offline start` (the in-repository plugin starts it), or alone with --no-offline.

const projectDir = resolve(__dirname, '..', '..');

function serverlessBin(): string {
  return join(dirname(require.resolve('osls/package.json', { paths: [projectDir] })), 'bin', 'serverless.js');
}

function runInsideServerlessOffline(parsed: ParsedStartArguments): void {
  const stage = parsed.stack.stage ?? 'local';
  const child = spawn(process.execPath, [serverlessBin(), 'offline', 'start', '--stage', stage], {
    cwd: projectDir,
    stdio: 'inherit',
    env: {
      ...process.env,
      ...stackOptionsEnv(parsed.stack),
      // serverless-offline's own invocations read DYNAMODB_ENDPOINT through serverless.yml: the same instance.
      ...(parsed.stack.port || parsed.stack.host ? { DYNAMODB_ENDPOINT: `http://${parsed.stack.host ?? '127.0.0.1'}:${parsed.stack.port ?? 8000}` } : {}),
      SLS_TELEMETRY_DISABLED: '1',
      SLS_NOTIFICATIONS_MODE: 'off',
    },
  });
  // Ctrl+C reaches the whole process group; serverless-offline and the plugin stop in order. Forward TERM too.
  process.on('SIGINT', () => undefined);
  process.on('SIGTERM', () => child.kill('SIGTERM'));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

async function runAlone(parsed: ParsedStartArguments): Promise<void> {
  const stack = await startLocalStack({ ...parsed.stack, projectDir });
  process.stdout.write(`${stack.summary()}\nReady. Ctrl+C stops.\n`);
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    process.stdout.write('Stopping the local stack...\n');
    void stack.stop().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

async function main(): Promise<void> {
  const parsed = parseStartArguments(process.argv.slice(2));
  if (parsed.help) {
    process.stdout.write(`${START_USAGE}\n`);
    return;
  }
  if (parsed.offline) runInsideServerlessOffline(parsed);
  else await runAlone(parsed);
}

main().catch((error: unknown) => {
  // Our own errors say what to do: print the message, not a stack trace.
  process.stderr.write(`${error instanceof AppError ? `${error.name}: ${error.message}` : (error as Error)?.stack ?? String(error)}\n`);
  process.exit(1);
});
