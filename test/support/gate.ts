import { deferred, nextTurn, until, type Deferred } from './deferred.js';

/** What the gate saw, in order: a task started, or the test let it end. */
export type GateEvent = { readonly type: 'start' | 'end'; readonly id: number };

/** Which waiting task the driver lets end next. */
export type ReleasePolicy = 'first-started' | 'last-started';

/**
 * Holds every task that enters until the test releases it, and records starts, ends and the most
 * tasks held at once, so tests decide completion order without timers.
 */
export interface Gate {
  readonly events: GateEvent[];
  /** Tasks started and not yet released, in start order. */
  readonly waiting: readonly number[];
  readonly maxInFlight: number;
  /** Called by the task under test: resolves (or rejects) when the test releases `id`. */
  enter(id: number): Promise<void>;
  release(id: number, outcome: 'ok' | 'fail'): void;
}

export function createGate(): Gate {
  const events: GateEvent[] = [];
  const held = new Map<number, Deferred<void>>();
  const waiting: number[] = [];
  let maxInFlight = 0;
  return {
    events,
    waiting,
    get maxInFlight() {
      return maxInFlight;
    },
    enter(id) {
      if (held.has(id)) throw new Error(`task ${id} entered the gate twice`);
      const d = deferred();
      held.set(id, d);
      waiting.push(id);
      events.push({ type: 'start', id });
      maxInFlight = Math.max(maxInFlight, waiting.length);
      return d.promise;
    },
    release(id, outcome) {
      const d = held.get(id);
      if (!d) throw new Error(`task ${id} is not waiting`);
      held.delete(id);
      waiting.splice(waiting.indexOf(id), 1);
      events.push({ type: 'end', id });
      if (outcome === 'ok') d.resolve();
      else d.reject(new Error(`task ${id} failed`));
    },
  };
}

/**
 * Releases waiting tasks one by one, by `policy`, until `result` settles; tasks in `failing` fail.
 * Between releases the event loop turns, so the code under test has started whatever it will start.
 */
export async function drive<T>(
  gate: Gate,
  result: Promise<T>,
  policy: ReleasePolicy,
  failing: ReadonlySet<number> = new Set(),
): Promise<T> {
  let settled = false;
  const watched = result.finally(() => void (settled = true));
  watched.catch(() => undefined);
  await nextTurn();
  while (!settled) {
    await until(() => settled || gate.waiting.length > 0, 'a task to release or the result');
    if (settled) break;
    const id = policy === 'first-started' ? gate.waiting[0]! : gate.waiting.at(-1)!;
    gate.release(id, failing.has(id) ? 'fail' : 'ok');
    await nextTurn();
  }
  return watched;
}

/** Start order of the tasks, from the gate's events. */
export const startOrder = (gate: Gate): number[] => gate.events.filter((e) => e.type === 'start').map((e) => e.id);
