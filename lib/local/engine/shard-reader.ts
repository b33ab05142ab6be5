import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  type DynamoDBStreamsClient,
  type _Record as StreamsRecord,
} from '@aws-sdk/client-dynamodb-streams';
import { isConnectionError, type ConnectionMonitor } from './connection-monitor.js';
import type { EngineEventListener } from './engine-event.js';
import type { WireRecord } from '../../mapping/lambda-record.js';
import { readRecords } from '../../mapping/read-records.js';
import type { StartPosition } from './start-position.js';

/** GetRecords returns at most this many records per call. */
export const GET_RECORDS_LIMIT = 1000;

/** One read of a shard: its records (SDK and wire form), and whether the shard ended with them. */
export type ShardPage = { kind: 'records'; records: StreamsRecord[]; wire: (WireRecord | undefined)[]; ended: boolean } | { kind: 'end' };

/** What the worker does after a failed read. */
export type ReadRecovery = { kind: 'retry'; waitMs: number } | { kind: 'refused'; reason: string } | { kind: 'gone' };

/** What a reader needs from its shard worker. */
export interface ShardReaderDeps {
  streams: DynamoDBStreamsClient;
  streamArn: string;
  shardId: string;
  functionName: string;
  connection: ConnectionMonitor;
  emit: EngineEventListener;
  stopping: () => boolean;
  /** The position the checkpoint holds (after a restart, or after records were handled). */
  acknowledged: () => string | undefined;
  /** LATEST, made durable: the last record already in the shard is checkpointed before anything is read. */
  skippedTo: (sequenceNumber: string | undefined) => Promise<void>;
}

/** The checkpoint names no record of the shard: reading after it would skip records unnoticed. */
class CheckpointRefusal extends Error {
  override readonly name = 'CheckpointRefusal';
}

/**
 * Reads one shard in order with GetRecords: positions an iterator (after the last record read, else after
 * the checkpoint, else at the start position), renews expired iterators without replaying or skipping,
 * continues at the oldest record left after a trim, and refuses a checkpoint that names no record of the shard.
 */
export class ShardReader {
  /** An iterator was obtained once: the start position is one DynamoDB accepts. */
  positioned = false;
  private iterator: string | undefined;
  private lastRead: string | undefined;

  constructor(
    private readonly deps: ShardReaderDeps,
    private start: StartPosition,
  ) {}

  /** Remembers the last record read: a new iterator starts after it. */
  readPast(sequenceNumber: string): void {
    this.lastRead = sequenceNumber;
  }

  /** The next page of the shard. `onPositioned` runs once an iterator is obtained (LATEST: after skipping what is there). */
  async read(onPositioned: () => void): Promise<ShardPage> {
    if (!this.iterator) {
      this.iterator = await this.acquireIterator();
      this.positioned = true;
      onPositioned();
      if (!this.iterator) return { kind: 'end' };
    }
    const { records, wire, nextShardIterator } = await readRecords(this.deps.streams, this.iterator, GET_RECORDS_LIMIT);
    this.iterator = nextShardIterator;
    // No next iterator: a closed shard, read to its end.
    return { kind: 'records', records, wire, ended: !nextShardIterator };
  }

  /** Decides what a failed read means; the iterator is dropped, so the next read positions a new one. */
  async recover(error: unknown): Promise<ReadRecovery> {
    const refused = this.refusal(error);
    if (refused) return { kind: 'refused', reason: refused };
    const { shardId, functionName, connection } = this.deps;
    const name = (error as Error)?.name;
    this.iterator = undefined;
    if (name === 'ExpiredIteratorException') {
      // Iterators live 15 minutes; a new one from the last record read loses nothing.
      this.deps.emit({ type: 'iteratorExpired', functionName, shardId });
      return { kind: 'retry', waitMs: 0 };
    }
    if (name === 'TrimmedDataAccessException') {
      const after = this.lastRead ?? this.deps.acknowledged();
      // With no position yet nothing of ours was trimmed (DynamoDB Local answers so on fresh shards too);
      // TRIM_HORIZON means "the oldest record left" anyway.
      this.deps.emit({ type: 'recordsTrimmed', functionName, shardId, after });
      this.lastRead = undefined;
      this.start = { type: 'TRIM_HORIZON' };
      return { kind: 'retry', waitMs: 0 };
    }
    if (name === 'ResourceNotFoundException') return { kind: 'gone' };
    if (isConnectionError(error)) return { kind: 'retry', waitMs: connection.fail(error, `reading shard ${shardId}`) };
    connection.warnThrottled(`shard ${shardId}: ${name ?? 'Error'}: ${(error as Error)?.message}; retrying`, { shardId });
    return { kind: 'retry', waitMs: connection.delayMs() };
  }

