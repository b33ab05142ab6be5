import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeStreamCommand, type DynamoDBStreamsClient, type Shard } from '@aws-sdk/client-dynamodb-streams';
import { CheckpointStoreError, DrainTimeoutError, InvalidCheckpointError } from '../errors.js';
import type { Logger } from '../../runtime/logging/logger.js';
import { compileFilterPatterns } from '../../mapping/filter-patterns.js';
import { checkCheckpoint } from '../store/check-checkpoint.js';
import type { CheckpointStore } from '../store/checkpoint-store.js';
import type { DeadLetterStore } from '../store/dead-letter-store.js';
import { ConnectionMonitor, isConnectionError } from './connection-monitor.js';
import { deliveredStreamArn, type LambdaStreamRecord } from '../../mapping/lambda-record.js';
import { SERVERLESS_DEFAULTS } from '../../mapping/serverless-defaults.js';
import { functionArn as lambdaFunctionArn, streamLabelOf } from '../../runtime/arn.js';
import type { StreamMappingSettings } from '../../mapping/settings.js';
import type { Invoke } from './invoke.js';
import { systemClock, type Clock } from './clock.js';
import { createEngineEventBus } from './engine-event-bus.js';
import type { EngineEventListener } from './engine-event.js';
import { engineEventLog } from './engine-event-log.js';
import { DEFAULT_ITERATOR_AGE_WARNING_MS, IteratorAgeWatch } from './iterator-age.js';
import { MAX_PAYLOAD_BYTES, ShardWorker, type MappingContext } from './shard-worker.js';
import { Signal } from './signal.js';
import { startPositionOf } from './start-position.js';

export type { Invoke, InvokeResult } from './invoke.js';

/** A running local event-source mapping: one stream, one function. */
export interface EventSourceMapping {
  /**
   * Starts polling (a no-op when the mapping is disabled). Resolves once the start position is fixed; rejects
   * with InvalidCheckpointError, and polls nothing, when a checkpoint does not fit its shard.
   */
  start(): Promise<void>;
  /** Stops polling and waits for in-flight invocations; unacknowledged records come again on the next start. */
  stop(): Promise<void>;
  /** Resolves when every record written so far has been handled (delivered, filtered or dead-lettered) — for tests. */
  drain(timeoutMs?: number): Promise<void>;
}

export interface EventSourceMappingOptions {
  streams: DynamoDBStreamsClient;
  dynamodb: DynamoDBClient;
  settings: StreamMappingSettings;
  invoke: Invoke;
  checkpoints: CheckpointStore;
  deadLetters: DeadLetterStore;
  logger: Logger;
  /** Default 250: Lambda polls each shard about four times a second. */
  pollIntervalMs?: number;
  /** Region and account the delivered records and ARNs name (DynamoDB Local's own are `ddblocal` and 000000000000). */
  region?: string;
  accountId?: string;
  /** ARN of the function in dead-letter payloads; default arn:aws:lambda:REGION:ACCOUNT:function:<deployedName or functionName>. */
  functionArn?: string;
  /** First retry delay (doubling, capped by retryMaxDelayMs). Defaults 500 and 10,000 ms. */
  retryBaseDelayMs?: number;
  retryMaxDelayMs?: number;
  /** Largest invocation payload; default (and Lambda's limit) 6 MB. Tests use less to stay fast. */
  maxPayloadBytes?: number;
  /** How often the stream is described for new shards. Default 1,000 ms. */
  describeIntervalMs?: number;
  /** Reshapes each record before filtering and delivery; the stack marks the TTL expirer's deletes with the TTL userIdentity. */
  recordDecorator?: (record: LambdaStreamRecord) => LambdaStreamRecord;
  /** The engine's one clock (now and timers: record age, iterator age, windows, backoff); tests move it forward. */
  clock?: Clock;
  /**
   * Receives every engine event (invocations, outcomes, retries, dead letters, checkpoints...) as data. Pass
   * an EngineEventBus's `publish` to hand them to several consumers. A listener that throws stops nothing.
   */
  onEvent?: EngineEventListener;
  /** Write the engine's log lines from its events (default true); off when a consumer of `onEvent` logs them instead. */
  logEvents?: boolean;
  /** Iterator age (ms) above which the mapping warns that it falls behind; default 60,000. */
  iteratorAgeWarningMs?: number;
}

