import type { AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Action } from '../../runtime/dispatch/action.js';
import { ConfigurationError } from '../../runtime/errors.js';
import { BackfillStateError } from '../errors.js';
import type { Logger } from '../../runtime/logging/logger.js';
import { parallelScan } from '../../data/paging/parallel-scan.js';
import { describeTable } from '../../data/ensure-table.js';
import { compileFilterPatterns } from '../../mapping/filter-patterns.js';
import { backfillRecord, type BackfillOrigin } from './backfill-change.js';
import type { ProgressReporter, ProgressSnapshot } from './progress.js';
import { createRateLimiter } from './rate-limiter.js';
import { runBackfillBatch } from './run-backfill-batch.js';
import type { BackfillSource } from './source.js';
import { advance, initialState, readState, startKeysOf, stateWriter, type BackfillState } from './state-file.js';

export interface BackfillOptions {
  client: DynamoDBClient;
  source: Pick<BackfillSource, 'functionName' | 'tableName' | 'keyAttributes' | 'streamViewType'> & {
    filterPatterns?: unknown[] | undefined;
  };
  /** The function's actions, run on each change by the stream dispatcher's own `processBatch`. */
  actions: readonly Action[];
  /** The logger the actions and the dispatcher get. */
  logger: Logger;
  /** TotalSegments. Default: the saved state's, else 4. */
  segments?: number | undefined;
  /** Segments scanned at once. Default min(segments, 4). */
  concurrency?: number | undefined;
  /** Scan `Limit` per request. Default 100. */
  pageSize?: number | undefined;
  /** Changes per batch handed to the actions (the rate limiter is asked per batch). Default 25. */
  batchSize?: number | undefined;
  /** Items per second, at most. Default no limit. */
  rate?: number | undefined;
  /** Count the items only: no actions, no state read or written. */
  dryRun?: boolean | undefined;
  /** Forget the saved position and start from the beginning. */
  restart?: boolean | undefined;
  /** Where the position of every segment is saved; without it the backfill cannot be resumed. */
  statePath?: string | undefined;
  /** Stops the backfill: batches under way finish, positions are saved, and the next run continues. */
  signal?: AbortSignal | undefined;
  progress?: ProgressReporter | undefined;
  region?: string | undefined;
}

export type BackfillOutcome = 'completed' | 'interrupted' | 'already-complete' | 'counted';

export interface BackfillResult {
  outcome: BackfillOutcome;
  /** Items scanned and handled in this run (the filtered ones included). */
  items: number;
  /** Items of this run that the function's filter patterns left out (Lambda would not have delivered them). */
  filtered: number;
  /** Items processed over all runs of this backfill. */
  totalItems: number;
  pages: number;
  totalSegments: number;
  segmentsDone: number;
  /** True when a saved position was continued. */
  resumed: boolean;
  durationMs: number;
}

async function loadState(options: BackfillOptions): Promise<{ state: BackfillState; resumed: boolean }> {
  const { source } = options;
  const fresh = () => initialState(source.functionName, source.tableName, options.segments ?? 4);
  if (options.dryRun || !options.statePath || options.restart) return { state: fresh(), resumed: false };
  const saved = await readState(options.statePath);
  if (!saved) return { state: fresh(), resumed: false };
  if (saved.tableName !== source.tableName || saved.functionName !== source.functionName) {
    throw new BackfillStateError(
      `${options.statePath} holds a backfill of ${saved.functionName} on ${saved.tableName}, ` +
        `not of ${source.functionName} on ${source.tableName}; run with --restart to start over`,
    );
  }
  if (options.segments !== undefined && options.segments !== saved.totalSegments) {
    throw new BackfillStateError(
      `The saved backfill uses ${saved.totalSegments} segments, this run asks for ${options.segments}; ` +
        `positions of one segmentation mean nothing in another. ` +
        `Leave --segments out to continue, or run with --restart`,
    );
  }
  return { state: saved, resumed: true };
}

/**
 * Scans the source table in parallel segments and runs the actions on every item as a backfilled
 * INSERT (sequence number 0, `isBackfill`), in batches. After each page the position of its segment
 * is saved, so an interrupted run continues where it stopped; a page cut short is done again on
 * resume, which the actions must tolerate (they are idempotent, as stream delivery requires).
 */
