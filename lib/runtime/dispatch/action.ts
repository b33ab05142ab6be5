import type { Change, Item } from '../change/types.js';
import type { Logger } from '../logging/logger.js';

/** What an action gets besides the change. */
export interface ActionContext {
  readonly logger: Logger;
  /** Milliseconds left before the Lambda timeout (Infinity outside Lambda). */
  remainingTimeMs(): number;
}

/**
 * A pluggable unit of work run for each change of a stream.
 *
 * Ordering: changes of one item key reach an action one at a time, in stream order, and every action of a
 * change finishes before the next change of that key starts. Changes of different item keys may run at the
 * same time (up to the handler's `concurrency`), so an action must not rely on an order across keys, and
 * shared state it writes (an aggregate several items add to) must take concurrent writers, for example with
 * conditional or atomic updates.
 *
 * Idempotence: actions must be idempotent. Delivery is at least once, and when a change fails the batch is
 * retried from the lowest failed or unstarted change: changes after it that already succeeded (other keys
 * that were running at the same time) are delivered and handled again.
 */
export interface Action<T extends Item = Item, K extends Item = Item> {
  /** Shown in logs and errors. */
  readonly name: string;
  /** Runs the action only for changes it returns true for; all changes when absent. */
  readonly match?: (change: Change<T, K>) => boolean;
  /** Does the work; a thrown error fails the record (it is reported and retried). */
  readonly handle: (change: Change<T, K>, context: ActionContext) => Promise<void> | void;
}
