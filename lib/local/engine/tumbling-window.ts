import type { Entry } from './stream-entry.js';

/** One open tumbling window of a lane: its bounds in epoch seconds and the state the function returned last. */
export interface TumblingWindow {
  start: number;
  end: number;
  state: unknown;
}

const iso = (epochSeconds: number): string => new Date(epochSeconds * 1000).toISOString();

/**
 * The window a record falls in: windows are aligned to multiples of their size, and never go back in a
 * lane (a record stamped earlier than the previous one joins the previous one's window).
 */
export function windowStartOf(createdMs: number, sizeSeconds: number, lastWindowStart: number): number {
  return Math.max(lastWindowStart, Math.floor(createdMs / 1000 / sizeSeconds) * sizeSeconds);
}

/** Opens the window of a batch's first record. */
export const openWindow = (start: number, sizeSeconds: number): TumblingWindow => ({ start, end: start + sizeSeconds, state: {} });

/** The window ends when a record of a later window is next, when the shard ended, or when its time is up. */
export function windowOver(window: TumblingWindow, next: Entry | undefined, readerDone: boolean, now: number): boolean {
  if (next && next.windowStart === window.start) return false;
  return next !== undefined || readerDone || now >= window.end * 1000;
}

/** How long a lane may sleep before its window's end needs it. */
export const windowWakeMs = (window: TumblingWindow | undefined, pollIntervalMs: number, now: number): number =>
  window ? Math.min(pollIntervalMs, Math.max(0, window.end * 1000 - now)) : pollIntervalMs;

/** The fields a tumbling-window event carries besides its records. */
export function windowEvent(window: TumblingWindow, shardId: string, eventSourceArn: string, final: { final: boolean; early: boolean }) {
  return {
    window: { start: iso(window.start), end: iso(window.end) },
    state: window.state,
    shardId,
    eventSourceARN: eventSourceArn,
    isFinalInvokeForWindow: final.final,
    isWindowTerminatedEarly: final.early,
  };
}

/** The state a response carries forward (`{}` when it holds none). */
export function stateOf(response: unknown): unknown {
  if (typeof response === 'object' && response !== null && 'state' in response) {
    const state = (response as { state: unknown }).state;
    return state ?? {};
  }
  return {};
}
