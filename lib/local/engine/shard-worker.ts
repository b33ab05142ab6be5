import { randomUUID } from 'node:crypto';
import type { DynamoDBStreamsClient, _Record as StreamsRecord } from '@aws-sdk/client-dynamodb-streams';
import type { RecordFilter } from '../../mapping/filter-patterns.js';
import type { CheckpointStore } from '../store/checkpoint-store.js';
import type { DeadLetterStore } from '../store/dead-letter-store.js';
import { Checkpointer } from './checkpointer.js';
import type { Clock } from './clock.js';
import type { ConnectionMonitor } from './connection-monitor.js';
import { backoffMs, nextStep, recordAgeLimitSeconds } from './delivery-policy.js';
import type { Attempts, DeliveryRules, DeliveryStep, InvocationOutcome } from './delivery-policy.js';
import type { EngineEventListener, NextStepSummary, OutcomeEvent } from './engine-event.js';
import { streamFailurePayload, type FailureCondition } from '../../mapping/failure-payload.js';
import { invokeOnce, type Invoke, type InvokeResult } from './invoke.js';
import type { StreamFailurePayload } from '../../mapping/failure-payload.js';
import { iteratorAgeMs, type IteratorAgeWatch } from './iterator-age.js';
import type { LambdaStreamRecord, WireRecord } from '../../mapping/lambda-record.js';
import { candidateBatch, Lanes, type Lane } from './lanes.js';
import type { StreamMappingSettings } from '../../mapping/settings.js';
import { ShardReader, GET_RECORDS_LIMIT } from './shard-reader.js';
import { Signal } from './signal.js';
import type { StartPosition } from './start-position.js';
import { entryOf, type Entry } from './stream-entry.js';
import { openWindow, stateOf, windowEvent, windowOver, windowWakeMs } from './tumbling-window.js';

/** Lambda's synchronous invocation payload limit. */
export const MAX_PAYLOAD_BYTES = 6 * 1024 * 1024;

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
  filter: RecordFilter;
  /** Reshapes each record before filtering and delivery (the stack marks its TTL deletions with the TTL userIdentity). */
  recordDecorator?: ((record: LambdaStreamRecord) => LambdaStreamRecord) | undefined;
  pollIntervalMs: number;
  retryBaseDelayMs: number;
  retryMaxDelayMs: number;
  /** Lambda's 6 MB, unless a test asks for less. */
  maxPayloadBytes: number;
  /** The one clock of the engine: now, timers, record age, iterator age, windows. */
  clock: Clock;
  connection: ConnectionMonitor;
  emit: EngineEventListener;
  iteratorAge: IteratorAgeWatch;
  /** A counter that orders reads against drains (not a time). */
  tick: () => number;
  stopped: () => boolean;
}

/** Stops a delivery loop without acknowledging anything: the records come again after a restart. */
class Stopped extends Error {
  override readonly name = 'Stopped';
}

const OK_RESPONSE: StreamFailurePayload['responseContext'] = { statusCode: 200, executedVersion: '$LATEST' };

/**
 * Reads one shard in order and delivers its records to the function with Lambda's semantics. The parts:
 * a ShardReader (iterators, GetRecords), Lanes (parallelizationFactor), a Checkpointer, the pure delivery
 * policy (`nextStep`) and tumbling windows; this class runs them and reports what happens as events.
 */
export class ShardWorker {
  /** Read to the end and every record handled; the checkpoint says so. */
  finished = false;
  /** The shard or its stream disappeared (table deleted, DynamoDB Local restarted in memory). */
  gone = false;
  /** Why DynamoDB refused to read after the checkpoint's sequence number (not in the shard); nothing was read. */
  checkpointRefused: string | undefined;
  /** Tick at the start of the last GetRecords that found nothing new; 0 while records are flowing. */
  caughtUpSince = 0;
  /** Resolves once the start position is known (for LATEST: once the existing records are skipped). */
  readonly ready: Promise<void>;
  readonly done: Promise<void>;

  private cancelled = false;
  private readonly lanes: Lanes;
  private readonly wake: Signal;
  private readonly checkpointer: Checkpointer;
  private readonly reader: ShardReader;
  private readonly rules: DeliveryRules;
  private readerDone = false;
  private busyLanes = 0;
  private markReady!: () => void;

