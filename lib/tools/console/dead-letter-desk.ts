import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { AppError } from '../../runtime/errors.js';
import { LocalStackError } from '../errors.js';
import type { StreamMappingSettings } from '../../mapping/settings.js';
import type { InvocationResult } from '../../local/runner/function-runner.js';
import type { DeadLetterEntry, DeadLetterStore } from '../../local/store/dead-letter-store.js';
import { firstFailingRecord, type FirstFailingRecord } from '../redrive/first-failing-record.js';
import { redriveEntry, type RedriveHandler } from '../redrive/redrive.js';
import type { DeadLetterActionResult, DeadLetterListingView, DeadLetterRow } from './console-view.js';

export interface DeadLetterDeskOptions {
  store: DeadLetterStore;
  streams: DynamoDBStreamsClient;
  /** DynamoDB Local: its stream ARNs, and the items a from-item redrive reads. */
  dynamodb: DynamoDBClient;
  /** The mapping settings of a function (batch size, filters, timeout), or undefined when it has no mapping here. */
  settingsOf(functionName: string): StreamMappingSettings | undefined;
  /** Runs the function's handler as the stack runs it (its build, environment and role). */
  invoke(functionName: string, event: unknown, options: { timeoutMs: number; requestId: string }): Promise<InvocationResult>;
  /** The error that sent an entry, when this run saw it. */
  errorOf(id: string): string | undefined;
}

/** The dead-letter view's actions: list, show, redrive (from the stream or from the item as it is now), remove. */
export interface DeadLetterDesk {
  listing(): Promise<DeadLetterListingView>;
  /** The whole entry: AWS's on-failure payload and what the store adds. */
  entry(id: string): Promise<DeadLetterEntry>;
  redrive(id: string, mode: { fromItem: boolean }): Promise<DeadLetterActionResult>;
  remove(id: string): Promise<DeadLetterActionResult>;
}

/** A redrive's failed handler run, as an error redriveEntry reports with the entry kept. */
class HandlerFailure extends Error {
  override readonly name = 'HandlerFailure';
}

/** Creates the desk. Reading the first failing record of each entry is remembered once found (a range never changes). */
export function createDeadLetterDesk(options: DeadLetterDeskOptions): DeadLetterDesk {
  const firstRecords = new Map<string, FirstFailingRecord>();
  const busy = new Set<string>();

  const firstOf = async (entry: DeadLetterEntry): Promise<FirstFailingRecord> => {
    const known = firstRecords.get(entry.id);
    if (known) return known;
    const found = await firstFailingRecord(entry, { streams: options.streams, localDynamoDB: options.dynamodb, timeoutMs: 5_000 });
    // "Unreachable" may pass (DynamoDB Local restarting); found and expired do not change.
    if (found.kind !== 'unreachable') {
      firstRecords.set(entry.id, found);
      if (firstRecords.size > 1_000) firstRecords.delete(firstRecords.keys().next().value as string);
    }
    return found;
  };

  const rowOf = async (entry: DeadLetterEntry): Promise<DeadLetterRow> => {
    const { requestContext, responseContext, DDBStreamBatchInfo: info, timestamp } = entry.payload;
    const first = await firstOf(entry);
    const functionError = responseContext.functionError ? `function error (${responseContext.functionError})` : undefined;
    const error = options.errorOf(entry.id) ?? entry.reason ?? functionError;
    return {
      id: entry.id,
      functionName: entry.functionName,
      condition: requestContext.condition,
      ...(error ? { error } : {}),
      shardId: info.shardId,
      startSequenceNumber: info.startSequenceNumber,
      endSequenceNumber: info.endSequenceNumber,
      batchSize: info.batchSize,
      time: timestamp,
      ...(first.kind === 'found' ? { firstKeys: first.keys, firstEventName: first.eventName } : { firstKeysProblem: first.reason }),
    };
  };

  const handlerOf =
    (functionName: string, timeoutMs: number): RedriveHandler =>
    async (event, context) => {
      const result = await options.invoke(functionName, event, { timeoutMs, requestId: context.awsRequestId });
      if (!result.ok) throw new HandlerFailure(`${result.errorType}: ${result.errorMessage}`);
      return result.response;
    };

  const failure = (id: string, action: DeadLetterActionResult['action'], error: unknown): DeadLetterActionResult => ({
    ok: false,
    id,
    action,
    errorName: error instanceof Error ? error.name : 'Error',
    message: error instanceof Error ? error.message : String(error),
  });

  return {
    async listing() {
      const { entries, unreadable } = await options.store.listing();
      return { rows: await Promise.all(entries.map(rowOf)), unreadable };
    },
    entry: (id) => options.store.get(id),
    async redrive(id, mode) {
      const action = mode.fromItem ? 'redrive-from-item' : 'redrive';
      if (busy.has(id)) return failure(id, action, new LocalStackError(`${id} is being redriven already; wait for that to end`));
      busy.add(id);
      try {
        const entry = await options.store.get(id);
        const settings = options.settingsOf(entry.functionName);
        if (!settings) {
          throw new LocalStackError(
            `${entry.functionName} has no stream mapping in this stack, so its handler is not built here; ` +
              `use npm run redrive -- ${entry.functionName}`,
          );
        }
        const timeoutMs = settings.functionTimeoutSeconds * 1000;
        const result = await redriveEntry({
          entry,
          streams: options.streams,
          handler: handlerOf(entry.functionName, timeoutMs),
          localDynamoDB: options.dynamodb,
          batchSize: settings.batchSize,
          filterPatterns: settings.filterPatterns,
          timeoutMs,
          ...(mode.fromItem ? { fromItem: { dynamodb: options.dynamodb } } : {}),
        });
        await options.store.remove(id);
        firstRecords.delete(id);
        const ran = result.items === undefined ? `${result.delivered} record(s)` : `${result.items} item(s) as they are now`;
        return {
          ok: true,
          id,
          action,
          message:
            `${result.records} record(s) read from the stream; ${ran} run through ${entry.functionName} ` +
            `in ${result.invocations} invocation(s); entry removed`,
        };
      } catch (error) {
        if (!(error instanceof AppError)) throw error;
        return failure(id, action, error);
      } finally {
        busy.delete(id);
      }
    },
    async remove(id) {
      if (busy.has(id)) return failure(id, 'remove', new LocalStackError(`${id} is being redriven; wait for that to end`));
      try {
        await options.store.get(id);
        await options.store.remove(id);
        firstRecords.delete(id);
        return { ok: true, id, action: 'remove', message: 'entry removed; its records were not run again' };
      } catch (error) {
        if (!(error instanceof AppError)) throw error;
        return failure(id, 'remove', error);
      }
    },
  };
}
