/** Shapes of the table results, as the table processes write them (bench/tables/*.ts). */
export interface VariantTiming {
  id: string;
  samples: number;
  medianNs: number;
  p25Ns: number;
  p75Ns: number;
  minNs: number;
  roundMediansNs: number[];
}

export interface SizeTiming {
  size: '100' | '1000' | '6MB';
  label: string;
  records: number;
  bytes: number;
  images: number;
  itemBytes: { min: number; max: number; mean: number };
  eventNames: Record<string, number>;
  variants: VariantTiming[];
}

/** One timing run: all variants in one process (side by side) or each alone, merged. */
export interface TimingRun {
  clock: 'cpu' | 'wall';
  loggerNote: string;
  sizes: SizeTiming[];
  equality?: { images: number; identical: boolean; mismatches: string[] };
}

export interface TimingTable {
  /** Every variant in one process, interleaved: same machine state, but variants warm each other's V8 state. */
  sideBySide?: TimingRun;
  /** Each variant in a process of its own: what a Lambda running only that handler sees. */
  isolated?: TimingRun;
}

/** Median of `id` divided by the median of `base` in the same size, or undefined. */
export function ratio(size: SizeTiming | undefined, id: string, base: string): number | undefined {
  const a = size?.variants.find((v) => v.id === id)?.medianNs;
  const b = size?.variants.find((v) => v.id === base)?.medianNs;
  return a === undefined || b === undefined ? undefined : a / b;
}

export interface MemoryVariant {
  variant: string;
  peakRssMB: number;
  peakRssGrowthMB: number;
  rssBeforeMB: number;
  heapRetainedAfterFirstMB: number;
  heapRetainedAfterTenMB: number;
  heapRetainedMaxMB: number;
  /** Heap retained after each of the ten invocations, in order. */
  heapRetainedSeriesMB?: number[];
}

export interface MemoryTable {
  records: number;
  bytes: number;
  invocations: number;
  variants: MemoryVariant[];
}

export interface ColdStartFunction {
  function: string;
  bundleBytes: number;
  sourceMapBytes: number;
  zipBytesApprox: number;
  runs: number;
  nodeEmptyMs: number;
  loadMs: number;
  loadNoSourceMapsMs: number;
  loadOverEmptyMs: number;
  loadNoSourceMapsOverEmptyMs: number;
  nodeOptions: string;
}

export interface ColdStartTable {
  functions: ColdStartFunction[];
}

export interface SustainedRun {
  recordsPerSecond: number;
  written: number;
  delivered: number;
  lost: number;
  seconds: number;
  prefilledPerTtlTable?: number;
  ttlIntervalMs?: number;
  /** Requests and time by name over the sustained phase ("client Scan": a sweeper that scans). */
  costs?: Record<string, { count: number; totalMs: number; meanMs: number }>;
}

export interface LocalStackRun {
  /** ordersStream's handler in this run (`path/file.export`). */
  handler?: string;
  batchWindowSeconds: number;
  firstRecordMs?: number;
  writes: number;
  writeRatePerSecond: number;
  delivered: number;
  /** Absent when the run timed no single writes (the sequential run measures only the sustained rate). */
  latencyMedianMs?: number;
  latencyP99Ms?: number;
  latencyMaxMs?: number;
  sustained?: SustainedRun;
}

export interface LocalStackTable {
  measured: boolean;
  /** As serverless.yml configures the mapping (the figures the targets are judged on). */
  configured?: LocalStackRun;
  /** The same writes to ordersStream with concurrency 1 and batch actions off (the behaviour before issue 13). */
  sequential?: LocalStackRun;
  /** The handlers' dispatch concurrency in the configured run. */
  handlerConcurrency?: number;
  /** The same with batchWindow 0 (only when serverless.yml sets a window): the mapping's own overhead. */
  noWindow?: LocalStackRun;
  reason?: string;
  writes?: number;
  latencyMedianMs?: number;
  latencyP99Ms?: number;
  latencyMaxMs?: number;
  sustained?: SustainedRun;
}

export type BatchCase = '100x100' | '100x1' | 'author' | '1000x100';
export type BatchMode = 'sequential' | 'batch' | 'floor';

/** One configuration of the batch-actions table: a case, a stream, with or without the latency proxy, one mode. */
export interface BatchActionsRow {
  case: BatchCase;
  label: string;
  stream: 'books' | 'orders';
  records: number;
  /** Milliseconds the loopback proxy holds each request; 0 = DynamoDB Local directly. */
  proxyMs: number;
  mode: BatchMode;
  medianMs: number;
  /** Requests per batch (deterministic: the same every round). */
  requests: number;
  requestsPerChange: number;
  recordsPerSecond: number;
  failedBatches: number;
  /** Floor only: replayed requests that failed (a ledger condition that no longer held), summed over the rounds. */
  replayFailures?: number;
}

export interface BatchActionsTable {
  runs: number;
  proxyMs: number;
  floorConcurrency: number;
  batchConcurrency: number;
  machine: { cores: number; loadAverageBefore: number[]; loadAverageAfter: number[] };
  rows: BatchActionsRow[];
}

/** The row of the batch-actions table for a case, stream, latency and mode. */
export const batchRow = (table: BatchActionsTable | undefined, c: BatchCase, stream: string, proxyMs: number, mode: BatchMode) =>
  table?.rows.find((r) => r.case === c && r.stream === stream && r.proxyMs === proxyMs && r.mode === mode);

export interface TableEnvelope<T> {
  table: string;
  seconds: number;
  result: T;
}

export interface Target {
  target: string;
  measured: string;
  met: boolean | undefined;
}

export interface BenchResults {
  machine: {
    cpu: string;
    cores: number;
    node: string;
    platform: string;
    date: string;
    loadAverageBefore: number[];
    loadAverageAfter: number[];
  };
  seconds: number;
  tables: Record<string, unknown>;
  targets: Target[];
}

/** The result of a table, or undefined when it failed or was not run. */
export function tableResult<T>(bench: BenchResults, name: string): T | undefined {
  const envelope = bench.tables[name] as TableEnvelope<T> | { error: string } | undefined;
  return envelope && 'result' in envelope ? envelope.result : undefined;
}
