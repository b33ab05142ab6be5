import type { Clock } from './clock.js';
import type { EngineEventListener } from './engine-event.js';

/** Default threshold of the iterator-age warning: a mapping a minute behind its stream is falling behind. */
export const DEFAULT_ITERATOR_AGE_WARNING_MS = 60_000;
/** At most one warning per shard in this interval: a lagging mapping would otherwise warn on every batch. */
const WARNING_INTERVAL_MS = 60_000;

/** Lambda's IteratorAge: how far behind the newest record the mapping is, now minus the batch's last record's creation time. */
export const iteratorAgeMs = (now: number, lastRecordCreatedMs: number | undefined): number | undefined =>
  lastRecordCreatedMs === undefined ? undefined : Math.max(0, now - lastRecordCreatedMs);

/** Warns (one event per shard per minute) when a mapping's iterator age passes its threshold. */
export class IteratorAgeWatch {
  private readonly lastWarned = new Map<string, number>();

  constructor(
    private readonly functionName: string,
    private readonly thresholdMs: number,
    private readonly clock: Clock,
    private readonly emit: EngineEventListener,
  ) {}

  observe(shardId: string, ageMs: number | undefined): void {
    if (ageMs === undefined || ageMs <= this.thresholdMs) return;
    const now = this.clock.now();
    const last = this.lastWarned.get(shardId);
    if (last !== undefined && now - last < WARNING_INTERVAL_MS) return;
    this.lastWarned.set(shardId, now);
    const { functionName, thresholdMs } = this;
    this.emit({ type: 'iteratorAgeWarning', functionName, shardId, iteratorAgeMs: ageMs, thresholdMs });
  }
}
