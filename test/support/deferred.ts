/** A promise with its resolve and reject at hand, for tests that decide when work completes. */
export interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/**
 * Waits until `condition` holds, letting every pending promise callback run between checks (no timers).
 * Throws after `maxTurns` turns of the event loop, so a condition that never comes fails the test instead of hanging it.
 */
export async function until(condition: () => boolean, what = 'the condition', maxTurns = 10_000): Promise<void> {
  for (let turn = 0; turn < maxTurns; turn++) {
    if (condition()) return;
    await nextTurn();
  }
  throw new Error(`${what} did not hold after ${maxTurns} event-loop turns`);
}

/** One turn of the event loop: every promise callback queued so far has run when it resolves. */
export const nextTurn = (): Promise<void> => new Promise<void>((resolve) => setImmediate(resolve));
