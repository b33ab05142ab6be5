import type { EngineEvent, InvocationEvent, NextStepSummary } from '../../local/engine/engine-event.js';
import type { StreamMappingSettings } from '../../mapping/settings.js';
import { tableNameFromStreamArn } from '../../runtime/arn.js';
import type {
  ConsoleSnapshot,
  InvocationDetail,
  InvocationView,
  LogLineView,
  MappingView,
  MetricPoint,
  NextView,
  RecordView,
  ShardView,
} from './console-view.js';
import { parseHandlerLine } from './handler-line.js';
import { InvocationLinker } from './invocation-linker.js';
import { MetricSeries } from './metric-series.js';
import { RingBuffer } from './ring-buffer.js';

/** How much the console keeps; every collection in it is bounded by one of these. */
export interface ConsoleLimits {
  invocationsPerMapping: number;
  recordsPerInvocation: number;
  linesPerInvocation: number;
  /** Invocations whose handler lines are kept (the oldest are forgotten first). */
  invocationsWithLogs: number;
  /** Image bytes (as JSON) kept per invocation when images are on; more are omitted, with the reason. */
  imageBytesPerInvocation: number;
  metricsWindowSeconds: number;
  /** Dead-letter errors remembered for the dead-letter table. */
  deadLetterErrors: number;
  /** Characters kept of one handler line (a debug line may hold a whole image). */
  lineCharacters: number;
}

export const DEFAULT_CONSOLE_LIMITS: ConsoleLimits = {
  invocationsPerMapping: 300,
  recordsPerInvocation: 100,
  linesPerInvocation: 200,
  invocationsWithLogs: 1_000,
  imageBytesPerInvocation: 128 * 1024,
  metricsWindowSeconds: 600,
  deadLetterErrors: 1_000,
  lineCharacters: 16 * 1024,
};

/** A mapping as the console shows it. */
export interface ConsoleMapping {
  functionName: string;
  settings: StreamMappingSettings;
  /** The function runs at LOG_LEVEL debug: its records' images may be shown. */
  debugImages: boolean;
}

export interface ConsoleStateOptions {
  stage: string;
  mappings: ConsoleMapping[];
  now?: () => number;
  limits?: Partial<ConsoleLimits>;
}

interface InvocationEntry {
  view: InvocationView;
  records: RecordView[];
  recordsOmitted: number;
  imagesShown: boolean;
}

interface MappingEntry {
  key: string;
  mapping: ConsoleMapping;
  shards: Map<string, ShardView>;
  invocations: RingBuffer<string>;
  metrics: MetricSeries;
  iteratorAgeMs?: number;
}

/** The console's memory, fed by the engine's events, the handlers' lines and the batches invoked. */
export interface ConsoleState {
  onEvent(event: EngineEvent): void;
  onHandlerLine(functionName: string, line: string): void;
  /** A batch the engine hands to a function (the event as invoked): its records' keys, event names, images at debug. */
  onInvoke(functionName: string, requestId: string, event: unknown): void;
  /** Invocations changed since the last call. */
  takeChanges(): InvocationView[];
  snapshot(): ConsoleSnapshot;
  mappings(): MappingView[];
  /** Each mapping's activity in second `t` (epoch seconds). */
  metricsAt(t: number): Record<string, MetricPoint>;
  detail(requestId: string): InvocationDetail | undefined;
  /** The error that sent a dead letter, when this run saw it. */
  deadLetterError(id: string): string | undefined;
  /** Lines of any request id, kept as for invocations (redrives run under their own ids). */
  logsOf(requestId: string): LogLineView[];
  /** What the records-behind count found for a shard, and the checkpoint it counted from. */
  setRecordsBehind(mappingKey: string, shardId: string, count: number, capped: boolean, position: string | undefined): void;
}

export const mappingKeyOf = (functionName: string, tableName: string): string => `${functionName}|${tableName}`;

