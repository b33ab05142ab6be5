import { randomUUID } from 'node:crypto';
import { GetRecordsCommand, GetShardIteratorCommand, type DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type { _Record as StreamsRecord } from '@aws-sdk/client-dynamodb-streams';
import type { Logger } from '../../logging/logger.js';
import type { RecordFilter } from '../filter/filter-patterns.js';
import type { CheckpointStore, ShardCheckpoint } from '../store/checkpoint-store.js';
import type { DeadLetterStore, StreamFailurePayload } from '../store/dead-letter-store.js';
import { interpretBatchResponse } from './batch-response.js';
import { ConnectionMonitor, isConnectionError } from './connection-monitor.js';
import { streamFailurePayload, type FailureCondition } from './failure-payload.js';
import { toLambdaRecord, type LambdaStreamRecord, type WireRecord } from './lambda-record.js';
import { readRecords } from './read-records.js';
import type { StreamMappingSettings } from './settings.js';
import { invokeWithTimeout, type Invoke, type InvokeResult } from './invoke.js';
import { laneOf } from './lane-of.js';
import { Signal } from './signal.js';


/** Lambda's synchronous invocation payload limit. */
export const MAX_PAYLOAD_BYTES = 6 * 1024 * 1024;
/** GetRecords returns at most this many records per call. */
const GET_RECORDS_LIMIT = 1000;
/** DynamoDB Local stamps ApproximateCreationDateTime to the whole minute; see `creationEstimate`. */
const LOCAL_TIMESTAMP_GRANULARITY_MS = 60_000;
/** What an event holds besides its records (window, state, ARN), reserved in the payload limit. */
const EVENT_ENVELOPE_BYTES = 200;

/** Everything a shard worker shares with its mapping. */
export interface MappingContext {
  settings: StreamMappingSettings;
  mappingId: string;
  /** The local stream ARN, for API calls. */
  streamArn: string;
  /** The stream ARN as delivered in events. */
  eventSourceArn: string;
  region: string;
  functionArn: string;
  streams: DynamoDBStreamsClient;
  invoke: Invoke;
  checkpoints: CheckpointStore;
  deadLetters: DeadLetterStore;
  logger: Logger;
  filter: RecordFilter;
  /** Reshapes each record before filtering and delivery (the stack marks its TTL deletions with the TTL userIdentity). */
  recordDecorator?: ((record: LambdaStreamRecord) => LambdaStreamRecord) | undefined;
  pollIntervalMs: number;
  retryBaseDelayMs: number;
  retryMaxDelayMs: number;
  /** Lambda's 6 MB, unless a test asks for less. */
  maxPayloadBytes: number;
  clock: () => number;
  connection: ConnectionMonitor;
  stopped: () => boolean;
}

export type StartPosition = { type: 'AFTER_SEQUENCE_NUMBER'; sequenceNumber: string } | { type: 'TRIM_HORIZON' } | { type: 'LATEST' };

interface Entry {
  sequenceNumber: string;
  record: LambdaStreamRecord;
  /** JSON size of the record inside an event. */
  bytes: number;
  /** Best estimate of when the record was written, in ms (record age, tumbling windows). */
  createdMs: number;
  /** When it was buffered (batching window). */
  queuedAt: number;
  /** Tumbling window start, in epoch seconds. */
  windowStart: number;
  done: boolean;
  /** Why the record cannot be delivered (it goes to the dead-letter store alone, and the shard moves on). */
  undeliverable?: string;
}

interface TumblingWindow {
  start: number;
  end: number;
  state: unknown;
}

interface Lane {
  index: number;
  queue: Entry[];
  window?: TumblingWindow;
  lastWindowStart: number;
}

/** Stops a delivery loop without acknowledging anything: the records come again after a restart. */
class Stopped extends Error {}

/** The checkpoint names no record of the shard: reading after it would skip records unnoticed. */
class CheckpointRefusal extends Error {
  override readonly name = 'CheckpointRefusal';
}

/**
 * Reads one shard in order and delivers its records to the function with Lambda's semantics: filters,
 * batching (size, window, 6 MB), lanes per item key (parallelizationFactor), partial batch responses,
 * bisection, retries with backoff, record age, dead letters, tumbling windows and a durable checkpoint
 * that only moves past records that are handled.
 */
export class ShardWorker {
  /** Read to the end and every record handled; the checkpoint says so. */
  finished = false;
  /** The shard or its stream disappeared (table deleted, DynamoDB Local restarted in memory). */
  gone = false;
  /** Why DynamoDB refused to read after the checkpoint's sequence number (not in the shard); nothing was read. */
  checkpointRefused: string | undefined;
  /** Start time of the last GetRecords that found nothing new; 0 while records are flowing. */
  caughtUpSince = 0;
  /** Resolves once the start position is known (for LATEST: once the existing records are skipped). */
  readonly ready: Promise<void>;
  readonly done: Promise<void>;

  private cancelled = false;
  private readonly entries: Entry[] = [];
  private readonly lanes: Lane[];
  private readonly wake = new Signal();
  private readerDone = false;
  private iterator: string | undefined;
  /** An iterator was obtained once: the start position is one DynamoDB accepts. */
  private positioned = false;
  private lastRead: string | undefined;
  private acknowledged: string | undefined;
  private checkpointWrites: Promise<void> = Promise.resolve();
  private busyLanes = 0;
  private markReady!: () => void;

  constructor(
    private readonly ctx: MappingContext,
    readonly shardId: string,
    private start: StartPosition,
  ) {
    this.lanes = Array.from({ length: ctx.settings.parallelizationFactor }, (_, index) => ({ index, queue: [], lastWindowStart: 0 }));
    if (start.type === 'AFTER_SEQUENCE_NUMBER') this.acknowledged = start.sequenceNumber;
    this.ready = new Promise((resolve) => (this.markReady = resolve));
    this.done = this.run();
  }

  /** True when nothing read is waiting and a read that began at or after `since` found nothing new. */
  idleSince(since: number): boolean {
    return this.finished || (this.entries.length === 0 && this.busyLanes === 0 && this.caughtUpSince >= since);
  }

  /** Stops reading and delivering; records not yet acknowledged stay unacknowledged. */
  cancel(): void {
    this.cancelled = true;
    this.wake.notify();
  }

  private get stopping(): boolean {
    return this.cancelled || this.ctx.stopped();
  }

  private async run(): Promise<void> {
    let failure: unknown;
    // One loop failing unexpectedly stops the others, so a restarted worker never reads beside a stale one.
    const guard = (loop: Promise<void>) =>
      loop.catch((error: unknown) => {
        failure ??= error;
        this.cancel();
      });
    await Promise.all([guard(this.read()), ...this.lanes.map((lane) => guard(this.runLane(lane)))]);
    this.markReady();
    if (failure !== undefined) {
      await this.checkpointWrites;
      throw failure;
    }
    if (this.stopping || this.gone || !this.readerDone || this.entries.length > 0) {
      await this.checkpointWrites;
      return;
    }
    this.writeCheckpoint({ ...(this.acknowledged ? { sequenceNumber: this.acknowledged } : {}), shardEnded: true });
    await this.checkpointWrites;
    this.finished = true;
    this.ctx.logger.debug('shard finished', { shardId: this.shardId });
  }

  // ---- reading -------------------------------------------------------------------------------

  private async read(): Promise<void> {
    const { settings } = this.ctx;
    const maxBuffered = Math.max(GET_RECORDS_LIMIT, settings.batchSize * settings.parallelizationFactor * 2);
    while (!this.stopping) {
      if (this.entries.length >= maxBuffered) {
        await this.wake.wait(this.ctx.pollIntervalMs);
        continue;
      }
      const startedAt = Date.now();
      try {
        if (!this.iterator) {
          this.iterator = await this.acquireIterator();
          this.positioned = true;
          this.markReady();
          if (!this.iterator) {
            this.readerDone = true;
            break;
          }
        }
        const { records, wire, nextShardIterator } = await readRecords(this.ctx.streams, this.iterator, GET_RECORDS_LIMIT);
        this.ctx.connection.ok();
        for (const [index, record] of records.entries()) this.accept(record, wire[index]);
        this.iterator = nextShardIterator;
        if (records.length > 0) {
          this.caughtUpSince = 0;
          this.advance();
          this.wake.notify();
        }
        if (!this.iterator) {
          // A closed shard, read to its end: its children may start once everything here is handled.
          this.readerDone = true;
          break;
        }
        if (records.length === 0) {
          this.caughtUpSince = startedAt;
          await this.wake.wait(this.ctx.pollIntervalMs);
        }
      } catch (error) {
        if (this.stopping) break;
        if (this.refusesCheckpoint(error)) break;
        await this.onReadError(error);
        // Positioning failed: start() must not wait for it.
        this.markReady();
        if (this.gone) {
          this.readerDone = true;
          break;
        }
      }
    }
    this.markReady();
    this.wake.notify();
  }

  /**
   * DynamoDB answers a position outside the shard (a checkpoint beyond its last record) with a validation
   * error or, on DynamoDB Local, an InternalFailure: that is the checkpoint's fault, and retrying never helps.
   */
  private refusesCheckpoint(error: unknown): boolean {
    if (error instanceof CheckpointRefusal) {
      this.checkpointRefused = error.message;
      this.cancel();
      return true;
    }
    if (this.positioned || this.lastRead !== undefined || this.start.type !== 'AFTER_SEQUENCE_NUMBER') return false;
    const e = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
    if (e?.$metadata?.httpStatusCode === undefined || !['ValidationException', 'InternalFailure', 'InternalServerError'].includes(e.name ?? '')) return false;
    this.checkpointRefused =
      `DynamoDB refuses to read shard ${this.shardId} after its sequenceNumber ${this.start.sequenceNumber} (${e.name}: ${e.message}); ` +
      'the sequence number is not one of this shard (beyond its last record?)';
    this.cancel();
    return true;
  }

  private async onReadError(error: unknown): Promise<void> {
    const name = (error as Error)?.name;
    this.iterator = undefined;
    if (name === 'ExpiredIteratorException') {
      // Iterators live 15 minutes; a new one from the last record read loses nothing.
      this.ctx.logger.debug('shard iterator expired; acquiring a new one', { shardId: this.shardId });
      return;
    }
    if (name === 'TrimmedDataAccessException') {
      const position = this.lastRead ?? this.acknowledged;
      if (position === undefined) {
        // No record read or acknowledged here yet: nothing of ours was trimmed. DynamoDB Local answers
        // this way on fresh shards too; TRIM_HORIZON means "the oldest record left" anyway.
        this.ctx.logger.debug('trimmed data before any position; reading from the oldest record left', { shardId: this.shardId });
        this.start = { type: 'TRIM_HORIZON' };
        return;
      }
      this.ctx.connection.warnThrottled(
        `shard ${this.shardId}: records after ${this.lastRead ?? this.acknowledged ?? 'the start'} were trimmed (older than 24 h); continuing from the oldest record left`,
      );
      this.lastRead = undefined;
      this.start = { type: 'TRIM_HORIZON' };
      return;
    }
    if (name === 'ResourceNotFoundException') {
      this.ctx.logger.warn(`shard ${this.shardId} or its stream no longer exists (table deleted or DynamoDB Local restarted in memory); describing the stream again`, {
        shardId: this.shardId,
      });
      this.gone = true;
      return;
    }
    if (isConnectionError(error)) {
      await this.wake.wait(this.ctx.connection.fail(error, `reading shard ${this.shardId}`));
      return;
    }
    this.ctx.connection.warnThrottled(`shard ${this.shardId}: ${name ?? 'Error'}: ${(error as Error)?.message}; retrying`, { shardId: this.shardId });
    await this.wake.wait(this.ctx.connection.delayMs());
  }

  /** An iterator after the last record read, else after the checkpoint, else at the start position. */
  private async acquireIterator(): Promise<string | undefined> {
    if (!this.positioned && this.lastRead === undefined && this.start.type === 'AFTER_SEQUENCE_NUMBER') await this.verifyCheckpoint(this.start.sequenceNumber);
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
    const at = await this.ctx.streams.send(
      new GetShardIteratorCommand({ StreamArn: this.ctx.streamArn, ShardId: this.shardId, ShardIteratorType: 'AT_SEQUENCE_NUMBER', SequenceNumber: sequenceNumber }),
    );
    let iterator = at.ShardIterator;
    // An answer may come back empty before the records do (AWS); a few reads settle it.
    for (let read = 0; read < 5 && iterator; read += 1) {
      const output = await this.ctx.streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1 }));
      const found = output.Records?.[0]?.dynamodb?.SequenceNumber;
      if (found === sequenceNumber) return;
      if (found !== undefined) throw new CheckpointRefusal(`shard ${this.shardId} holds no record ${sequenceNumber} (the next one is ${found}); it is not one of this shard`);
      iterator = output.NextShardIterator;
    }
    throw new CheckpointRefusal(`shard ${this.shardId} holds no record ${sequenceNumber} nor any after it; it is not one of this shard (beyond its last record?)`);
  }

  private async getIterator(type: 'AFTER_SEQUENCE_NUMBER' | 'TRIM_HORIZON', sequenceNumber?: string): Promise<string | undefined> {
    const output = await this.ctx.streams.send(
      new GetShardIteratorCommand({ StreamArn: this.ctx.streamArn, ShardId: this.shardId, ShardIteratorType: type, ...(sequenceNumber ? { SequenceNumber: sequenceNumber } : {}) }),
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
    while (iterator && !this.stopping) {
      const output = await this.ctx.streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: GET_RECORDS_LIMIT }));
      const records = output.Records ?? [];
      if (records.length > 0) last = records[records.length - 1]!.dynamodb?.SequenceNumber;
      iterator = output.NextShardIterator;
      if (records.length === 0) break;
    }
    this.start = last ? { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: last } : { type: 'TRIM_HORIZON' };
    if (last) {
      this.acknowledged = last;
      this.lastRead = last;
    }
    this.writeCheckpoint(last ? { sequenceNumber: last } : {});
    await this.checkpointWrites;
    return iterator;
  }

  /** DynamoDB Local stamps creation times to the minute: a record cannot be younger than that nor than when it was first seen. */
  private creationEstimate(record: LambdaStreamRecord, seenAt: number): number {
    const stamped = record.dynamodb.ApproximateCreationDateTime;
    if (stamped === undefined) return seenAt;
    return Math.min(seenAt, stamped * 1000 + LOCAL_TIMESTAMP_GRANULARITY_MS - 1);
  }

  /**
   * Buffers one record read. A record that cannot be converted, filtered or delivered is kept in order as
   * undeliverable: it goes to the dead-letter store with the reason, and never stalls the shard.
   */
  private accept(raw: StreamsRecord, wire: WireRecord | undefined): void {
    const seenAt = this.ctx.clock();
    let entry: Entry;
    try {
      entry = this.entryOf(raw, wire, seenAt);
    } catch (error) {
      entry = this.undeliverableEntry(raw, seenAt, `it cannot be converted to a Lambda record: ${(error as Error)?.message ?? String(error)}`);
    }
    this.lastRead = entry.sequenceNumber;
    this.entries.push(entry);
    if (entry.done) return;
    const lane = this.lanes[laneOf(entry.record, this.lanes.length)]!;
    const size = this.ctx.settings.tumblingWindowInSeconds;
    if (size > 0) {
      entry.windowStart = Math.max(lane.lastWindowStart, Math.floor(entry.createdMs / 1000 / size) * size);
      lane.lastWindowStart = entry.windowStart;
    }
    lane.queue.push(entry);
  }

  private entryOf(raw: StreamsRecord, wire: WireRecord | undefined, seenAt: number): Entry {
    const converted = toLambdaRecord(raw, { streamArn: this.ctx.eventSourceArn, region: this.ctx.region }, wire);
    let record = converted;
    try {
      if (this.ctx.recordDecorator) record = this.ctx.recordDecorator(converted);
    } catch (error) {
      this.ctx.connection.warnThrottled(`record decorator failed on ${converted.dynamodb.SequenceNumber}: ${(error as Error)?.message}; delivering the record as read`);
    }
    const createdMs = this.creationEstimate(record, seenAt);
    // AWS stamps the time rounded down to the second; DynamoDB Local to the minute, up to 59 s early.
    if (record.dynamodb.ApproximateCreationDateTime !== undefined) record.dynamodb.ApproximateCreationDateTime = Math.floor(createdMs / 1000);
    const bytes = Buffer.byteLength(JSON.stringify(record)) + 1;
    const entry: Entry = {
      sequenceNumber: record.dynamodb.SequenceNumber,
      record,
      bytes,
      createdMs,
      queuedAt: Date.now(),
      windowStart: 0,
      // Filtered-out records count as processed: the checkpoint moves past them.
      done: !this.ctx.filter(record),
    };
    if (!entry.done && EVENT_ENVELOPE_BYTES + bytes > this.ctx.maxPayloadBytes) {
      entry.undeliverable = `its ${bytes} bytes exceed the invocation payload limit of ${this.ctx.maxPayloadBytes} bytes`;
    }
    return entry;
  }

  /** An entry for a record known only by its metadata: no item contents reach the dead-letter payload or the logs. */
  private undeliverableEntry(raw: StreamsRecord, seenAt: number, reason: string): Entry {
    const sequenceNumber = raw.dynamodb?.SequenceNumber ?? '';
    const stamped = raw.dynamodb?.ApproximateCreationDateTime;
    const createdMs = stamped === undefined ? seenAt : Math.min(seenAt, new Date(stamped).getTime() + LOCAL_TIMESTAMP_GRANULARITY_MS - 1);
    const record: LambdaStreamRecord = {
      eventID: raw.eventID ?? '',
      eventName: raw.eventName as LambdaStreamRecord['eventName'],
      eventVersion: raw.eventVersion ?? '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: this.ctx.region,
      dynamodb: { ApproximateCreationDateTime: Math.floor(createdMs / 1000), SequenceNumber: sequenceNumber },
      eventSourceARN: this.ctx.eventSourceArn,
    };
    return { sequenceNumber, record, bytes: 0, createdMs, queuedAt: Date.now(), windowStart: 0, done: false, undeliverable: reason };
  }

  // ---- checkpointing ----------------------------------------------------------------------------

  /** Moves the checkpoint past the handled prefix of what was read. */
  private advance(): void {
    let last: Entry | undefined;
    while (this.entries.length > 0 && this.entries[0]!.done) last = this.entries.shift();
    if (!last) return;
    this.acknowledged = last.sequenceNumber;
    this.writeCheckpoint({ sequenceNumber: last.sequenceNumber });
  }

  private writeCheckpoint(checkpoint: Omit<ShardCheckpoint, 'updatedAt'>): void {
    const value: ShardCheckpoint = { ...checkpoint, updatedAt: new Date().toISOString() };
    this.checkpointWrites = this.checkpointWrites
      .then(() => this.ctx.checkpoints.put(this.ctx.mappingId, this.shardId, value))
      .catch((error) => this.ctx.logger.error(`could not write the checkpoint of shard ${this.shardId}: ${(error as Error).message}`, { shardId: this.shardId }));
  }

  // ---- delivering -------------------------------------------------------------------------------

  private async runLane(lane: Lane): Promise<void> {
    const { settings } = this.ctx;
    const windowMs = settings.batchWindowSeconds * 1000;
    try {
      while (!this.stopping) {
        if (settings.tumblingWindowInSeconds > 0 && lane.window && this.windowOver(lane)) {
          await this.finishWindow(lane);
          continue;
        }
        if (lane.queue.length === 0) {
          if (this.readerDone && !lane.window) return;
          await this.wake.wait(this.nextWake(lane));
          continue;
        }
        if (lane.queue[0]!.undeliverable !== undefined) {
          await this.deadLetterUndeliverable(lane.queue.shift()!);
          continue;
        }
        const { batch, full } = this.candidate(lane);
        const waited = Date.now() - lane.queue[0]!.queuedAt;
        if (!full && !this.readerDone && waited < windowMs) {
          await this.wake.wait(windowMs - waited);
          continue;
        }
        lane.queue.splice(0, batch.length);
        this.busyLanes += 1;
        try {
          if (settings.tumblingWindowInSeconds > 0 && !lane.window) {
            const start = batch[0]!.windowStart;
            lane.window = { start, end: start + settings.tumblingWindowInSeconds, state: {} };
          }
          await this.deliver(lane, batch, 0);
        } finally {
          this.busyLanes -= 1;
          this.advance();
        }
      }
    } catch (error) {
      if (!(error instanceof Stopped)) throw error;
    }
  }

  private windowOver(lane: Lane): boolean {
    const window = lane.window!;
    const next = lane.queue[0];
    if (next && next.windowStart === window.start) return false;
    return next !== undefined || this.readerDone || this.ctx.clock() >= window.end * 1000;
  }

  private nextWake(lane: Lane): number {
    if (!lane.window) return this.ctx.pollIntervalMs;
    return Math.min(this.ctx.pollIntervalMs, Math.max(0, lane.window.end * 1000 - this.ctx.clock()));
  }

  /** The next batch of a lane: up to batchSize records, under 6 MB, within one tumbling window. */
  private candidate(lane: Lane): { batch: Entry[]; full: boolean } {
    const { settings } = this.ctx;
    const batch: Entry[] = [];
    let bytes = EVENT_ENVELOPE_BYTES;
    for (const entry of lane.queue) {
      if (entry.undeliverable !== undefined) return { batch, full: true };
      if (batch.length >= settings.batchSize) return { batch, full: true };
      if (batch.length > 0 && bytes + entry.bytes > this.ctx.maxPayloadBytes) return { batch, full: true };
      if (settings.tumblingWindowInSeconds > 0 && batch.length > 0 && entry.windowStart !== batch[0]!.windowStart) return { batch, full: true };
      batch.push(entry);
      bytes += entry.bytes;
    }
    return { batch, full: batch.length >= settings.batchSize };
  }

  private event(lane: Lane, batch: readonly Entry[]): unknown {
    const Records = batch.map((entry) => entry.record);
    const window = lane.window;
    if (!window) return { Records };
    return {
      Records,
      window: { start: new Date(window.start * 1000).toISOString(), end: new Date(window.end * 1000).toISOString() },
      state: window.state,
      shardId: this.shardId,
      eventSourceARN: this.ctx.eventSourceArn,
      isFinalInvokeForWindow: false,
      isWindowTerminatedEarly: false,
    };
  }

  private invoke(event: unknown, requestId: string): Promise<InvokeResult> {
    const { settings } = this.ctx;
    return invokeWithTimeout(this.ctx.invoke, event, { functionName: settings.functionName, timeoutSeconds: settings.functionTimeoutSeconds, requestId });
  }

  private logInvocation(batch: readonly Entry[], outcome: string, durationMs: number, extra: Record<string, unknown> = {}): void {
    const first = batch[0]?.sequenceNumber;
    const last = batch[batch.length - 1]?.sequenceNumber;
    const { functionName } = this.ctx.settings;
    this.ctx.logger.info(`${functionName} ${this.shardId} ${batch.length} record(s) ${first}..${last}: ${outcome} (${durationMs} ms)`, {
      function: functionName,
      shardId: this.shardId,
      batchSize: batch.length,
      firstSequenceNumber: first,
      lastSequenceNumber: last,
      outcome,
      durationMs,
      ...extra,
    });
  }

  private backoffMs(retry: number): number {
    return Math.min(this.ctx.retryMaxDelayMs, this.ctx.retryBaseDelayMs * 2 ** (retry - 1));
  }

  /** Waits out a backoff (new records do not cut it short); a stop ends it at once. */
  private async pause(ms: number): Promise<void> {
    const until = Date.now() + ms;
    while (!this.stopping && Date.now() < until) await this.wake.wait(until - Date.now());
    if (this.stopping) throw new Stopped();
  }

  /**
   * Delivers one batch until it succeeds, is split, or is given up (dead letters). Records before the
   * lowest reported failure are acknowledged at once; splitting does not use up retry attempts.
   */
  private async deliver(lane: Lane, entries: Entry[], retriesUsed: number): Promise<void> {
    const { settings } = this.ctx;
    const maxRetries = settings.maximumRetryAttempts;
    let batch = entries;
    let retries = retriesUsed;
    let invocations = 0;
    let requestId = randomUUID();
    let responseContext: StreamFailurePayload['responseContext'] = { statusCode: 200, executedVersion: '$LATEST' };
    for (;;) {
      if (this.stopping) throw new Stopped();
      batch = await this.expireOld(batch, requestId, invocations, responseContext);
      if (batch.length === 0) return;
      requestId = randomUUID();
      const startedAt = Date.now();
      const result = await this.invoke(this.event(lane, batch), requestId);
      invocations += 1;
      const duration = Date.now() - startedAt;
      let failedAt: number;
      let outcome: string;
      if (result.ok) {
        responseContext = { statusCode: 200, executedVersion: '$LATEST' };
        const verdict = interpretBatchResponse(result.response, batch.map((entry) => entry.sequenceNumber), settings.reportBatchItemFailures, lane.window !== undefined);
        if (lane.window && verdict.kind !== 'malformed') lane.window.state = stateOf(result.response);
        if (verdict.kind === 'ok') {
          for (const entry of batch) entry.done = true;
          this.logInvocation(batch, 'ok', duration);
          return;
        }
        if (verdict.kind === 'partial') {
          failedAt = verdict.index;
          outcome = `partial failure at ${verdict.sequenceNumber}`;
        } else {
          failedAt = 0;
          outcome = `error (malformed batch response: ${verdict.reason})`;
        }
      } else {
        responseContext = { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' };
        failedAt = 0;
        outcome = `error ${result.errorType}: ${result.errorMessage}`;
      }
      for (const entry of batch.slice(0, failedAt)) entry.done = true;
      this.advance();
      const remaining = batch.slice(failedAt);
      if (settings.bisectBatchOnFunctionError && failedAt > 0) {
        // Lambda splits at the reported sequence number; that split costs no retry attempt.
        this.logInvocation(batch, `${outcome}; retrying from ${remaining[0]!.sequenceNumber}`, duration);
        batch = remaining;
        continue;
      }
      if (settings.bisectBatchOnFunctionError && remaining.length > 1) {
        const half = Math.ceil(remaining.length / 2);
        this.logInvocation(batch, `${outcome}; bisecting into ${half} + ${remaining.length - half}`, duration);
        await this.deliver(lane, remaining.slice(0, half), retries);
        await this.deliver(lane, remaining.slice(half), retries);
        return;
      }
      retries += 1;
      if (maxRetries !== -1 && retries > maxRetries) {
        this.logInvocation(batch, `${outcome}; sent to dead-letter store after ${invocations} invocation(s)`, duration);
        await this.deadLetter(remaining, 'RetryAttemptsExhausted', requestId, invocations, responseContext);
        return;
      }
      this.logInvocation(batch, `${outcome}; retry ${retries} of ${maxRetries === -1 ? 'unlimited (until the records expire)' : maxRetries}`, duration);
      await this.pause(this.backoffMs(retries));
      batch = remaining;
    }
  }

  /** Records older than maximumRecordAgeInSeconds go to the dead-letter store instead of the function. */
  private async expireOld(batch: Entry[], requestId: string, invocations: number, responseContext: StreamFailurePayload['responseContext']): Promise<Entry[]> {
    const maxAge = this.ctx.settings.maximumRecordAgeInSeconds;
    // -1 means no limit of its own, but records still leave the stream after 24 hours.
    const limitMs = (maxAge === -1 ? 86_400 : maxAge) * 1000;
    const now = this.ctx.clock();
    let expired = 0;
    while (expired < batch.length && now - batch[expired]!.createdMs > limitMs) expired += 1;
    if (expired === 0) return batch;
    const old = batch.slice(0, expired);
    this.logInvocation(old, `record age exceeded ${maxAge === -1 ? 86_400 : maxAge} s; sent to dead-letter store`, 0);
    await this.deadLetter(old, 'RecordAgeExceeded', requestId, invocations, responseContext);
    return batch.slice(expired);
  }

  /** A record the function never sees: straight to the dead-letter store, with the reason, so the shard moves on. */
  private async deadLetterUndeliverable(entry: Entry): Promise<void> {
    this.busyLanes += 1;
    try {
      this.logInvocation([entry], `not deliverable (${entry.undeliverable}); sent to dead-letter store`, 0);
      const responseContext = { statusCode: 200, executedVersion: '$LATEST' };
      await this.deadLetter([entry], 'RecordNotDeliverable', randomUUID(), 0, responseContext, entry.undeliverable);
    } finally {
      this.busyLanes -= 1;
    }
  }

  private async deadLetter(
    entries: Entry[],
    condition: FailureCondition,
    requestId: string,
    invocations: number,
    responseContext: StreamFailurePayload['responseContext'],
    reason?: string,
  ): Promise<void> {
    const { settings } = this.ctx;
    const payload = streamFailurePayload({
      records: entries.map((entry) => entry.record),
      shardId: this.shardId,
      streamArn: this.ctx.eventSourceArn,
      functionArn: this.ctx.functionArn,
      requestId,
      condition,
      approximateInvokeCount: invocations,
      responseContext,
      now: new Date(this.ctx.clock()),
    });
    for (let attempt = 1; ; attempt += 1) {
      try {
        const stored = await this.ctx.deadLetters.put({
          functionName: settings.functionName,
          ...(settings.onFailureDestination ? { destination: settings.onFailureDestination } : {}),
          ...(reason ? { reason } : {}),
          payload,
        });
        this.ctx.logger.info(`${settings.functionName} ${this.shardId}: ${entries.length} record(s) sent to dead-letter store as ${stored.id} (${condition})`, {
          function: settings.functionName,
          shardId: this.shardId,
          deadLetterId: stored.id,
          condition,
        });
        break;
      } catch (error) {
        // Moving on without the dead letter would lose the failure silently: keep trying.
        this.ctx.logger.error(`could not write a dead letter (attempt ${attempt}): ${(error as Error).message}`, { shardId: this.shardId });
        await this.pause(this.backoffMs(Math.min(attempt, 10)));
      }
    }
    for (const entry of entries) entry.done = true;
    this.advance();
  }

  /** The last invocation of a tumbling window: no records, the state so far, isFinalInvokeForWindow. */
  private async finishWindow(lane: Lane): Promise<void> {
    const window = lane.window!;
    const early = this.ctx.clock() < window.end * 1000;
    const { settings } = this.ctx;
    for (let attempt = 0; ; attempt += 1) {
      const requestId = randomUUID();
      const startedAt = Date.now();
      const event = {
        Records: [],
        window: { start: new Date(window.start * 1000).toISOString(), end: new Date(window.end * 1000).toISOString() },
        state: window.state,
        shardId: this.shardId,
        eventSourceARN: this.ctx.eventSourceArn,
        isFinalInvokeForWindow: true,
        isWindowTerminatedEarly: early,
      };
      this.busyLanes += 1;
      let result: InvokeResult;
      try {
        result = await this.invoke(event, requestId);
      } finally {
        this.busyLanes -= 1;
      }
      const duration = Date.now() - startedAt;
      if (result.ok) {
        this.logInvocation([], `final invocation of window ${event.window.start}${early ? ' (terminated early)' : ''}: ok`, duration);
        break;
      }
      const limit = settings.maximumRetryAttempts === -1 ? Number.POSITIVE_INFINITY : settings.maximumRetryAttempts;
      if (attempt >= limit) {
        this.logInvocation([], `final invocation of window ${event.window.start}: error ${result.errorType}; giving up, state dropped`, duration);
        break;
      }
      this.logInvocation([], `final invocation of window ${event.window.start}: error ${result.errorType}: ${result.errorMessage}; retry ${attempt + 1}`, duration);
      await this.pause(this.backoffMs(attempt + 1));
    }
    lane.window = undefined;
    this.wake.notify();
  }
}

function stateOf(response: unknown): unknown {
  if (typeof response === 'object' && response !== null && 'state' in response) {
    const state = (response as { state: unknown }).state;
    return state ?? {};
  }
  return {};
}
