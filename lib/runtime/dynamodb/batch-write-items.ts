import {
  BatchWriteItemCommand,
  PutItemCommand,
  type AttributeValue,
  type DynamoDBClient,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { BatchRequestIncompleteError } from '../errors.js';
import { backoff, forEachLimited } from './retry-backoff.js';

/** BatchWriteItem's limit of items per call. */
export const BATCH_WRITE_MAX_ITEMS = 25;

export interface BatchPutOptions {
  /** A text that tells items apart by their table key (unprocessed items come back as copies). */
  keyOf: (item: Record<string, AttributeValue>) => string;
  /** Calls with unprocessed items left, before giving up on them. Default 8. */
  maxAttempts?: number;
  /** Calls in flight at once. Default 4. */
  concurrency?: number;
}

/** An item that was not written, by its position in the list given. */
export interface BatchPutFailure {
  readonly index: number;
  readonly error: unknown;
}

/**
 * Puts items into one table with BatchWriteItem (25 per call, several calls at once), retrying unprocessed items
 * with backoff, bounded. A call DynamoDB refuses as a whole (ValidationException: one item it cannot take) is
 * written again item by item, so one bad item fails alone. Items must have distinct keys. Never throws: returns
 * the items that were not written, with the reason.
 */
export async function batchPutItems(
  client: DynamoDBClient,
  tableName: string,
  items: readonly Record<string, AttributeValue>[],
  options: BatchPutOptions,
): Promise<BatchPutFailure[]> {
  const maxAttempts = options.maxAttempts ?? 8;
  const chunks: number[][] = [];
  for (let i = 0; i < items.length; i += BATCH_WRITE_MAX_ITEMS) {
    chunks.push(Array.from({ length: Math.min(BATCH_WRITE_MAX_ITEMS, items.length - i) }, (_, n) => i + n));
  }
  const failures: BatchPutFailure[] = [];
  const putOneByOne = async (indexes: number[]) => {
    for (const index of indexes) {
      try {
        await client.send(new PutItemCommand({ TableName: tableName, Item: items[index]! }));
      } catch (error) {
        failures.push({ index, error });
      }
    }
  };
  await forEachLimited(chunks, options.concurrency ?? 4, async (chunk) => {
    let pending = new Map<WriteRequest, number>(chunk.map((index) => [{ PutRequest: { Item: items[index]! } }, index]));
    for (let attempt = 0; pending.size > 0; attempt++) {
      if (attempt >= maxAttempts) {
        const error = new BatchRequestIncompleteError(
          `BatchWriteItem on ${tableName} left ${pending.size} items unprocessed after ${maxAttempts} calls (throttled); ` +
            'the records are reported and retried; raise the table capacity if this repeats',
        );
        for (const index of pending.values()) failures.push({ index, error });
        return;
      }
      if (attempt > 0) await backoff(attempt - 1);
      let unprocessed: WriteRequest[];
      try {
        const out = await client.send(new BatchWriteItemCommand({ RequestItems: { [tableName]: [...pending.keys()] } }));
        unprocessed = out.UnprocessedItems?.[tableName] ?? [];
      } catch (error) {
        if ((error as { name?: string }).name === 'ValidationException' && pending.size > 1) return putOneByOne([...pending.values()]);
        for (const index of pending.values()) failures.push({ index, error });
        return;
      }
      // The SDK returns unprocessed requests as new objects: find them by their key.
      const byKey = new Map<string, number>();
      for (const index of pending.values()) byKey.set(options.keyOf(items[index]!), index);
      const next = new Map<WriteRequest, number>();
      let unmatched = false;
      for (const request of unprocessed) {
        const index = request.PutRequest?.Item === undefined ? undefined : byKey.get(options.keyOf(request.PutRequest.Item));
        if (index !== undefined) next.set({ PutRequest: { Item: items[index]! } }, index);
        else unmatched = true;
      }
      // An unprocessed item that names none of ours must not vanish: put the whole set again (puts are idempotent).
      pending = unmatched ? new Map([...pending.values()].map((index) => [{ PutRequest: { Item: items[index]! } }, index])) : next;
    }
  });
  return failures;
}
