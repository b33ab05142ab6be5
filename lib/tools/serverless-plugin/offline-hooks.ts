import type { LocalStack } from '../../local/stack/local-stack.js';
import { stackConfigFromServerless, type HookContext } from './serverless-hooks.js';
import { consoleOf, parseStackOptionsEnv } from '../start/stack-options.js';
import { startStackWithConsole } from '../start/stack-with-console.js';

/** Runs the local stack inside `sls offline start`; options come from `npm start` through LOCAL_STACK_OPTIONS. */
export async function startStackInServerless(context: HookContext): Promise<LocalStack> {
  const config = stackConfigFromServerless(context);
  const options = parseStackOptionsEnv(process.env);
  const projectDir = context.serverless.serviceDir ?? context.serverless.config?.servicePath ?? process.cwd();
  // A plain `sls offline start` has no startedAt from npm start: its own process start is the command's.
  const startedAt = options.startedAt ?? Date.now() - Math.round(process.uptime() * 1000);
  const started = await startStackWithConsole({ ...options, console: consoleOf(options), startedAt, projectDir, config });
  process.stdout.write(`${started.summary()}\n`);
  return started.stack;
}
