/** An opaque timer handle, as the clock that made it returns it. */
export type TimerHandle = unknown;

/**
 * The engine's one source of time: the current time and its timers. Tests inject a clock that runs ahead
 * (record age, iterator age, tumbling windows) instead of waiting for real time to pass.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  setTimeout(callback: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/** Wall time and Node's timers. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** The system clock shifted by `offsetMs()` (read at every call): a test moves time forward without waiting. */
export function offsetClock(offsetMs: () => number): Clock {
  return { ...systemClock, now: () => Date.now() + offsetMs() };
}