export async function runBackfill(options: BackfillOptions): Promise<BackfillResult> {
  const started = performance.now();
  const { client, source } = options;
  const batchSize = options.batchSize ?? 25;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
  const table = await describeTable(client, source.tableName);
  if (!table)
    throw new ConfigurationError(
      `Table ${source.tableName} does not exist; create the tables first (locally: npm start), or check --stage and --region`,
    );
  const origin: BackfillOrigin = {
    // A table without a stream has no stream ARN; the made-up one still names the table, as toChange needs.
    eventSourceARN: table.LatestStreamArn ?? `${table.TableArn}/stream/backfill`,
    keyAttributes: source.keyAttributes,
    streamViewType: source.streamViewType,
    ...(options.region ? { region: options.region } : {}),
  };
  const { state, resumed } = await loadState(options);
  const writer = options.statePath && !options.dryRun ? stateWriter(options.statePath) : undefined;
  const previousItems = state.segments.reduce((sum, s) => sum + s.items, 0);
  const base = { totalSegments: state.totalSegments, resumed };
  if (state.completedAt) {
    return {
      outcome: 'already-complete',
      items: 0,
      filtered: 0,
      totalItems: previousItems,
      pages: 0,
      segmentsDone: state.totalSegments,
      durationMs: performance.now() - started,
      ...base,
    };
  }
  if (writer) await writer.save(state);

  const limiter = createRateLimiter(options.rate);
  const passes = compileFilterPatterns(source.filterPatterns ?? []);
  const total = table.ItemCount && table.ItemCount > 0 ? table.ItemCount : undefined;
  let items = 0;
  let filtered = 0;
  const snapshot = (): ProgressSnapshot => {
    const seconds = (performance.now() - started) / 1000;
    const rate = seconds > 0 ? items / seconds : 0;
    const done = previousItems + items;
    return {
      done,
      total,
      rate,
      etaSeconds: total !== undefined && rate > 0 ? Math.max(0, total - done) / rate : undefined,
      segmentsDone: state.segments.filter((s) => s.done).length,
      totalSegments: state.totalSegments,
    };
  };
  options.progress?.update(snapshot());

  let pages = 0;
  let failure: unknown;
  try {
    await parallelScan<Record<string, AttributeValue>>(
      client,
      { TableName: source.tableName, ...(options.dryRun ? { Select: 'COUNT' as const } : {}) },
      {
        totalSegments: state.totalSegments,
        concurrency: options.concurrency ?? Math.min(state.totalSegments, 4),
        pageSize: options.pageSize ?? 100,
        startKeys: startKeysOf(state),
        ...(options.signal ? { signal: options.signal } : {}),
        mapItem: (item) => item,
        onPage: async (page, segment) => {
          pages += 1;
          if (options.dryRun) {
            await limiter.take(page.count, options.signal);
            items += page.count;
          } else {
            for (let i = 0; i < page.items.length; i += batchSize) {
              // Stopped mid-page: the position stays before this page, which is done again next time.
              if (options.signal?.aborted) return;
              const batch = page.items.slice(i, i + batchSize);
              await limiter.take(batch.length, options.signal);
              if (options.signal?.aborted) return;
              const nowSeconds = Math.floor(Date.now() / 1000);
              const records = batch.map((item) => backfillRecord(item, origin, nowSeconds));
              const delivered = records.filter((record) => passes(record));
              filtered += records.length - delivered.length;
              await runBackfillBatch(delivered, { actions: options.actions, logger: options.logger, functionName: source.functionName });
              items += batch.length;
              options.progress?.update(snapshot());
            }
          }
          advance(state, segment, page.lastEvaluatedKey, options.dryRun ? page.count : page.items.length);
          options.progress?.update(snapshot());
          if (writer) await writer.save(state);
        },
      },
    );
  } catch (error) {
    failure = error;
  }
  const complete = state.segments.every((s) => s.done);
  if (complete && !options.dryRun) state.completedAt = new Date().toISOString();
  if (writer) await writer.save(state);
  if (failure) throw failure;
  const outcome: BackfillOutcome = !complete ? 'interrupted' : options.dryRun ? 'counted' : 'completed';
  return {
    outcome,
    items,
    filtered,
    totalItems: previousItems + items,
    pages,
    segmentsDone: state.segments.filter((s) => s.done).length,
    durationMs: performance.now() - started,
    ...base,
  };
}
