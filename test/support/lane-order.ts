import type { GateEvent } from './gate.js';

/**
 * Problems with the per-lane order of gate events: within one lane, each task must start only after the
 * previous one ended, and tasks must start in ascending id (stream) order. Empty when the order holds.
 */
export function laneOrderViolations(events: readonly GateEvent[], laneOf: (id: number) => string): string[] {
  const problems: string[] = [];
  const running = new Map<string, number>();
  const last = new Map<string, number>();
  for (const { type, id } of events) {
    const lane = laneOf(id);
    if (type === 'end') {
      running.delete(lane);
      continue;
    }
    if (running.has(lane)) problems.push(`task ${id} started while task ${running.get(lane)} of lane ${lane} was running`);
    if ((last.get(lane) ?? -1) > id) problems.push(`task ${id} started after task ${last.get(lane)} of lane ${lane}`);
    running.set(lane, id);
    last.set(lane, id);
  }
  return problems;
}

/** Tasks that started after the first failing task ended. */
export function startsAfterFirstFailure(events: readonly GateEvent[], failing: ReadonlySet<number>): number[] {
  const at = events.findIndex((e) => e.type === 'end' && failing.has(e.id));
  return at < 0
    ? []
    : events
        .slice(at)
        .filter((e) => e.type === 'start')
        .map((e) => e.id);
}
