/** Spaces out work to at most `perSecond` units per second, across every caller sharing it. */
export interface RateLimiter {
  /** Resolves when `units` may be spent. */
  take(units: number, signal?: AbortSignal): Promise<void>;
}

export interface RateLimiterOptions {
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

const defaultSleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

/** A limiter for `perSecond` units per second; `undefined`, 0 or Infinity means no limit. */
export function createRateLimiter(perSecond: number | undefined, options: RateLimiterOptions = {}): RateLimiter {
  if (!perSecond || perSecond === Infinity) return { take: async () => {} };
  if (!(perSecond > 0)) throw new RangeError(`rate must be a positive number of items per second, got ${perSecond}`);
  const now = options.now ?? (() => performance.now());
  const sleep = options.sleep ?? defaultSleep;
  // The time from which the next units may be spent: each take reserves its share of the timeline.
  let nextFree = now();
  return {
    async take(units, signal) {
      const start = Math.max(now(), nextFree);
      nextFree = start + (units / perSecond) * 1000;
      const wait = start - now();
      if (wait > 0) await sleep(wait, signal);
    },
  };
}
