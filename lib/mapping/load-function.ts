import { ConfigurationError } from '../runtime/errors.js';
import { EnvName } from '../runtime/env-names.js';
import { importHandlerModule } from './function-module.js';
import type { FunctionSpec } from './function-spec.js';
import { projectRoot } from './project-paths.js';

/** A function's handler module, imported in this process with the function's environment. */
export interface LoadedFunction {
  spec: FunctionSpec;
  /** Everything the module exports (a backfill takes its `actions`). */
  exports: Record<string, unknown>;
  /** The export `handler` names, when it is a function. */
  handler: ((event: never, context: never) => unknown) | undefined;
}

export interface LoadFunctionOptions {
  /** DynamoDB Local's endpoint: the function talks to it with dummy credentials. Without one, the standard credential chain (AWS). */
  endpoint?: string | undefined;
  /** AWS_REGION and AWS_DEFAULT_REGION. */
  region: string;
  /** Where the handler paths of serverless.yml start; default the project root. */
  projectDir?: string;
  /** Settings that win over serverless.yml's (`undefined` removes a variable). */
  overrides?: Record<string, string | undefined>;
  /** The environment to fill; process.env by default (the handler module reads it when imported). */
  env?: NodeJS.ProcessEnv;
}

/**
 * Sets the function's environment as serverless.yml declares it (region, provider and function
 * `environment`, the endpoint, then the overrides) and only then imports its handler module, which builds
 * its clients and actions from that environment. The test-only fault switch is cleared unless declared:
 * a tool must never inherit it from the shell.
 * @throws ConfigurationError when the handler's file is missing.
 */
export async function loadFunction(spec: FunctionSpec, options: LoadFunctionOptions): Promise<LoadedFunction> {
  const env = options.env ?? process.env;
  const environment: Record<string, string | undefined> = {
    [EnvName.awsRegion]: options.region,
    [EnvName.awsDefaultRegion]: options.region,
    ...spec.environment,
    ...(options.endpoint
      ? { [EnvName.dynamodbEndpoint]: options.endpoint, [EnvName.awsAccessKeyId]: 'local', [EnvName.awsSecretAccessKey]: 'local' }
      : {}),
    ...options.overrides,
  };
  for (const [name, value] of Object.entries(environment)) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  const exports = await importHandlerModule(options.projectDir ?? projectRoot, spec);
  const handler = exports[spec.handler.export];
  return { spec, exports, handler: typeof handler === 'function' ? (handler as LoadedFunction['handler']) : undefined };
}

/** The handler of a loaded function, or a ConfigurationError saying the module does not export it. */
export function handlerOf(loaded: LoadedFunction): NonNullable<LoadedFunction['handler']> {
  if (!loaded.handler) {
    throw new ConfigurationError(`${loaded.spec.handler.module} does not export a function "${loaded.spec.handler.export}"`);
  }
  return loaded.handler;
}
