import { loadFunction, type LoadFunctionOptions } from '../../mapping/load-function.js';
import type { Action } from '../../runtime/dispatch/action.js';
import { ConfigurationError } from '../../runtime/errors.js';
import type { BackfillSource } from './source.js';

/**
 * Loads the function (see loadFunction: its environment first, then its handler module, which builds its
 * `actions` from the environment) and returns its `actions` with the rest of its exports.
 * @throws ConfigurationError when the module is missing or exports no `actions` list.
 */
export async function loadFunctionActions(
  source: Pick<BackfillSource, 'spec'>,
  options: LoadFunctionOptions,
): Promise<{ actions: readonly Action[]; exports: Record<string, unknown> }> {
  const { exports } = await loadFunction(source.spec, options);
  const actions = exports.actions;
  if (
    !Array.isArray(actions) ||
    !actions.every((a) => a && typeof a === 'object' && typeof a.name === 'string' && typeof a.handle === 'function')
  ) {
    throw new ConfigurationError(
      `${source.spec.handler.module} does not export an \`actions\` list (Action[]); ` +
        `a backfill runs those actions, so the handler module must export them`,
    );
  }
  return { actions: actions as Action[], exports };
}
