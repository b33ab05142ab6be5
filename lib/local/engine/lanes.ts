import { laneOf } from './lane-of.js';
import { EVENT_ENVELOPE_BYTES, type Entry } from './stream-entry.js';
import { windowStartOf, type TumblingWindow } from './tumbling-window.js';

/** One lane of a shard (parallelizationFactor): its records in shard order, and its open tumbling window. */
export interface Lane {
  index: number;
  queue: Entry[];
  window?: TumblingWindow;
  lastWindowStart: number;
}

/** The limits a batch must keep. */
export interface BatchLimits {
  batchSize: number;
  maxPayloadBytes: number;
  tumblingWindowInSeconds: number;
}

/** `parallelizationFactor` lanes; records of one item key always share a lane, so their order holds. */
export class Lanes {
  readonly all: Lane[];

  constructor(
    count: number,
    private readonly tumblingWindowInSeconds: number,
  ) {
    this.all = Array.from({ length: count }, (_, index) => ({ index, queue: [], lastWindowStart: 0 }));
  }

  /** Queues a record to be delivered on the lane of its key, stamping its tumbling window. */
  add(entry: Entry): void {
    const lane = this.all[laneOf(entry.record, this.all.length)]!;
    const size = this.tumblingWindowInSeconds;
    if (size > 0) {
      entry.windowStart = windowStartOf(entry.createdMs, size, lane.lastWindowStart);
      lane.lastWindowStart = entry.windowStart;
    }
    lane.queue.push(entry);
  }
}

/** The next batch of a lane: up to batchSize records, under the payload limit, within one tumbling window. */
export function candidateBatch(queue: readonly Entry[], limits: BatchLimits): { batch: Entry[]; full: boolean } {
  const batch: Entry[] = [];
  let bytes = EVENT_ENVELOPE_BYTES;
  for (const entry of queue) {
    if (entry.undeliverable !== undefined) return { batch, full: true };
    if (batch.length >= limits.batchSize) return { batch, full: true };
    if (batch.length > 0 && bytes + entry.bytes > limits.maxPayloadBytes) return { batch, full: true };
    if (limits.tumblingWindowInSeconds > 0 && batch.length > 0 && entry.windowStart !== batch[0]!.windowStart) return { batch, full: true };
    batch.push(entry);
    bytes += entry.bytes;
  }
  return { batch, full: batch.length >= limits.batchSize };
}
