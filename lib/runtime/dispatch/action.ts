import type { Change, Item } from '../change/types.js';
import type { Logger } from '../logging/logger.js';

/** What an action gets besides the change. */
export interface ActionContext {
  readonly logger: Logger;
  /** Milliseconds left before the Lambda timeout (Infinity outside Lambda). */
  remainingTimeMs(): number;
}

/** One change a batch action could not apply, and why. */
export interface BatchFailure<T extends Item = Item, K extends Item = Item> {
  readonly change: Change<T, K>;
  readonly error: unknown;
}

/** What a batch action reports: the changes it could not apply (empty when it applied them all). */
export interface BatchOutcome<T extends Item = Item, K extends Item = Item> {
  readonly failed: readonly BatchFailure<T, K>[];
}

/**
 * A pluggable unit of work run for each change of a stream.
 *
 * Ordering: changes of one item key reach an action in stream order. For per-change actions (`handle` only),
 * every action of a change finishes before the next change of that key starts; changes of different item keys
 * may run at the same time (up to the handler's `concurrency`), so an action must not rely on an order across
 * keys, and shared state it writes (an aggregate several items add to) must take concurrent writers, for example
 * with conditional or atomic updates. An action with `handleBatch` runs once over the batch, after the actions
 * before it have finished every change it is given.
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
  /**
   * Optional: does the work of many changes at once (fewer requests), instead of `handle` per change, when the
   * dispatcher runs batch actions (the default). Gets the matching changes still alive (below the lowest failure
   * so far), in stream order. It must apply every change it does not name as failed, keep the order per item key,
   * and stay idempotent; it may apply changes after a failed one (they come again and must then be no-ops). It
   * should not throw: a throw fails every change it was given. `handle` stays the per-change path (backfills,
   * and dispatchers run with batch actions off).
   */
  readonly handleBatch?: (changes: readonly Change<T, K>[], context: ActionContext) => Promise<BatchOutcome<T, K>>;
}
