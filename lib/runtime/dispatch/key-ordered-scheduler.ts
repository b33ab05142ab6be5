/** What runKeyOrdered runs: `count` tasks, indexed in stream order. */
export interface KeyOrderedTasks {
  readonly count: number;
  /** Most tasks running at once; a whole number of at least 1. */
  readonly concurrency: number;
  /** Lane of task `index`: tasks of one lane run one at a time, in index order. Called once per task. */
  keyOf(index: number): string;
  /** Runs task `index`; true when it succeeded. A false, a throw or a rejection is a failure of that task. */
  run(index: number): boolean | PromiseLike<boolean>;
  /** Asked right before task `index` starts; false stops the run there. */
  mayStart(index: number): boolean;
}

/** How a key-ordered run ended. */
export interface KeyOrderedOutcome {
  /** The lowest index that failed or never started; undefined when every task succeeded. */
  readonly firstUnfinished: number | undefined;
  /** How many tasks succeeded, including tasks after `firstUnfinished` that were in flight when the run stopped. */
  readonly succeeded: number;
}

const NONE = -1;

const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';

/**
 * Runs tasks of different lanes concurrently (up to `concurrency`) and tasks of one lane strictly in order.
 *
 * Of the tasks that may start, the lowest index starts first, so a stop leaves as little as possible unfinished.
 * After the first failure, or when `mayStart` says no, nothing else starts; the tasks in flight are awaited
 * before the promise settles. It rejects only when `keyOf` or `mayStart` throws (after the tasks in flight settled).
 */
export function runKeyOrdered(tasks: KeyOrderedTasks): Promise<KeyOrderedOutcome> {
  const { count, concurrency } = tasks;
  const done = new Uint8Array(count);
  const keys = new Array<string>(count);
  // The next task of the same lane, or NONE: a linked list per lane, so waiting costs no allocation per task.
  const nextInLane = new Int32Array(count).fill(NONE);
  // Lane key → index of its last scanned task, for every lane with a task running, ready or waiting.
  const laneTails = new Map<string, number>();
  // Tasks whose lane is free, ascending; every entry is below `cursor`.
  const ready: number[] = [];
  let cursor = 0;
  let inFlight = 0;
  let succeeded = 0;
  let stopped = false;
  let failure: { error: unknown } | undefined;

  const scan = () => {
    const index = cursor++;
    const key = tasks.keyOf(index);
    keys[index] = key;
    const tail = laneTails.get(key);
    if (tail !== undefined) nextInLane[tail] = index;
    else ready.push(index);
    laneTails.set(key, index);
  };

  const insertReady = (index: number) => {
    let low = 0;
    let high = ready.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (ready[mid]! < index) low = mid + 1;
      else high = mid;
    }
    ready.splice(low, 0, index);
  };

  // Bookkeeping after a task ended; never starts anything itself (pump does), so synchronous tasks do not recurse.
  const settle = (index: number, ok: boolean) => {
    inFlight--;
    if (ok) {
      done[index] = 1;
      succeeded++;
    } else {
      stopped = true;
    }
    const next = nextInLane[index]!;
    if (next !== NONE) insertReady(next);
    else laneTails.delete(keys[index]!);
  };

  return new Promise<KeyOrderedOutcome>((resolve, reject) => {
    const finish = () => {
      if (failure) return reject(failure.error);
      let first = 0;
      while (first < count && done[first] === 1) first++;
      resolve({ firstUnfinished: first < count ? first : undefined, succeeded });
    };
    const pump = () => {
      try {
        while (!stopped && inFlight < concurrency) {
          while (ready.length === 0 && cursor < count) scan();
          if (ready.length === 0) break;
          const index = ready[0]!;
          if (!tasks.mayStart(index)) {
            stopped = true;
            break;
          }
          ready.shift();
          inFlight++;
          let result: unknown;
          try {
            result = tasks.run(index);
          } catch {
            result = false;
          }
          if (isThenable(result))
            result.then(
              (ok) => complete(index, ok === true),
              () => complete(index, false),
            );
          else settle(index, result === true);
        }
      } catch (error) {
        stopped = true;
        failure ??= { error };
      }
      if (inFlight === 0 && (stopped || (ready.length === 0 && cursor === count))) finish();
    };
    const complete = (index: number, ok: boolean) => {
      settle(index, ok);
      pump();
    };
    pump();
  });
}