const settingsView = (s: StreamMappingSettings): MappingView['settings'] => ({
  batchSize: s.batchSize,
  batchWindowSeconds: s.batchWindowSeconds,
  startingPosition: s.startingPosition,
  maximumRetryAttempts: s.maximumRetryAttempts,
  maximumRecordAgeInSeconds: s.maximumRecordAgeInSeconds,
  bisectBatchOnFunctionError: s.bisectBatchOnFunctionError,
  parallelizationFactor: s.parallelizationFactor,
  tumblingWindowInSeconds: s.tumblingWindowInSeconds,
  reportBatchItemFailures: s.reportBatchItemFailures,
  filterPatterns: s.filterPatterns,
  functionTimeoutSeconds: s.functionTimeoutSeconds,
  ...(s.onFailureDestination ? { onFailureDestination: s.onFailureDestination } : {}),
});

function nextView(next: NextStepSummary): NextView {
  switch (next.kind) {
    case 'retry':
      return { kind: 'retry', retry: next.retry, maxRetries: next.maxRetries };
    case 'split':
      return next.at === 'half' ? { kind: 'split', at: 'half', parts: next.parts } : { kind: 'split', at: 'failure' };
    default:
      return next;
  }
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Creates the console's state store. */
export function createConsoleState(options: ConsoleStateOptions): ConsoleState {
  const now = options.now ?? Date.now;
  const limits = { ...DEFAULT_CONSOLE_LIMITS, ...options.limits };
  const mappings = new Map<string, MappingEntry>();
  const keysOfFunction = new Map<string, string[]>();
  for (const mapping of options.mappings) {
    const key = mappingKeyOf(mapping.functionName, mapping.settings.tableName);
    mappings.set(key, {
      key,
      mapping,
      shards: new Map(),
      invocations: new RingBuffer(limits.invocationsPerMapping),
      metrics: new MetricSeries(limits.metricsWindowSeconds),
    });
    keysOfFunction.set(mapping.functionName, [...(keysOfFunction.get(mapping.functionName) ?? []), key]);
  }
  const shardKeys = new Map<string, string>();
  const invocations = new Map<string, InvocationEntry>();
  const logs = new Map<string, RingBuffer<LogLineView>>();
  const inFlight = new Map<string, string[]>();
  const notInvokedReasons = new Map<string, string>();
  const deadLetterErrors = new Map<string, string>();
  const changed = new Set<string>();
  const linker = new InvocationLinker();

  const shardId = (functionName: string, shard: string) => `${functionName}\u0000${shard}`;
  /** A function with one stream: that mapping; with several: the one its shard's records came from. */
  const mappingOf = (functionName: string, shard: string): MappingEntry | undefined => {
    const key = shardKeys.get(shardId(functionName, shard)) ?? keysOfFunction.get(functionName)?.[0];
    return key === undefined ? undefined : mappings.get(key);
  };
  const shardOf = (functionName: string, shard: string): ShardView | undefined => {
    const mapping = mappingOf(functionName, shard);
    if (!mapping) return undefined;
    let view = mapping.shards.get(shard);
    if (!view) mapping.shards.set(shard, (view = { shardId: shard, finished: false }));
    return view;
  };
  const remember = <K, V>(map: Map<K, V>, key: K, value: V, cap: number) => {
    map.delete(key);
    map.set(key, value);
    while (map.size > cap) map.delete(map.keys().next().value as K);
  };

  const add = (view: InvocationView): InvocationEntry => {
    const entry: InvocationEntry = { view, records: [], recordsOmitted: 0, imagesShown: false };
    invocations.set(view.requestId, entry);
    const evicted = mappings.get(view.mappingKey)?.invocations.push(view.requestId);
    if (evicted !== undefined) {
      invocations.delete(evicted);
      changed.delete(evicted);
    }
    changed.add(view.requestId);
    return entry;
  };

  const onInvocation = (event: InvocationEvent) => {
    const mapping = mappingOf(event.functionName, event.shardId);
    if (!mapping) return;
    const link = linker.link(event);
    const parent = link ? invocations.get(link.parentRequestId) : undefined;
    const at = now();
    add({
      requestId: event.requestId,
      mappingKey: mapping.key,
      functionName: event.functionName,
      shardId: event.shardId,
      at,
      batchSize: event.batchSize,
      ...(event.firstSequenceNumber !== undefined ? { firstSequenceNumber: event.firstSequenceNumber } : {}),
      ...(event.lastSequenceNumber !== undefined ? { lastSequenceNumber: event.lastSequenceNumber } : {}),
      attempt: event.attempt,
      status: 'running',
      ...(event.iteratorAgeMs !== undefined ? { iteratorAgeMs: event.iteratorAgeMs } : {}),
      rootRequestId: link ? (parent?.view.rootRequestId ?? link.parentRequestId) : event.requestId,
      ...(link ? { parentRequestId: link.parentRequestId, cause: link.cause } : {}),
      ...(event.finalInvokeForWindow ? { finalInvokeForWindow: event.finalInvokeForWindow } : {}),
      hasRecords: false,
    });
    mapping.metrics.invoked(at, event.batchSize, event.iteratorAgeMs);
    if (event.iteratorAgeMs !== undefined) {
      mapping.iteratorAgeMs = event.iteratorAgeMs;
      const shard = shardOf(event.functionName, event.shardId);
      if (shard) shard.iteratorAgeMs = event.iteratorAgeMs;
    }
  };

  const forgetShard = (functionName: string, shard: string) => {
    linker.forgetShard(functionName, shard);
    mappingOf(functionName, shard)?.shards.delete(shard);
  };

  const onEvent = (event: EngineEvent) => {
    switch (event.type) {
      case 'invocation':
        onInvocation(event);
        return;
      case 'outcome': {
        const entry = invocations.get(event.requestId);
        const mapping = mappingOf(event.functionName, event.shardId);
        if (!entry || !mapping) return;
        const view = entry.view;
        view.status = event.outcome;
        view.durationMs = event.durationMs;
        view.next = nextView(event.next);
        if (event.initDurationMs !== undefined) view.initDurationMs = event.initDurationMs;
        if (event.failedAt !== undefined) {
          view.failedAt = event.failedAt;
          const index = entry.records.findIndex((record) => record.sequenceNumber === event.failedAt);
          if (index >= 0) view.failedIndex = index;
        }
        if (event.errorType !== undefined) view.errorType = event.errorType;
        if (event.errorMessage !== undefined) view.errorMessage = event.errorMessage;
        mapping.metrics.ended(now(), event.durationMs);
        changed.add(view.requestId);
        return;
      }
      case 'retry':
      case 'split':
        linker.expect(event);
        return;
      case 'recordAgeExceeded':
        remember(notInvokedReasons, event.requestId, `older than maximumRecordAgeInSeconds (${event.maximumRecordAgeSeconds} s)`, 100);
        return;
      case 'undeliverable':
        remember(notInvokedReasons, event.requestId, event.reason, 100);
        return;
      case 'deadLetter': {
        let entry = invocations.get(event.requestId);
        if (!entry) {
          const mapping = mappingOf(event.functionName, event.shardId);
          if (!mapping) return;
          entry = add({
            requestId: event.requestId,
            mappingKey: mapping.key,
            functionName: event.functionName,
            shardId: event.shardId,
            at: now(),
            batchSize: event.batchSize,
            ...(event.firstSequenceNumber !== undefined ? { firstSequenceNumber: event.firstSequenceNumber } : {}),
            ...(event.lastSequenceNumber !== undefined ? { lastSequenceNumber: event.lastSequenceNumber } : {}),
            attempt: 0,
            status: 'not-invoked',
            notInvokedReason: event.reason ?? notInvokedReasons.get(event.requestId) ?? event.condition,
            rootRequestId: event.requestId,
            hasRecords: false,
          });
        }
        const view = entry.view;
        view.deadLetter = { id: event.deadLetterId, condition: event.condition };
        const error =
          view.errorType !== undefined
            ? `${view.errorType}: ${view.errorMessage ?? ''}`
            : view.failedAt
              ? `partial failure at ${view.failedAt}`
              : view.notInvokedReason;
        if (error) remember(deadLetterErrors, event.deadLetterId, error, limits.deadLetterErrors);
        changed.add(view.requestId);
        return;
      }
      case 'checkpoint': {
        const shard = shardOf(event.functionName, event.shardId);
        if (!shard) return;
        if (event.sequenceNumber !== undefined) shard.position = event.sequenceNumber;
        if (event.shardEnded) shard.finished = true;
        return;
      }
      case 'shardStarted': {
        linker.forgetShard(event.functionName, event.shardId);
        const shard = shardOf(event.functionName, event.shardId);
        if (shard) {
          shard.start = event.start;
          shard.finished = false;
        }
        return;
      }
      case 'shardFinished': {
        const shard = shardOf(event.functionName, event.shardId);
        if (shard) shard.finished = true;
        return;
      }
      case 'iteratorAgeWarning': {
        const shard = shardOf(event.functionName, event.shardId);
        if (shard) shard.iteratorAgeMs = event.iteratorAgeMs;
        return;
      }
      case 'streamReset': {
        if (event.shardId !== undefined) {
          forgetShard(event.functionName, event.shardId);
          return;
        }
        const mapping = mappings.get(mappingKeyOf(event.functionName, event.tableName));
        for (const shard of mapping?.shards.keys() ?? []) linker.forgetShard(event.functionName, shard);
        mapping?.shards.clear();
        return;
      }
      default:
        return;
    }
  };

  const appendLine = (requestId: string, line: string) => {
    let lines = logs.get(requestId);
    if (!lines) {
      lines = new RingBuffer(limits.linesPerInvocation);
      remember(logs, requestId, lines, limits.invocationsWithLogs);
    }
    const over = line.length - limits.lineCharacters;
    const kept = over > 0 ? `${line.slice(0, limits.lineCharacters)}… (${over} more characters)` : line;
    lines.push({ at: now(), line: kept });
  };

  const onHandlerLine = (functionName: string, line: string) => {
    const parsed = parseHandlerLine(line);
    const running = inFlight.get(functionName) ?? [];
    if (parsed.kind === 'start' && parsed.requestId) {
      // Bounded: a START without its END (a killed environment) must not pile up.
      inFlight.set(functionName, [...running, parsed.requestId].slice(-50));
    }
    // A line that names no invocation belongs to the one running, when only one is.
    const requestId = parsed.requestId ?? (running.length === 1 ? running[0] : undefined);
    if (requestId !== undefined) appendLine(requestId, line);
    if (parsed.kind === 'report' && parsed.requestId) {
      inFlight.set(
        functionName,
        running.filter((id) => id !== parsed.requestId),
      );
      const entry = invocations.get(parsed.requestId);
      if (entry && parsed.initDurationMs !== undefined) {
        entry.view.initDurationMs = parsed.initDurationMs;
        changed.add(parsed.requestId);
      }
    }
  };

  const onInvoke = (functionName: string, requestId: string, event: unknown) => {
    const entry = invocations.get(requestId);
    const records = isObject(event) && Array.isArray(event.Records) ? (event.Records as unknown[]) : [];
    if (!entry || records.length === 0) return;
    const arnOf = (r: unknown) => (isObject(r) && typeof r.eventSourceARN === 'string' ? r.eventSourceARN : undefined);
    const table = records.map((r) => tableNameFromStreamArn(arnOf(r) ?? '')).find(Boolean);
    const key = table ? mappingKeyOf(functionName, table) : undefined;
    if (key && mappings.has(key) && shardKeys.get(shardId(functionName, entry.view.shardId)) !== key) {
      shardKeys.set(shardId(functionName, entry.view.shardId), key);
      if (shardKeys.size > 10_000) shardKeys.delete(shardKeys.keys().next().value as string);
    }
    const mapping = mappings.get(entry.view.mappingKey);
    const images = mapping?.mapping.debugImages ?? false;
    let imageBudget = limits.imageBytesPerInvocation;
    entry.records = records.slice(0, limits.recordsPerInvocation).map((raw): RecordView => {
      const record = isObject(raw) ? raw : {};
      const dynamodb = isObject(record.dynamodb) ? record.dynamodb : {};
      const view: RecordView = {
        sequenceNumber: String(dynamodb.SequenceNumber ?? ''),
        eventName: String(record.eventName ?? ''),
        keys: isObject(dynamodb.Keys) ? dynamodb.Keys : {},
      };
      if (!images) return view;
      for (const [name, field] of [
        ['newImage', 'NewImage'],
        ['oldImage', 'OldImage'],
      ] as const) {
        const image = dynamodb[field];
        if (!isObject(image)) continue;
        const bytes = JSON.stringify(image).length;
        if (bytes > imageBudget) {
          view.imageOmitted = `images over the console's ${limits.imageBytesPerInvocation} bytes per invocation are not kept`;
        } else {
          imageBudget -= bytes;
          view[name] = image;
        }
      }
      return view;
    });
    entry.recordsOmitted = Math.max(0, records.length - limits.recordsPerInvocation);
    entry.imagesShown = images;
    entry.view.hasRecords = true;
    changed.add(requestId);
  };

  const mappingViews = (): MappingView[] =>
    [...mappings.values()].map((m) => ({
      key: m.key,
      functionName: m.mapping.functionName,
      tableName: m.mapping.settings.tableName,
      enabled: m.mapping.settings.enabled,
      settings: settingsView(m.mapping.settings),
      shards: [...m.shards.values()].map((s) => ({ ...s })),
      ...(m.iteratorAgeMs !== undefined ? { iteratorAgeMs: m.iteratorAgeMs } : {}),
      debugImages: m.mapping.debugImages,
    }));

  const allInvocations = (): InvocationView[] =>
    [...mappings.values()]
      .flatMap((m) => m.invocations.toArray())
      .map((id) => invocations.get(id)?.view)
      .filter((view): view is InvocationView => view !== undefined)
      .sort((a, b) => a.at - b.at);

  // These run inside the engine's and the runner's own paths (an invocation, a pipe's data handler): whatever
  // the console cannot make sense of, it drops, so it never fails an invocation nor the process.
  const guarded =
    <A extends unknown[]>(feed: (...args: A) => void) =>
    (...args: A): void => {
      try {
        feed(...args);
      } catch {
        // Dropped: the console shows less, the engine goes on.
      }
    };
  return {
    onEvent: guarded(onEvent),
    onHandlerLine: guarded(onHandlerLine),
    onInvoke: guarded(onInvoke),
    takeChanges() {
      const views = [...changed].map((id) => invocations.get(id)?.view).filter((view): view is InvocationView => view !== undefined);
      changed.clear();
      return views.map((view) => ({ ...view }));
    },
    snapshot() {
      const at = now();
      return {
        stage: options.stage,
        mappings: mappingViews(),
        invocations: allInvocations().map((view) => ({ ...view })),
        metrics: Object.fromEntries([...mappings.values()].map((m) => [m.key, m.metrics.points(at)])),
        metricsWindowSeconds: limits.metricsWindowSeconds,
      };
    },
    mappings: mappingViews,
    metricsAt(t) {
      return Object.fromEntries([...mappings.values()].map((m) => [m.key, m.metrics.pointAt(t)]));
    },
    detail(requestId) {
      const entry = invocations.get(requestId);
      if (!entry) return undefined;
      return {
        invocation: { ...entry.view },
        records: entry.records,
        recordsOmitted: entry.recordsOmitted,
        imagesShown: entry.imagesShown,
        logs: logs.get(requestId)?.toArray() ?? [],
      };
    },
    deadLetterError: (id) => deadLetterErrors.get(id),
    logsOf: (requestId) => logs.get(requestId)?.toArray() ?? [],
    setRecordsBehind(mappingKey, shard, count, capped, position) {
      const view = mappings.get(mappingKey)?.shards.get(shard);
      if (!view) return;
      view.recordsBehind = count;
      view.recordsBehindCapped = capped;
      if (position !== undefined) view.position ??= position;
    },
  };
}
