import { parseCommandLine } from '../cli/parse-command-line.js';
import { CommandUsageError } from '../../mapping/errors.js';
import type { ParseArgsConfig } from 'node:util';
import { ConfigurationError } from '../../runtime/errors.js';
import { DEFAULT_CONSOLE_PORT, type ConsoleOption } from '../../tools/console/console-option.js';
import type { LocalStackOptions } from '../../local/stack/local-stack.js';
import { EnvName } from '../../runtime/env-names.js';

/** Options `npm start` takes, as they travel to the plugin inside `sls offline start`. */
export type StackCliOptions = Pick<
  LocalStackOptions,
  | 'port'
  | 'host'
  | 'inMemory'
  | 'reset'
  | 'recreate'
  | 'ttlIntervalMs'
  | 'watch'
  | 'stage'
  | 'dataDir'
  | 'pollIntervalMs'
  | 'startedAt'
  | 'iam'
> & {
  /** The web console on 127.0.0.1: started with the stack from the tools layer (`consoleOf` gives the default). */
  console?: ConsoleOption;
};

/** serverless-offline's own ports (its defaults, or custom.serverless-offline, when absent). */
export interface OfflinePorts {
  httpPort?: number;
  lambdaPort?: number;
}

export interface ParsedStartArguments {
  stack: StackCliOptions;
  offlinePorts: OfflinePorts;
  /** Run serverless-offline around the stack (default), or the stack alone. */
  offline: boolean;
  help: boolean;
}

export const START_USAGE = `Usage: npm start -- [options]

Starts DynamoDB Local, creates the tables of serverless.yml, and runs every function's stream event
against the handlers built as sls deploy builds them, inside sls offline start.

Options:
  --port N            DynamoDB Local's port (default 8000, or DYNAMODB_PORT)
  --host H            DynamoDB Local's address (default 127.0.0.1)
  --in-memory         throwaway data (default: kept under .dynamodb/)
  --reset             wipe local data (tables, checkpoints, dead letters) first
  --recreate T        drop and create table T again when it differs from serverless.yml; the other
                      tables keep their items (repeatable, or T1,T2; all-changed for every such table)
  --ttl-interval MS   how often expired items are deleted (default 1000; 0 = never)
  --poll-interval MS  how often each shard is polled (default: the engine's, ~250)
  --no-watch          do not rebuild handlers when files change
  --no-offline        run the stack without serverless-offline
  --no-iam            do not enforce the functions' IAM roles locally (or LOCAL_IAM=off)
  --console-port N    the web console's port on 127.0.0.1 (default ${DEFAULT_CONSOLE_PORT}, or a free one when taken;
                      0 for a free one); the ready banner prints its address with the page's token
  --no-console        do not serve the web console
  --http-port N       serverless-offline's HTTP port (default: custom.serverless-offline.httpPort)
  --lambda-port N     serverless-offline's Lambda API port (default: custom.serverless-offline.lambdaPort)
  --stage S           stage (default local)
  -h, --help          this text`;

const integerOption = (name: string, text: string | undefined, min: number, max: number, error = CommandUsageError): number => {
  const value = Number(text);
  if (text === undefined || !Number.isInteger(value) || value < min || value > max) {
    throw new error(`${name} must be a whole number from ${min} to ${max} (got ${JSON.stringify(text)})`);
  }
  return value;
};

const onOff = (name: string, text: string): boolean => {
  if (/^(on|true|1)$/i.test(text)) return true;
  if (/^(off|false|0)$/i.test(text)) return false;
  throw new ConfigurationError(`${name} must be on or off (got ${JSON.stringify(text)})`);
};