  /**
   * DynamoDB answers a position outside the shard (a checkpoint beyond its last record) with a validation
   * error or, on DynamoDB Local, an InternalFailure: that is the checkpoint's fault, and retrying never helps.
   */
  private refusal(error: unknown): string | undefined {
    if (error instanceof CheckpointRefusal) return error.message;
    if (this.positioned || this.lastRead !== undefined || this.start.type !== 'AFTER_SEQUENCE_NUMBER') return undefined;
    const e = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
    if (
      e?.$metadata?.httpStatusCode === undefined ||
      !['ValidationException', 'InternalFailure', 'InternalServerError'].includes(e.name ?? '')
    )
      return undefined;
    return (
      `DynamoDB refuses to read shard ${this.deps.shardId} after its sequenceNumber ${this.start.sequenceNumber} ` +
      `(${e.name}: ${e.message}); ` +
      'the sequence number is not one of this shard (beyond its last record?)'
    );
  }

  /** An iterator after the last record read, else after the checkpoint, else at the start position. */
  private async acquireIterator(): Promise<string | undefined> {
    if (!this.positioned && this.lastRead === undefined && this.start.type === 'AFTER_SEQUENCE_NUMBER')
      await this.verifyCheckpoint(this.start.sequenceNumber);
    const after = this.lastRead ?? (this.start.type === 'AFTER_SEQUENCE_NUMBER' ? this.start.sequenceNumber : undefined);
    if (after) return this.getIterator('AFTER_SEQUENCE_NUMBER', after);
    if (this.start.type === 'LATEST') return this.skipToEnd();
    return this.getIterator('TRIM_HORIZON');
  }

  /**
   * The checkpoint must name a record of the shard: DynamoDB Local hands out an iterator after any number,
   * and one beyond the last record would silently skip the records written up to it.
   */
  private async verifyCheckpoint(sequenceNumber: string): Promise<void> {
    const { streams, streamArn, shardId } = this.deps;
    const at = await streams.send(
      new GetShardIteratorCommand({
        StreamArn: streamArn,
        ShardId: shardId,
        ShardIteratorType: 'AT_SEQUENCE_NUMBER',
        SequenceNumber: sequenceNumber,
      }),
    );
    let iterator = at.ShardIterator;
    // An answer may come back empty before the records do (AWS); a few reads settle it.
    for (let read = 0; read < 5 && iterator; read += 1) {
      const output = await streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1 }));
      const found = output.Records?.[0]?.dynamodb?.SequenceNumber;
      if (found === sequenceNumber) return;
      if (found !== undefined)
        throw new CheckpointRefusal(
          `shard ${shardId} holds no record ${sequenceNumber} (the next one is ${found}); it is not one of this shard`,
        );
      iterator = output.NextShardIterator;
    }
    throw new CheckpointRefusal(
      `shard ${shardId} holds no record ${sequenceNumber} nor any after it; it is not one of this shard (beyond its last record?)`,
    );
  }

  private async getIterator(type: 'AFTER_SEQUENCE_NUMBER' | 'TRIM_HORIZON', sequenceNumber?: string): Promise<string | undefined> {
    const { streams, streamArn, shardId } = this.deps;
    const output = await streams.send(
      new GetShardIteratorCommand({
        StreamArn: streamArn,
        ShardId: shardId,
        ShardIteratorType: type,
        ...(sequenceNumber ? { SequenceNumber: sequenceNumber } : {}),
      }),
    );
    return output.ShardIterator;
  }

  /**
   * LATEST, made durable: read past every record already in the shard and checkpoint the last one, so a
   * restart neither replays them nor skips what was written while the mapping was down.
   */
  private async skipToEnd(): Promise<string | undefined> {
    let iterator = await this.getIterator('TRIM_HORIZON');
    let last: string | undefined;
    while (iterator && !this.deps.stopping()) {
      const output = await this.deps.streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: GET_RECORDS_LIMIT }));
      const records = output.Records ?? [];
      if (records.length > 0) last = records[records.length - 1]!.dynamodb?.SequenceNumber;
      iterator = output.NextShardIterator;
      if (records.length === 0) break;
    }
    this.start = last ? { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: last } : { type: 'TRIM_HORIZON' };
    if (last) this.lastRead = last;
    await this.deps.skippedTo(last);
    return iterator;
  }
}
