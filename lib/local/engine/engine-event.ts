import type { FailureCondition } from '../../mapping/failure-payload.js';

/** Fields every event about one shard carries. */
interface ShardFields {
  /** The function's key in serverless.yml. */
  functionName: string;
  shardId: string;
}

/** Fields of an event about one batch: which records, by sequence number (never their contents). */
interface BatchFields extends ShardFields {
  requestId: string;
  batchSize: number;
  firstSequenceNumber: string | undefined;
  lastSequenceNumber: string | undefined;
}

/** The function is about to be invoked with a batch (or with the final, empty invocation of a tumbling window). */
export interface InvocationEvent extends BatchFields {
  type: 'invocation';
  /** How far behind the newest record the mapping is: now minus the creation time of the batch's last record (Lambda's IteratorAge). */
  iteratorAgeMs: number | undefined;
  /** 1 for the first invocation of these records, 2 for the first retry, ... */
  attempt: number;
  /** The last invocation of a tumbling window (no records). */
  finalInvokeForWindow?: { windowStart: string; terminatedEarly: boolean };
}

/** What the engine does next with the records of an invocation (the delivery policy's step). */
export type NextStepSummary =
  | { kind: 'ack' }
  | { kind: 'retry'; retry: number; maxRetries: number; fromSequenceNumber: string }
  | { kind: 'split'; at: 'failure'; fromSequenceNumber: string }
  | { kind: 'split'; at: 'half'; parts: [number, number] }
  | { kind: 'deadLetter'; invocations: number }
  | { kind: 'giveUp' };

/** How an invocation ended and what follows from it. */
export interface OutcomeEvent extends BatchFields {
  type: 'outcome';
  outcome: 'ok' | 'partial' | 'error' | 'timeout';
  /** Sequence number of the lowest reported failure (outcome partial). */
  failedAt?: string;
  /** The function's error, or why its response failed the batch. */
  errorType?: string;
  errorMessage?: string;
  durationMs: number;
  initDurationMs?: number;
  iteratorAgeMs: number | undefined;
  next: NextStepSummary;
  finalInvokeForWindow?: { windowStart: string; terminatedEarly: boolean };
}

/** A failed batch is tried again after a delay. */
export interface RetryEvent extends BatchFields {
  type: 'retry';
  retry: number;
  /** -1: until the records expire. */
  maxRetries: number;
  delayMs: number;
}

/** A failed batch is split: at the reported failure, or in halves (bisectBatchOnFunctionError); no retry is used. */
export interface SplitEvent extends BatchFields {
  type: 'split';
  at: 'failure' | 'half';
  parts: number[];
}

/** Records given up and written to the dead-letter store (the local on-failure destination). */
export interface DeadLetterEvent extends BatchFields {
  type: 'deadLetter';
  condition: FailureCondition;
  deadLetterId: string;
  destination: string | undefined;
  invocations: number;
  /** Why the engine could not deliver the record at all (condition RecordNotDeliverable). */
  reason?: string;
}

/** Records given up before any invocation because they are older than maximumRecordAgeInSeconds. */
export interface RecordAgeExceededEvent extends BatchFields {
  type: 'recordAgeExceeded';
  maximumRecordAgeSeconds: number;
}

/** Records the engine cannot hand to the function (conversion failed, too large): dead-lettered alone. */
export interface UndeliverableEvent extends BatchFields {
  type: 'undeliverable';
  reason: string;
}

/** Writing a dead letter failed; the engine keeps trying (moving on would lose the failure). */
export interface DeadLetterWriteFailedEvent extends ShardFields {
  type: 'deadLetterWriteFailed';
  attempt: number;
  error: string;
}

/** The shard's durable checkpoint moved. */
export interface CheckpointEvent extends ShardFields {
  type: 'checkpoint';
  sequenceNumber: string | undefined;
  shardEnded: boolean;
}

export interface CheckpointWriteFailedEvent extends ShardFields {
  type: 'checkpointWriteFailed';
  error: string;
}

/** The iterator age passed the mapping's threshold (rate-limited: at most one per shard per interval). */
export interface IteratorAgeWarningEvent extends ShardFields {
  type: 'iteratorAgeWarning';
  iteratorAgeMs: number;
  thresholdMs: number;
}

/** A shard worker started reading. */
export interface ShardStartedEvent extends ShardFields {
  type: 'shardStarted';
  start: 'AFTER_SEQUENCE_NUMBER' | 'TRIM_HORIZON' | 'LATEST';
  parentShardId: string | undefined;
}

/** A shard was read to its end and every record handled. */
export interface ShardFinishedEvent extends ShardFields {
  type: 'shardFinished';
}

/** The shard iterator expired and is renewed after the last record read (nothing replayed or skipped). */
export interface IteratorExpiredEvent extends ShardFields {
  type: 'iteratorExpired';
}

/** Records after the position were trimmed (older than 24 h); reading continues at the oldest record left. */
export interface RecordsTrimmedEvent extends ShardFields {
  type: 'recordsTrimmed';
  /** The last position the mapping had; undefined when nothing was read yet (nothing of ours was lost). */
  after: string | undefined;
}

/** The mapping drops its shard workers and reads the table's stream afresh. */
export interface StreamResetEvent {
  type: 'streamReset';
  functionName: string;
  tableName: string;
  reason: 'new-stream' | 'stream-gone' | 'shard-gone';
  streamArn: string | undefined;
  shardId?: string;
}

/** Everything the local engine reports, as data: log lines, a console and tests subscribe to these. */
export type EngineEvent =
  | InvocationEvent
  | OutcomeEvent
  | RetryEvent
  | SplitEvent
  | DeadLetterEvent
  | RecordAgeExceededEvent
  | UndeliverableEvent
  | DeadLetterWriteFailedEvent
  | CheckpointEvent
  | CheckpointWriteFailedEvent
  | IteratorAgeWarningEvent
  | ShardStartedEvent
  | ShardFinishedEvent
  | IteratorExpiredEvent
  | RecordsTrimmedEvent
  | StreamResetEvent;

/** Where the engine sends its events. */
export type EngineEventListener = (event: EngineEvent) => void;