const START_OPTIONS = {
  port: { type: 'string' },
  host: { type: 'string' },
  'in-memory': { type: 'boolean' },
  reset: { type: 'boolean' },
  recreate: { type: 'string', multiple: true },
  'ttl-interval': { type: 'string' },
  'poll-interval': { type: 'string' },
  'no-watch': { type: 'boolean' },
  'no-offline': { type: 'boolean' },
  'no-iam': { type: 'boolean' },
  'console-port': { type: 'string' },
  'no-console': { type: 'boolean' },
  'http-port': { type: 'string' },
  'lambda-port': { type: 'string' },
  stage: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

/**
 * Parses `npm start` arguments (a bad one is a CommandUsageError); the environment supplies DYNAMODB_PORT and LOCAL_IAM
 * (a bad one is a ConfigurationError). Options apply in the order given, so the last of --console-port and --no-console wins.
 */
export function parseStartArguments(argv: string[], env: NodeJS.ProcessEnv = process.env): ParsedStartArguments {
  const stack: StackCliOptions = {};
  const offlinePorts: OfflinePorts = {};
  let offline = true;
  let help = false;
  if (env.DYNAMODB_PORT) stack.port = integerOption('DYNAMODB_PORT', env.DYNAMODB_PORT, 1, 65535, ConfigurationError);
  if (env.LOCAL_IAM !== undefined && env.LOCAL_IAM !== '') stack.iam = onOff('LOCAL_IAM', env.LOCAL_IAM);
  const { tokens } = parseCommandLine(
    { args: argv, options: START_OPTIONS, strict: true, allowPositionals: false, tokens: true },
    START_USAGE,
  );
  for (const token of tokens) {
    if (token.kind !== 'option') continue;
    const flag = token.rawName;
    const value = token.value;
    switch (token.name) {
      case 'port':
        stack.port = integerOption(flag, value, 1, 65535);
        break;
      case 'host':
        stack.host = String(value);
        break;
      case 'in-memory':
        stack.inMemory = true;
        break;
      case 'reset':
        stack.reset = true;
        break;
      case 'recreate': {
        const names = String(value ?? '')
          .split(',')
          .map((name) => name.trim())
          .filter(Boolean);
        if (names.length === 0) {
          throw new CommandUsageError(`--recreate needs a table name (got ${JSON.stringify(value)}), for example --recreate books-local`);
        }
        stack.recreate = [...new Set([...(stack.recreate ?? []), ...names])];
        break;
      }
      case 'http-port':
        offlinePorts.httpPort = integerOption(flag, value, 1, 65535);
        break;
      case 'lambda-port':
        offlinePorts.lambdaPort = integerOption(flag, value, 1, 65535);
        break;
      case 'ttl-interval':
        stack.ttlIntervalMs = integerOption(flag, value, 0, 3_600_000);
        break;
      case 'poll-interval':
        stack.pollIntervalMs = integerOption(flag, value, 10, 60_000);
        break;
      case 'no-watch':
        stack.watch = false;
        break;
      case 'no-iam':
        stack.iam = false;
        break;
      case 'console-port':
        stack.console = { port: integerOption(flag, value, 0, 65535) };
        break;
      case 'no-console':
        stack.console = false;
        break;
      case 'no-offline':
        offline = false;
        break;
      case 'stage':
        stack.stage = String(value);
        break;
      case 'help':
        help = true;
        break;
    }
  }
  return { stack, offlinePorts, offline, help };
}

/** `npm start` serves the console unless --no-console says otherwise. */
export const consoleOf = (options: StackCliOptions): ConsoleOption => options.console ?? { port: DEFAULT_CONSOLE_PORT };

/** Name of the variable that carries `npm start`'s options into the plugin. */
export const STACK_OPTIONS_ENV = 'LOCAL_STACK_OPTIONS';

export const stackOptionsEnv = (options: StackCliOptions): Record<string, string> => ({ [STACK_OPTIONS_ENV]: JSON.stringify(options) });

/**
 * Reads the options `npm start` passed. A plain `sls offline start` gets the defaults, with the port of
 * DYNAMODB_PORT, or else of a DYNAMODB_ENDPOINT on this machine (so the functions and the stack agree).
 */
export function parseStackOptionsEnv(env: NodeJS.ProcessEnv): StackCliOptions {
  const text = env[STACK_OPTIONS_ENV];
  if (!text) {
    const stack = parseStartArguments([], env).stack;
    const local = /^http:\/\/(127\.0\.0\.1|localhost):(\d+)\/?$/.exec(env[EnvName.dynamodbEndpoint] ?? '');
    if (stack.port === undefined && local) stack.port = Number(local[2]);
    return stack;
  }
  try {
    return JSON.parse(text) as StackCliOptions;
  } catch (error) {
    throw new ConfigurationError(`${STACK_OPTIONS_ENV} is not valid JSON: ${text}`, { cause: error });
  }
}
