/**
 * What the console's server sends its page: plain JSON shapes shared by both sides (no Node.js or DOM types,
 * so the page's own type-check can include this file).
 */

/** The settings of a mapping that matter on its card. */
export interface MappingSettingsView {
  batchSize: number;
  batchWindowSeconds: number;
  startingPosition: 'TRIM_HORIZON' | 'LATEST';
  maximumRetryAttempts: number;
  maximumRecordAgeInSeconds: number;
  bisectBatchOnFunctionError: boolean;
  parallelizationFactor: number;
  tumblingWindowInSeconds: number;
  reportBatchItemFailures: boolean;
  filterPatterns: unknown[];
  functionTimeoutSeconds: number;
  onFailureDestination?: string;
}

/** One shard as a mapping reads it. */
export interface ShardView {
  shardId: string;
  /** Where reading started (the engine's shardStarted event). */
  start?: string;
  /** The durable checkpoint: the last sequence number handled. */
  position?: string;
  finished: boolean;
  iteratorAgeMs?: number;
  /** Records in the shard after the checkpoint, counted by reading the stream (capped; see recordsBehindCapped). */
  recordsBehind?: number;
  recordsBehindCapped?: boolean;
}

/** One card: a function and the stream it reads. */
export interface MappingView {
  key: string;
  functionName: string;
  tableName: string;
  enabled: boolean;
  settings: MappingSettingsView;
  shards: ShardView[];
  /** The newest iterator age any shard reported. */
  iteratorAgeMs?: number;
  /** Item images are shown only for a function that runs with LOG_LEVEL debug. */
  debugImages: boolean;
}

/** Why an invocation happened again: a retry of its parent, or a part of its parent's split. */
export type InvocationCause =
  | { kind: 'retry'; retry: number; maxRetries: number }
  | { kind: 'split'; at: 'failure' }
  | { kind: 'split'; at: 'half'; part: 1 | 2 };

/** How an invocation ended; `running` until its outcome arrives, `not-invoked` for records given up before any invocation. */
export type InvocationStatus = 'running' | 'ok' | 'partial' | 'error' | 'timeout' | 'not-invoked';

/** What the engine did next with the records of an invocation. */
export type NextView =
  | { kind: 'ack' }
  | { kind: 'retry'; retry: number; maxRetries: number }
  | { kind: 'split'; at: 'failure' | 'half'; parts?: [number, number] }
  | { kind: 'deadLetter'; invocations: number }
  | { kind: 'giveUp' };

/** One invocation on the timeline of its mapping. */
export interface InvocationView {
  requestId: string;
  mappingKey: string;
  functionName: string;
  shardId: string;
  /** Epoch ms when the engine invoked (or gave the records up). */
  at: number;
  batchSize: number;
  firstSequenceNumber?: string;
  lastSequenceNumber?: string;
  attempt: number;
  status: InvocationStatus;
  /** Sequence number and batch index of the lowest reported failure (status partial). */
  failedAt?: string;
  failedIndex?: number;
  errorType?: string;
  errorMessage?: string;
  durationMs?: number;
  initDurationMs?: number;
  iteratorAgeMs?: number;
  next?: NextView;
  deadLetter?: { id: string; condition: string };
  /** Why records were given up without an invocation (record age, undeliverable). */
  notInvokedReason?: string;
  parentRequestId?: string;
  /** The first invocation of the batch this one belongs to (itself when it is the first). */
  rootRequestId: string;
  cause?: InvocationCause;
  finalInvokeForWindow?: { windowStart: string; terminatedEarly: boolean };
  /** Records were captured (see InvocationDetail). */
  hasRecords: boolean;
}

/** One record of an invocation: keys and event name; images only for a function at debug level. */
export interface RecordView {
  sequenceNumber: string;
  eventName: string;
  keys: Record<string, unknown>;
  newImage?: Record<string, unknown>;
  oldImage?: Record<string, unknown>;
  /** Why an image is not shown although debug images are on (too large). */
  imageOmitted?: string;
}

/** One line the handler printed during an invocation. */
export interface LogLineView {
  at: number;
  line: string;
}

/** What clicking an invocation shows. */
export interface InvocationDetail {
  invocation: InvocationView;
  records: RecordView[];
  /** Records not kept because the batch was larger than the console keeps. */
  recordsOmitted: number;
  imagesShown: boolean;
  logs: LogLineView[];
}

/** One second of a mapping's activity. */
export interface MetricPoint {
  /** Epoch seconds. */
  t: number;
  records: number;
  invocations: number;
  durationMsMax?: number;
  durationMsAvg?: number;
  iteratorAgeMsMax?: number;
}

/** A dead letter as the table shows it. */
export interface DeadLetterRow {
  id: string;
  functionName: string;
  condition: string;
  /** The error of the invocation that gave the records up, when this run saw it; else what the payload says. */
  error?: string;
  shardId: string;
  startSequenceNumber: string;
  endSequenceNumber: string;
  batchSize: number;
  time: string;
  /** Keys of the first record of the range (read from the stream), or why they could not be read. */
  firstKeys?: Record<string, unknown>;
  firstEventName?: string;
  firstKeysProblem?: string;
}

/** A file in the dead-letter store that is not an entry. */
export interface UnreadableDeadLetterView {
  file: string;
  reason: string;
}

/** What the dead-letter view lists. */
export interface DeadLetterListingView {
  rows: DeadLetterRow[];
  unreadable: UnreadableDeadLetterView[];
}

/** The result of a redrive or a removal, shown beside the entry. */
export type DeadLetterActionResult =
  | { ok: true; id: string; action: 'redrive' | 'redrive-from-item' | 'remove'; message: string }
  | { ok: false; id: string; action: 'redrive' | 'redrive-from-item' | 'remove'; errorName: string; message: string };

/** Everything the page needs at once, on connecting. */
export interface ConsoleSnapshot {
  stage: string;
  mappings: MappingView[];
  invocations: InvocationView[];
  metrics: Record<string, MetricPoint[]>;
  /** How many seconds of metrics the server keeps. */
  metricsWindowSeconds: number;
}

/** Server-sent messages, as `event: <type>` with JSON data. */
export type ConsoleMessage =
  | { type: 'snapshot'; snapshot: ConsoleSnapshot }
  | { type: 'invocations'; invocations: InvocationView[] }
  | { type: 'mappings'; mappings: MappingView[] }
  | { type: 'metrics'; points: Record<string, MetricPoint> }
  | { type: 'deadLetters' };

/** A table of the local DynamoDB, for the read-only item browser. */
export interface TableSummaryView {
  name: string;
  keys: string[];
  itemCount?: number;
  stream?: string;
}

/** One page of a table's items (DynamoDB JSON), and where the next page starts. */
export interface ItemPageView {
  table: string;
  items: Record<string, unknown>[];
  nextStartKey?: string;
}
