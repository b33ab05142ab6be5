import { createDynamoDBClient } from '../../runtime/dynamodb/client.js';
import { AppError } from '../../runtime/errors.js';
import { DynamoDBLocalError } from '../../local/errors.js';
import { LocalStackError } from '../errors.js';
import { answersDynamoDB, startDynamoDBLocal, type DynamoDBLocal } from '../../local/dynamodb-local/dynamodb-local.js';
import { ensureTables } from '../../data/ensure-table.js';
import type { CloudFormationResource } from '../../mapping/serverless-config.js';
import { tableDefinitions } from '../../mapping/table-definition.js';
import type { StackConfig } from '../../local/stack/stack-config.js';
import { SERVERLESS_DEFAULTS } from '../../mapping/serverless-defaults.js';
import { EnvName } from '../../runtime/env-names.js';

/** The parts of the Serverless instance (osls v3 or Serverless v4) the hooks use. */
export interface ServerlessLike {
  serviceDir?: string;
  config?: { servicePath?: string };
  processedInput?: { commands?: string[] };
  service: {
    service: string | { name: string };
    provider: Record<string, unknown> & { stage?: string; region?: string };
    functions?: Record<string, Record<string, unknown>>;
    resources?: { Resources?: Record<string, CloudFormationResource> };
    custom?: Record<string, unknown>;
  };
  getProvider?(name: string): { getStage?(): string; getRegion?(): string } | undefined;
}

export interface HookContext {
  serverless: ServerlessLike;
  options: Record<string, unknown>;
  log: { notice(message: string): void; warning(message: string): void };
}

/** The stage of the command: its --stage, else the provider's. */
export const stageOf = ({ serverless, options }: HookContext): string =>
  String(options.stage ?? serverless.getProvider?.('aws')?.getStage?.() ?? serverless.service.provider.stage ?? 'dev');

/** The region of the command: its --region, else the provider's. */
export const regionOf = ({ serverless, options }: HookContext): string =>
  String(
    options.region ?? serverless.getProvider?.('aws')?.getRegion?.() ?? serverless.service.provider.region ?? SERVERLESS_DEFAULTS.region,
  );

/** The stack's configuration from what Serverless resolved (variables, `!GetAtt` in long form). */
export function stackConfigFromServerless(context: HookContext): StackConfig {
  const { service } = context.serverless;
  return {
    service: typeof service.service === 'string' ? service.service : service.service.name,
    stage: stageOf(context),
    region: regionOf(context),
    provider: service.provider,
    functions: service.functions ?? {},
    resources: service.resources?.Resources ?? {},
    esbuild: service.custom?.esbuild as Record<string, unknown> | undefined,
  };
}

/** True for the errors this project throws on purpose (their message says what to do). */
export const isAppError = (error: unknown): boolean => error instanceof AppError;

/**
 * `sls deploy` with the stage `local` would ship functions pointed at DynamoDB Local: stop before any AWS call.
 * `deploying` says the caller knows the command is a deploy (from a deploy hook).
 */
export function guardDeploy(context: HookContext, deploying = false): void {
  const commands = context.serverless.processedInput?.commands ?? [];
  if (!deploying && commands[0] !== 'deploy') return;
  if (stageOf(context) !== 'local') return;
  throw new LocalStackError(
    'The stage "local" is for this machine only: its functions talk to DynamoDB Local (DYNAMODB_ENDPOINT) ' +
      'and its tables exist nowhere on AWS. ' +
      'Deploy with a real stage instead, for example: npx sls deploy --stage dev',
  );
}

/** The function `sls invoke local -f NAME` names, with its settings (undefined when unknown). */
export function invokedFunction(context: HookContext): { name: string; fn: Record<string, unknown> } | undefined {
  const { serverless, options } = context;
  const name = typeof options.function === 'string' ? options.function : typeof options.f === 'string' ? options.f : undefined;
  const fn = name ? serverless.service.functions?.[name] : undefined;
  return name && fn ? { name, fn } : undefined;
}

/**
 * The DynamoDB endpoint the function uses: `env` when given (osls has set the function's environment and the
 * `--env` options in process.env by `before:invoke:local:invoke`), else its own environment over the provider's.
 */
export function invokeEndpoint(context: HookContext, env?: NodeJS.ProcessEnv): string {
  const endpoint = env?.[EnvName.dynamodbEndpoint];
  if (endpoint) return endpoint;
  const fnEnv = (invokedFunction(context)?.fn.environment ?? {}) as Record<string, unknown>;
  const providerEnv = (context.serverless.service.provider.environment ?? {}) as Record<string, unknown>;
  return String(fnEnv[EnvName.dynamodbEndpoint] ?? providerEnv[EnvName.dynamodbEndpoint] ?? '');
}

/**
 * Before `sls invoke local` on the stage `local`: when nothing answers at DYNAMODB_ENDPOINT, starts a
 * throwaway in-memory DynamoDB Local there with the tables of serverless.yml, for this invocation only.
 * Returns it (to stop afterwards), or undefined when there was nothing to do.
 */
export async function ensureDynamoDBForInvokeLocal(context: HookContext, env?: NodeJS.ProcessEnv): Promise<DynamoDBLocal | undefined> {
  if (stageOf(context) !== 'local') return undefined;
  const endpoint = invokeEndpoint(context, env);
  if (!endpoint) return undefined;
  if (await answersDynamoDB(endpoint, 1500)) return undefined;
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new LocalStackError(`DYNAMODB_ENDPOINT is "${endpoint}", which is not a URL; use http://127.0.0.1:8000`);
  }
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) {
    throw new DynamoDBLocalError(
      `Nothing answers at DYNAMODB_ENDPOINT=${endpoint}, and it is not on this machine, so it cannot be started here. ` +
        `Start it, or unset DYNAMODB_ENDPOINT to use npm start's default.`,
    );
  }
  const port = Number(url.port || 80);
  const database = await startDynamoDBLocal({
    port,
    host: url.hostname === 'localhost' ? '127.0.0.1' : url.hostname.replace(/^\[|\]$/g, ''),
    inMemory: true,
    startTimeoutMs: 60_000,
  });
  // Whatever happens to the invocation, the JVM goes with this process.
  const kill = () => {
    if (database.pid) {
      try {
        process.kill(database.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  };
  process.once('exit', kill);
  const client = createDynamoDBClient({ endpoint, region: regionOf(context) });
  try {
    const tables = tableDefinitions(context.serverless.service.resources?.Resources ?? {});
    await ensureTables(client, tables);
    context.log.notice(
      `Nothing answered at ${endpoint}: started a throwaway in-memory DynamoDB Local there with ${tables.length} tables ` +
        `for this invocation ` +
        `(stopped afterwards; npm start keeps one running).`,
    );
  } catch (error) {
    await database.stop();
    throw error;
  } finally {
    client.destroy();
  }
  return {
    ...database,
    async stop() {
      await database.stop();
      process.off('exit', kill);
    },
  };
}
