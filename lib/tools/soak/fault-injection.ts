import type { Action } from '../../runtime/dispatch/action.js';
import { InjectedFaultError } from '../../runtime/errors.js';

/**
 * Test-only: wraps actions so that each call fails, before doing anything, with probability `rate`.
 * It is switched on only by the TEST_FAULT_RATE setting, which no deployed stage sets.
 */
export function withInjectedFaults(actions: readonly Action[], rate: number, random: () => number = Math.random): Action[] {
  if (!(rate > 0)) return [...actions];
  return actions.map((action) => ({
    ...action,
    handle(change, context) {
      if (random() < rate) throw new InjectedFaultError(`injected fault in ${action.name} (TEST_FAULT_RATE=${rate})`);
      return action.handle(change, context);
    },
  }));
}