  constructor(
    private readonly ctx: MappingContext,
    readonly shardId: string,
    start: StartPosition,
  ) {
    const { settings, clock } = ctx;
    this.wake = new Signal(clock);
    this.lanes = new Lanes(settings.parallelizationFactor, settings.tumblingWindowInSeconds);
    this.checkpointer = new Checkpointer(
      ctx.checkpoints,
      ctx.mappingId,
      shardId,
      settings.functionName,
      clock,
      ctx.emit,
      start.type === 'AFTER_SEQUENCE_NUMBER' ? start.sequenceNumber : undefined,
    );
    this.reader = new ShardReader(
      {
        streams: ctx.streams,
        streamArn: ctx.streamArn,
        shardId,
        functionName: settings.functionName,
        connection: ctx.connection,
        emit: ctx.emit,
        stopping: () => this.stopping,
        acknowledged: () => this.checkpointer.acknowledged,
        skippedTo: async (sequenceNumber) => {
          this.checkpointer.skipTo(sequenceNumber);
          await this.checkpointer.flushed();
        },
      },
      start,
    );
    this.rules = {
      reportBatchItemFailures: settings.reportBatchItemFailures,
      bisectBatchOnFunctionError: settings.bisectBatchOnFunctionError,
      maximumRetryAttempts: settings.maximumRetryAttempts,
      maximumRecordAgeInSeconds: settings.maximumRecordAgeInSeconds,
      tumblingWindow: settings.tumblingWindowInSeconds > 0,
      retryBaseDelayMs: ctx.retryBaseDelayMs,
      retryMaxDelayMs: ctx.retryMaxDelayMs,
    };
    this.ready = new Promise((resolve) => (this.markReady = resolve));
    this.done = this.run();
  }

  /** True when nothing read is waiting and a read that began after tick `since` found nothing new. */
  idleSince(since: number): boolean {
    return this.finished || (this.checkpointer.pending.length === 0 && this.busyLanes === 0 && this.caughtUpSince >= since);
  }

  /** Stops reading and delivering; records not yet acknowledged stay unacknowledged. */
  cancel(): void {
    this.cancelled = true;
    this.wake.notify();
  }

  private get stopping(): boolean {
    return this.cancelled || this.ctx.stopped();
  }

  private get fields() {
    return { functionName: this.ctx.settings.functionName, shardId: this.shardId };
  }

  private async run(): Promise<void> {
    let failure: unknown;
    // One loop failing unexpectedly stops the others, so a restarted worker never reads beside a stale one.
    const guard = (loop: Promise<void>) =>
      loop.catch((error: unknown) => {
        failure ??= error;
        this.cancel();
      });
    await Promise.all([guard(this.read()), ...this.lanes.all.map((lane) => guard(this.runLane(lane)))]);
    this.markReady();
    if (failure !== undefined) {
      await this.checkpointer.flushed();
      throw failure;
    }
    if (this.stopping || this.gone || !this.readerDone || this.checkpointer.pending.length > 0) {
      await this.checkpointer.flushed();
      return;
    }
    this.checkpointer.end();
    await this.checkpointer.flushed();
    this.finished = true;
    this.ctx.emit({ type: 'shardFinished', ...this.fields });
  }

  // ---- reading -------------------------------------------------------------------------------

  private async read(): Promise<void> {
    const { settings } = this.ctx;
    const maxBuffered = Math.max(GET_RECORDS_LIMIT, settings.batchSize * settings.parallelizationFactor * 2);
    while (!this.stopping) {
      if (this.checkpointer.pending.length >= maxBuffered) {
        await this.wake.wait(this.ctx.pollIntervalMs);
        continue;
      }
      const startedAt = this.ctx.tick();
      try {
        const page = await this.reader.read(() => this.markReady());
        if (page.kind === 'end') {
          this.readerDone = true;
          break;
        }
        this.ctx.connection.ok();
        for (const [index, record] of page.records.entries()) this.accept(record, page.wire[index]);
        if (page.records.length > 0) {
          this.caughtUpSince = 0;
          this.checkpointer.advance();
          this.wake.notify();
        }
        if (page.ended) {
          // A closed shard, read to its end: its children may start once everything here is handled.
          this.readerDone = true;
          break;
        }
        if (page.records.length === 0) {
          this.caughtUpSince = startedAt;
          await this.wake.wait(this.ctx.pollIntervalMs);
        }
      } catch (error) {
        if (this.stopping) break;
        const recovery = await this.reader.recover(error);
        if (recovery.kind === 'refused') {
          this.checkpointRefused = recovery.reason;
          this.cancel();
          break;
        }
        // Positioning failed: start() must not wait for it.
        this.markReady();
        if (recovery.kind === 'gone') {
          const { functionName, tableName } = settings;
          this.ctx.emit({
            type: 'streamReset',
            functionName,
            tableName,
            reason: 'shard-gone',
            streamArn: this.ctx.streamArn,
            shardId: this.shardId,
          });
          this.gone = true;
          this.readerDone = true;
          break;
        }
        if (recovery.waitMs > 0) await this.wake.wait(recovery.waitMs);
      }
    }
    this.markReady();
    this.wake.notify();
  }

