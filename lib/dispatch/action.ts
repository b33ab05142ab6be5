import type { Change, Item } from '../change/types.js';
import type { Logger } from '../logging/logger.js';

/** What an action gets besides the change. */
export interface ActionContext {
  readonly logger: Logger;
  /** Milliseconds left before the Lambda timeout (Infinity outside Lambda). */
  remainingTimeMs(): number;
}

/**
 * A pluggable unit of work run for each change of a stream. Actions must be idempotent:
 * delivery is at least once, and a retried batch brings changes again.
 */
export interface Action<T extends Item = Item, K extends Item = Item> {
  /** Shown in logs and errors. */
  readonly name: string;
  /** Runs the action only for changes it returns true for; all changes when absent. */
  readonly match?: (change: Change<T, K>) => boolean;
  /** Does the work; a thrown error fails the record (it is reported and retried). */
  readonly handle: (change: Change<T, K>, context: ActionContext) => Promise<void> | void;
}
