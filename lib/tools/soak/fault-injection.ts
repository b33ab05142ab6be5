import type { Action } from '../../runtime/dispatch/action.js';
import { InjectedFaultError } from '../errors.js';

/**
 * Test-only: wraps actions so that each call fails, before doing anything, with probability `rate`.
 * A batch action fails each change with that probability: the first change drawn fails, and only the changes
 * before it are handled, as if the action had stopped there.
 * It is switched on only by the TEST_FAULT_RATE setting, which no deployed stage sets.
 */
export function withInjectedFaults(actions: readonly Action[], rate: number, random: () => number = Math.random): Action[] {
  if (!(rate > 0)) return [...actions];
  const fault = (action: Action) => new InjectedFaultError(`injected fault in ${action.name} (TEST_FAULT_RATE=${rate})`);
  return actions.map((action) => {
    const { handleBatch } = action;
    return {
      ...action,
      handle(change, context) {
        if (random() < rate) throw fault(action);
        return action.handle(change, context);
      },
      ...(handleBatch === undefined
        ? {}
        : {
            async handleBatch(changes, context) {
              const at = changes.findIndex(() => random() < rate);
              if (at < 0) return handleBatch(changes, context);
              const before = at === 0 ? { failed: [] } : await handleBatch(changes.slice(0, at), context);
              return { failed: [...before.failed, { change: changes[at]!, error: fault(action) }] };
            },
          }),
    } satisfies Action;
  });
}