  /**
   * Buffers one record read. A record that cannot be converted, filtered or delivered is kept in order as
   * undeliverable: it goes to the dead-letter store with the reason, and never stalls the shard.
   */
  private accept(raw: StreamsRecord, wire: WireRecord | undefined): void {
    const entry = entryOf(raw, wire, this.ctx.clock.now(), {
      eventSourceArn: this.ctx.eventSourceArn,
      region: this.ctx.region,
      maxPayloadBytes: this.ctx.maxPayloadBytes,
      filter: this.ctx.filter,
      recordDecorator: this.ctx.recordDecorator,
      onDecoratorError: (sequenceNumber, error) =>
        this.ctx.connection.warnThrottled(
          `record decorator failed on ${sequenceNumber}: ${(error as Error)?.message}; delivering the record as read`,
        ),
    });
    this.reader.readPast(entry.sequenceNumber);
    this.checkpointer.track(entry);
    if (!entry.done) this.lanes.add(entry);
  }

  // ---- delivering -------------------------------------------------------------------------------

  private async runLane(lane: Lane): Promise<void> {
    const { settings, clock } = this.ctx;
    const windowMs = settings.batchWindowSeconds * 1000;
    const { batchSize, tumblingWindowInSeconds } = settings;
    const limits = { batchSize, maxPayloadBytes: this.ctx.maxPayloadBytes, tumblingWindowInSeconds };
    try {
      while (!this.stopping) {
        if (lane.window && windowOver(lane.window, lane.queue[0], this.readerDone, clock.now())) {
          await this.finishWindow(lane);
          continue;
        }
        if (lane.queue.length === 0) {
          if (this.readerDone && !lane.window) return;
          await this.wake.wait(windowWakeMs(lane.window, this.ctx.pollIntervalMs, clock.now()));
          continue;
        }
        if (lane.queue[0]!.undeliverable !== undefined) {
          await this.deadLetterUndeliverable(lane.queue.shift()!);
          continue;
        }
        const { batch, full } = candidateBatch(lane.queue, limits);
        const waited = clock.now() - lane.queue[0]!.queuedAt;
        if (windowMs > 0 && !full && !this.readerDone && waited < windowMs) {
          await this.wake.wait(Math.min(windowMs, windowMs - waited));
          continue;
        }
        lane.queue.splice(0, batch.length);
        this.busyLanes += 1;
        try {
          if (tumblingWindowInSeconds > 0 && !lane.window) lane.window = openWindow(batch[0]!.windowStart, tumblingWindowInSeconds);
          await this.deliver(lane, batch, 0);
        } finally {
          this.busyLanes -= 1;
          this.checkpointer.advance();
        }
      }
    } catch (error) {
      if (!(error instanceof Stopped)) throw error;
    }
  }

  private event(lane: Lane, batch: readonly Entry[]): unknown {
    const Records = batch.map((entry) => entry.record);
    if (!lane.window) return { Records };
    return { Records, ...windowEvent(lane.window, this.shardId, this.ctx.eventSourceArn, { final: false, early: false }) };
  }

  private invoke(event: unknown, requestId: string): Promise<InvokeResult> {
    const { settings } = this.ctx;
    const options = { functionName: settings.functionName, timeoutMs: settings.functionTimeoutSeconds * 1000, requestId };
    return invokeOnce(this.ctx.invoke, event, options);
  }

  private batchFields(batch: readonly Entry[], requestId: string) {
    return {
      ...this.fields,
      requestId,
      batchSize: batch.length,
      firstSequenceNumber: batch[0]?.sequenceNumber,
      lastSequenceNumber: batch[batch.length - 1]?.sequenceNumber,
    };
  }

  /** Waits out a backoff (new records do not cut it short); a stop ends it at once. */
  private async pause(ms: number): Promise<void> {
    const { clock } = this.ctx;
    const until = clock.now() + ms;
    while (!this.stopping && clock.now() < until) await this.wake.wait(until - clock.now());
    if (this.stopping) throw new Stopped();
  }

  private acknowledge(batch: readonly Entry[], count: number): void {
    for (const entry of batch.slice(0, count)) entry.done = true;
    this.checkpointer.advance();
  }