/** Identifies a mapping's checkpoints: a recreated table has a new stream label and so starts afresh. */
export const mappingIdOf = (functionName: string, tableName: string, streamArn: string): string =>
  `${functionName}--${tableName}--${streamLabelOf(streamArn) ?? streamArn}`;

/** Creates a local event-source mapping that reads a DynamoDB Local stream and invokes `invoke` as Lambda would. */
export function createEventSourceMapping(options: EventSourceMappingOptions): EventSourceMapping {
  const { settings } = options;
  const logger = options.logger;
  const pollIntervalMs = options.pollIntervalMs ?? 250;
  const describeIntervalMs = options.describeIntervalMs ?? 1_000;
  const region = options.region ?? SERVERLESS_DEFAULTS.region;
  const accountId = options.accountId ?? SERVERLESS_DEFAULTS.localAccountId;
  // On-failure payloads name the deployed function, as AWS does, not its key in serverless.yml.
  const functionArn = options.functionArn ?? lambdaFunctionArn({ region, accountId }, settings.deployedName ?? settings.functionName);
  const clock = options.clock ?? systemClock;
  const filter = compileFilterPatterns(settings.filterPatterns);
  const connection = new ConnectionMonitor(logger, 'its endpoint', pollIntervalMs);
  const bus = createEngineEventBus();
  if (options.logEvents !== false) bus.subscribe(engineEventLog(logger));
  if (options.onEvent) bus.subscribe(options.onEvent);
  const emit = bus.publish;
  const iteratorAgeThresholdMs = options.iteratorAgeWarningMs ?? DEFAULT_ITERATOR_AGE_WARNING_MS;
  const iteratorAge = new IteratorAgeWatch(settings.functionName, iteratorAgeThresholdMs, clock, emit);

  /** The streams client's endpoint as a URL, for messages a person acts on. */
  const endpointLabel = async (): Promise<string> => {
    try {
      const endpoint =
        (await (
          options.streams.config.endpoint as (() => Promise<{ protocol: string; hostname: string; port?: number }>) | undefined
        )?.()) ?? undefined;
      return endpoint ? `${endpoint.protocol}//${endpoint.hostname}${endpoint.port ? `:${endpoint.port}` : ''}` : 'its endpoint';
    } catch {
      return 'its endpoint';
    }
  };
  const wake = new Signal(clock);
  // Orders reads, passes and drains without reading the clock, which a test may move back and forth.
  let ticks = 0;
  const tick = (): number => (ticks += 1);

  let stopped = true;
  let loop: Promise<void> | undefined;
  let streamArn = settings.streamArn;
  let context: MappingContext | undefined;
  const workers = new Map<string, ShardWorker>();
  const ended = new Set<string>();
  let knownShards: string[] = [];
  let lastPassStartedAt = 0;
  let passes = 0;
  /** LATEST applies to the stream the mapping found at start, not to a stream of a table created again later. */
  let firstStream = true;

  const resolveStreamArn = async (): Promise<string | undefined> => {
    const output = await options.dynamodb.send(new DescribeTableCommand({ TableName: settings.tableName }));
    const arn = output.Table?.LatestStreamArn;
    if (!arn || output.Table?.StreamSpecification?.StreamEnabled === false) {
      connection.warnThrottled(
        `${settings.functionName}: table ${settings.tableName} has no stream; ` +
          `give it a StreamSpecification in serverless.yml and recreate it`,
      );
      return undefined;
    }
    return arn;
  };

  const describeShards = async (arn: string): Promise<Shard[]> => {
    const shards: Shard[] = [];
    let exclusiveStartShardId: string | undefined;
    do {
      const output = await options.streams.send(
        new DescribeStreamCommand({ StreamArn: arn, ...(exclusiveStartShardId ? { ExclusiveStartShardId: exclusiveStartShardId } : {}) }),
      );
      shards.push(...(output.StreamDescription?.Shards ?? []));
      exclusiveStartShardId = output.StreamDescription?.LastEvaluatedShardId;
    } while (exclusiveStartShardId);
    return shards;
  };

  /**
   * The one way the mapping lets go of a stream: its workers are cancelled (nothing they hold unacknowledged
   * is lost: it comes again), and the next pass looks the table's stream up afresh. A stream found after
   * a reset (not at stop) is read from its start, whatever the starting position.
   */
  const resetStream = (reason: 'new-stream' | 'stream-gone' | 'stop', nextStreamArn?: string): void => {
    for (const worker of workers.values()) worker.cancel();
    workers.clear();
    ended.clear();
    knownShards = [];
    context = undefined;
    passes = 0;
    streamArn = settings.streamArn;
    if (reason === 'stop') return;
    if (!settings.streamArn) firstStream = false;
    emit({ type: 'streamReset', functionName: settings.functionName, tableName: settings.tableName, reason, streamArn: nextStreamArn });
  };

  const contextFor = (arn: string): MappingContext => {
    if (context?.streamArn === arn) return context;
    context = {
      settings,
      mappingId: mappingIdOf(settings.functionName, settings.tableName, arn),
      streamArn: arn,
      eventSourceArn: deliveredStreamArn(arn, region, accountId),
      region,
      functionArn,
      streams: options.streams,
      invoke: options.invoke,
      checkpoints: options.checkpoints,
      deadLetters: options.deadLetters,
      filter,
      recordDecorator: options.recordDecorator,
      pollIntervalMs,
      retryBaseDelayMs: options.retryBaseDelayMs ?? 500,
      retryMaxDelayMs: options.retryMaxDelayMs ?? 10_000,
      maxPayloadBytes: options.maxPayloadBytes ?? MAX_PAYLOAD_BYTES,
      clock,
      connection,
      emit,
      iteratorAge,
      tick,
      stopped: () => stopped,
    };
    return context;
  };

  /** One look at the stream: start a worker for every shard whose parent is done. */
  const pass = async (): Promise<void> => {
    if (!settings.streamArn) {
      // The table's current stream: a table deleted and created again (or DynamoDB Local restarted in
      // memory and the tables recreated) has a new one, which the mapping follows from its start.
      const latest = await resolveStreamArn();
      if (latest && streamArn && latest !== streamArn) resetStream('new-stream', latest);
      streamArn = latest;
    }
    if (!streamArn) return;
    const ctx = contextFor(streamArn);
    const shards = await describeShards(streamArn);
    const checkpoints = await options.checkpoints.list(ctx.mappingId);
    for (const shard of shards) {
      const checkpoint = checkpoints[shard.ShardId!];
      // A running worker's checkpoint is its own writing; the others are checked before they count.
      if (!checkpoint || workers.has(shard.ShardId!)) continue;
      const verdict = checkCheckpoint(checkpoint, { endingSequenceNumber: shard.SequenceNumberRange?.EndingSequenceNumber });
      if (verdict.kind === 'invalid')
        throw new InvalidCheckpointError(options.checkpoints.locate(ctx.mappingId, shard.ShardId!), verdict.problem);
    }
    const fresh = firstStream && passes === 0 && Object.keys(checkpoints).length === 0;
    for (const [shardId, checkpoint] of Object.entries(checkpoints)) if (checkpoint.shardEnded) ended.add(shardId);
    const present = new Set(shards.map((shard) => shard.ShardId!));
    const started: ShardWorker[] = [];
    for (const shard of shards) {
      const shardId = shard.ShardId!;
      if (ended.has(shardId) || workers.has(shardId)) continue;
      const parent = shard.ParentShardId;
      // Parents first: a child starts only when its parent is finished or has left the stream.
      if (parent && present.has(parent) && !ended.has(parent)) continue;
      const decision = startPositionOf({
        checkpoint: checkpoints[shardId],
        freshMapping: fresh,
        startingPosition: settings.startingPosition,
        closed: shard.SequenceNumberRange?.EndingSequenceNumber !== undefined,
      });
      if (decision.kind === 'skipClosed') {
        ended.add(shardId);
        await options.checkpoints.put(ctx.mappingId, shardId, { shardEnded: true, updatedAt: new Date(clock.now()).toISOString() });
        continue;
      }
      const worker = new ShardWorker(ctx, shardId, decision.start);
      workers.set(shardId, worker);
      started.push(worker);
      emit({ type: 'shardStarted', functionName: settings.functionName, shardId, start: decision.start.type, parentShardId: parent });
      void worker.done.then(
        () => {
          if (workers.get(shardId) !== worker) return;
          if (worker.finished) ended.add(shardId);
          if (worker.finished || worker.gone) workers.delete(shardId);
          // The next pass looks the table's stream up again (and resets if it changed or is gone).
          if (worker.gone) streamArn = settings.streamArn;
          wake.notify();
        },
        (error: unknown) => {
          logger.error(`shard ${shardId} stopped on an unexpected error: ${(error as Error)?.message}; restarting it from its checkpoint`, {
            shardId,
          });
          if (workers.get(shardId) === worker) workers.delete(shardId);
          wake.notify();
        },
      );
    }
    knownShards = [...present];
    passes += 1;
    await Promise.all(started.map((worker) => worker.ready));
    const refused = started.find((worker) => worker.checkpointRefused !== undefined);
    if (refused) {
      // Gone from the map, so a later pass meets the same checkpoint again instead of skipping the shard.
      workers.delete(refused.shardId);
      throw new InvalidCheckpointError(options.checkpoints.locate(ctx.mappingId, refused.shardId), refused.checkpointRefused!);
    }
  };

  const run = async (firstPass: (failure?: unknown) => void): Promise<void> => {
    let first = true;
    while (!stopped) {
      const startedAt = tick();
      let delay = describeIntervalMs;
      try {
        await pass();
        connection.ok();
        lastPassStartedAt = startedAt;
      } catch (error) {
        const name = (error as Error)?.name;
        if (error instanceof CheckpointStoreError && first) {
          // Reading on would replay or skip records unnoticed: the mapping does not start.
          stopped = true;
          const running = [...workers.values()];
          resetStream('stop');
          await Promise.allSettled(running.map((worker) => worker.done));
          firstPass(error);
          return;
        }
        if (error instanceof CheckpointStoreError) {
          connection.warnThrottled(`${settings.functionName}: ${error.message}`, { function: settings.functionName, error: error.name });
          delay = connection.delayMs();
        } else if (name === 'ResourceNotFoundException') {
          // The table or its stream went away (deleted, or DynamoDB Local restarted in memory): find the new one.
          connection.warnThrottled(
            `${settings.functionName}: table ${settings.tableName} or its stream does not exist (any more); ` +
              `waiting for the table and its stream`,
          );
          resetStream('stream-gone');
        } else if (isConnectionError(error)) {
          delay = connection.fail(error, `describing the stream of table ${settings.tableName}`);
        } else {
          connection.warnThrottled(
            `${settings.functionName}: describing the stream of ${settings.tableName} failed: ${(error as Error)?.message}; retrying`,
          );
          delay = connection.delayMs();
        }
      }
      first = false;
      firstPass();
      if (stopped) break;
      await wake.wait(delay);
    }
  };

  return {
    async start() {
      if (!settings.enabled) {
        logger.info(`${settings.functionName}: stream mapping of table ${settings.tableName} is disabled (enabled: false); not polling`);
        return;
      }
      if (!stopped) return;
      stopped = false;
      passes = 0;
      firstStream = true;
      connection.endpointLabel = await endpointLabel();
      await new Promise<void>((resolve, reject) => {
        loop = run((failure) => (failure === undefined ? resolve() : reject(failure)));
      });
      logger.info(`${settings.functionName}: polling the stream of table ${settings.tableName}`, {
        function: settings.functionName,
        table: settings.tableName,
        streamArn,
        batchSize: settings.batchSize,
        startingPosition: settings.startingPosition,
      });
    },

    async stop() {
      if (stopped) return;
      stopped = true;
      wake.notify();
      for (const worker of workers.values()) worker.cancel();
      await loop;
      const running = [...workers.values()];
      await Promise.allSettled(running.map((worker) => worker.done));
      resetStream('stop');
    },

    async drain(timeoutMs = 30_000) {
      if (!settings.enabled) return;
      const since = tick();
      const deadline = clock.now() + timeoutMs;
      wake.notify();
      for (;;) {
        const settled =
          lastPassStartedAt >= since &&
          knownShards.every((shardId) => {
            if (ended.has(shardId)) return true;
            const worker = workers.get(shardId);
            return worker?.idleSince(since);
          });
        if (settled) return;
        if (stopped) throw new DrainTimeoutError(`${settings.functionName}: the mapping is not running; start() it before drain()`);
        if (clock.now() > deadline) {
          const pending = knownShards.filter((shardId) => !ended.has(shardId) && !workers.get(shardId)?.idleSince(since));
          throw new DrainTimeoutError(
            `${settings.functionName}: records of table ${settings.tableName} still not handled after ${timeoutMs} ms ` +
              `(shards: ${pending.join(', ') || 'none described yet'}); ` +
              'a failing function with unlimited retries never drains — check the invocation log lines',
          );
        }
        await new Promise<void>((resolve) => clock.setTimeout(resolve, 20));
      }
    },
  };
}
