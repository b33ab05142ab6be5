import type { CheckpointStore, ShardCheckpoint } from '../store/checkpoint-store.js';
import type { Clock } from './clock.js';
import type { EngineEventListener } from './engine-event.js';
import type { Entry } from './stream-entry.js';

/**
 * A shard's durable position: it moves past the handled prefix of what was read, never past a record that
 * is still in flight, so a restart neither skips nor (beyond the unacknowledged) replays records.
 * Writes are queued in order; a failed write is reported and the next one carries the position on.
 */
export class Checkpointer {
  /** Records read and not yet passed by the checkpoint, in shard order. */
  readonly pending: Entry[] = [];
  /** The last sequence number the checkpoint holds (or is about to). */
  acknowledged: string | undefined;
  private writes: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: CheckpointStore,
    private readonly mappingId: string,
    private readonly shardId: string,
    private readonly functionName: string,
    private readonly clock: Clock,
    private readonly emit: EngineEventListener,
    acknowledged?: string,
  ) {
    this.acknowledged = acknowledged;
  }

  /** Tracks a record read, in order. */
  track(entry: Entry): void {
    this.pending.push(entry);
  }

  /** Moves the checkpoint past the handled prefix of what was read. */
  advance(): void {
    let last: Entry | undefined;
    while (this.pending.length > 0 && this.pending[0]!.done) last = this.pending.shift();
    if (!last) return;
    this.acknowledged = last.sequenceNumber;
    this.write({ sequenceNumber: last.sequenceNumber });
  }

  /** Sets the position without reading (LATEST: past every record already in the shard). */
  skipTo(sequenceNumber: string | undefined): void {
    if (sequenceNumber) this.acknowledged = sequenceNumber;
    this.write(sequenceNumber ? { sequenceNumber } : {});
  }

  /** Marks the shard read to its end and every record handled: its children may start. */
  end(): void {
    this.write({ ...(this.acknowledged ? { sequenceNumber: this.acknowledged } : {}), shardEnded: true });
  }

  /** Resolves when every write queued so far has finished. */
  flushed(): Promise<void> {
    return this.writes;
  }

  private write(checkpoint: Omit<ShardCheckpoint, 'updatedAt'>): void {
    const value: ShardCheckpoint = { ...checkpoint, updatedAt: new Date(this.clock.now()).toISOString() };
    const fields = { functionName: this.functionName, shardId: this.shardId };
    this.writes = this.writes
      .then(() => this.store.put(this.mappingId, this.shardId, value))
      .then(
        () => this.emit({ type: 'checkpoint', ...fields, sequenceNumber: value.sequenceNumber, shardEnded: value.shardEnded === true }),
        (error: unknown) => this.emit({ type: 'checkpointWriteFailed', ...fields, error: (error as Error)?.message ?? String(error) }),
      );
  }
}