  /**
   * Delivers one batch until it succeeds, is split, or is given up (dead letters), step by step as the
   * delivery policy decides. Records before the lowest reported failure are acknowledged at once.
   */
  private async deliver(lane: Lane, entries: Entry[], retriesUsed: number): Promise<void> {
    const { settings, clock } = this.ctx;
    let batch = entries;
    const attempts: Attempts = { retries: retriesUsed, invocations: 0 };
    let requestId = randomUUID();
    let responseContext = OK_RESPONSE;
    let outcome: InvocationOutcome = { kind: 'unsent' };
    let invoked = { durationMs: 0, iteratorAgeMs: undefined as number | undefined, batch };
    for (;;) {
      if (this.stopping) throw new Stopped();
      const view = { sequenceNumbers: batch.map((entry) => entry.sequenceNumber), createdMs: batch.map((entry) => entry.createdMs) };
      const step = nextStep(outcome, view, attempts, this.rules, clock.now());
      if (step.kind === 'invoke') {
        requestId = randomUUID();
        const ageMs = iteratorAgeMs(clock.now(), batch[batch.length - 1]?.createdMs);
        this.ctx.iteratorAge.observe(this.shardId, ageMs);
        const attempt = attempts.invocations + 1;
        this.ctx.emit({ type: 'invocation', ...this.batchFields(batch, requestId), iteratorAgeMs: ageMs, attempt });
        const startedAt = clock.now();
        const result = await this.invoke(this.event(lane, batch), requestId);
        attempts.invocations += 1;
        invoked = { durationMs: clock.now() - startedAt, iteratorAgeMs: ageMs, batch };
        outcome = result.ok
          ? { kind: 'returned', response: result.response }
          : { kind: 'failed', errorType: result.errorType, errorMessage: result.errorMessage };
        responseContext = result.ok ? OK_RESPONSE : { ...OK_RESPONSE, functionError: 'Unhandled' };
        continue;
      }
      if (step.verdict) {
        const answered = outcome.kind === 'returned' && step.verdict.errorType !== 'MalformedBatchResponse';
        if (lane.window && outcome.kind === 'returned' && answered) lane.window.state = stateOf(outcome.response);
        this.emitOutcome(step, batch, requestId, invoked, attempts);
      }
      outcome = { kind: 'unsent' };
      const remaining = batch.slice(step.kind === 'ack' ? batch.length : step.acknowledge);
      switch (step.kind) {
        case 'ack':
          this.acknowledge(batch, batch.length);
          return;
        case 'split':
          this.acknowledge(batch, step.acknowledge);
          this.ctx.emit({ type: 'split', ...this.batchFields(remaining, requestId), at: step.at, parts: step.parts });
          if (step.at === 'failure') {
            batch = remaining;
            continue;
          }
          await this.deliver(lane, remaining.slice(0, step.parts[0]), attempts.retries);
          await this.deliver(lane, remaining.slice(step.parts[0]), attempts.retries);
          return;
        case 'retry': {
          this.acknowledge(batch, step.acknowledge);
          const { retry, delayMs } = step;
          this.ctx.emit({
            type: 'retry',
            ...this.batchFields(remaining, requestId),
            retry,
            maxRetries: settings.maximumRetryAttempts,
            delayMs,
          });
          await this.pause(step.delayMs);
          attempts.retries = step.retry;
          batch = remaining;
          continue;
        }
        case 'deadLetter': {
          this.acknowledge(batch, step.acknowledge);
          const given = remaining.slice(0, step.count);
          if (step.condition === 'RecordAgeExceeded') {
            const maximumRecordAgeSeconds = recordAgeLimitSeconds(this.rules);
            this.ctx.emit({ type: 'recordAgeExceeded', ...this.batchFields(given, requestId), maximumRecordAgeSeconds });
          }
          await this.deadLetter(given, step.condition, requestId, attempts.invocations, responseContext);
          batch = remaining.slice(step.count);
          if (batch.length === 0) return;
          continue;
        }
      }
    }
  }

