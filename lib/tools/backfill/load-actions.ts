import { importHandlerModule } from '../../mapping/function-module.js';
import type { Action } from '../../runtime/dispatch/action.js';
import { ConfigurationError } from '../../runtime/errors.js';
import type { BackfillSource } from './source.js';
import { projectRoot } from '../../mapping/project-paths.js';

export interface LoadActionsOptions {
  /** The project root, where the handler paths of serverless.yml start. */
  projectRoot?: string;
  /** Settings that win over serverless.yml's (for example DYNAMODB_ENDPOINT from --endpoint). */
  overrides?: Record<string, string | undefined>;
  /** The environment to fill; process.env by default (the handler module reads it when imported). */
  env?: NodeJS.ProcessEnv;
}

/**
 * Sets the function's environment (provider.environment, the function's own, then the overrides),
 * and only then imports its handler module, which builds its `actions` from the environment.
 * @throws ConfigurationError when the module is missing or exports no `actions` list.
 */
export async function loadFunctionActions(source: Pick<BackfillSource, 'functionName' | 'handlerModule' | 'environment'>, options: LoadActionsOptions = {}): Promise<readonly Action[]> {
  return (await loadFunctionModule(source, options)).actions;
}

/** The handler module of a function, loaded as {@link loadFunctionActions} does: its `actions` and the rest of its exports. */
export async function loadFunctionModule(
  source: Pick<BackfillSource, 'functionName' | 'handlerModule' | 'environment'>,
  options: LoadActionsOptions = {},
): Promise<{ actions: readonly Action[]; exports: Record<string, unknown> }> {
  const env = options.env ?? process.env;
  for (const [name, value] of Object.entries({ ...source.environment, ...options.overrides })) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  const root = options.projectRoot ?? projectRoot;
  const module = await importHandlerModule(root, source.handlerModule, source.functionName);
  const actions = module.actions;
  if (!Array.isArray(actions) || !actions.every((a) => a && typeof a === 'object' && typeof a.name === 'string' && typeof a.handle === 'function')) {
    throw new ConfigurationError(`${source.handlerModule} does not export an \`actions\` list (Action[]); a backfill runs those actions, so the handler module must export them`);
  }
  return { actions: actions as Action[], exports: module };
}