  private emitOutcome(
    step: Exclude<DeliveryStep, { kind: 'invoke' }>,
    batch: readonly Entry[],
    requestId: string,
    invoked: { durationMs: number; iteratorAgeMs: number | undefined },
    attempts: Attempts,
  ): void {
    const verdict = step.verdict!;
    const from = batch[step.kind === 'ack' ? batch.length : step.acknowledge]?.sequenceNumber ?? '';
    let next: NextStepSummary;
    if (step.kind === 'ack') next = { kind: 'ack' };
    else if (step.kind === 'retry')
      next = { kind: 'retry', retry: step.retry, maxRetries: this.rules.maximumRetryAttempts, fromSequenceNumber: from };
    else if (step.kind === 'split' && step.at === 'failure') next = { kind: 'split', at: 'failure', fromSequenceNumber: from };
    else if (step.kind === 'split') next = { kind: 'split', at: 'half', parts: [step.parts[0]!, step.parts[1]!] };
    else next = { kind: 'deadLetter', invocations: attempts.invocations };
    const event: OutcomeEvent = {
      type: 'outcome',
      ...this.batchFields(batch, requestId),
      outcome: verdict.outcome,
      durationMs: invoked.durationMs,
      iteratorAgeMs: invoked.iteratorAgeMs,
      next,
    };
    if (verdict.outcome === 'partial') event.failedAt = batch[verdict.failedAt]!.sequenceNumber;
    if (verdict.errorType !== undefined) event.errorType = verdict.errorType;
    if (verdict.errorMessage !== undefined) event.errorMessage = verdict.errorMessage;
    this.ctx.emit(event);
  }

  /** A record the function never sees: straight to the dead-letter store, with the reason, so the shard moves on. */
  private async deadLetterUndeliverable(entry: Entry): Promise<void> {
    this.busyLanes += 1;
    try {
      const requestId = randomUUID();
      this.ctx.emit({ type: 'undeliverable', ...this.batchFields([entry], requestId), reason: entry.undeliverable! });
      await this.deadLetter([entry], 'RecordNotDeliverable', requestId, 0, OK_RESPONSE, entry.undeliverable);
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
      now: new Date(this.ctx.clock.now()),
      // AWS writes the whole invocation record, records included, to an S3 destination only.
      includeRecords: settings.onFailureDestinationType === 's3',
    });
    for (let attempt = 1; ; attempt += 1) {
      try {
        const stored = await this.ctx.deadLetters.put({
          functionName: settings.functionName,
          ...(settings.onFailureDestination ? { destination: settings.onFailureDestination } : {}),
          ...(reason ? { reason } : {}),
          payload,
        });
        this.ctx.emit({
          type: 'deadLetter',
          ...this.batchFields(entries, requestId),
          condition,
          deadLetterId: stored.id,
          destination: settings.onFailureDestination,
          invocations,
          ...(reason ? { reason } : {}),
        });
        break;
      } catch (error) {
        // Moving on without the dead letter would lose the failure silently: keep trying.
        this.ctx.emit({ type: 'deadLetterWriteFailed', ...this.fields, attempt, error: (error as Error)?.message ?? String(error) });
        await this.pause(backoffMs(Math.min(attempt, 10), this.rules));
      }
    }
    for (const entry of entries) entry.done = true;
    this.checkpointer.advance();
  }

  /** The last invocation of a tumbling window: no records, the state so far, isFinalInvokeForWindow. */
  private async finishWindow(lane: Lane): Promise<void> {
    const window = lane.window!;
    const { settings, clock } = this.ctx;
    const early = clock.now() < window.end * 1000;
    const final = { windowStart: new Date(window.start * 1000).toISOString(), terminatedEarly: early };
    for (let attempt = 0; ; attempt += 1) {
      const requestId = randomUUID();
      const fields = this.batchFields([], requestId);
      this.ctx.emit({ type: 'invocation', ...fields, iteratorAgeMs: undefined, attempt: attempt + 1, finalInvokeForWindow: final });
      const startedAt = clock.now();
      const event = { Records: [], ...windowEvent(window, this.shardId, this.ctx.eventSourceArn, { final: true, early }) };
      this.busyLanes += 1;
      let result: InvokeResult;
      try {
        result = await this.invoke(event, requestId);
      } finally {
        this.busyLanes -= 1;
      }
      const durationMs = clock.now() - startedAt;
      const limit = settings.maximumRetryAttempts === -1 ? Number.POSITIVE_INFINITY : settings.maximumRetryAttempts;
      const next: NextStepSummary = result.ok
        ? { kind: 'ack' }
        : attempt >= limit
          ? { kind: 'giveUp' }
          : { kind: 'retry', retry: attempt + 1, maxRetries: settings.maximumRetryAttempts, fromSequenceNumber: '' };
      this.ctx.emit({
        type: 'outcome',
        ...fields,
        outcome: result.ok ? 'ok' : result.errorType === 'Sandbox.Timedout' ? 'timeout' : 'error',
        ...(result.ok ? {} : { errorType: result.errorType, errorMessage: result.errorMessage }),
        durationMs,
        iteratorAgeMs: undefined,
        next,
        finalInvokeForWindow: final,
      });
      if (next.kind !== 'retry') break;
      await this.pause(backoffMs(attempt + 1, this.rules));
    }
    lane.window = undefined;
    this.wake.notify();
  }
}
