import {
  BatchGetItemCommand,
  type AttributeValue,
  type BatchGetItemCommandOutput,
  type DynamoDBClient,
  type KeysAndAttributes,
} from '@aws-sdk/client-dynamodb';
import { BatchRequestIncompleteError } from '../errors.js';
import { backoff, forEachLimited } from './retry-backoff.js';

/** BatchGetItem's limit of keys per call. */
export const BATCH_GET_MAX_KEYS = 100;

export interface BatchGetOptions {
  /** Calls with unprocessed keys left, before giving up. Default 8. */
  maxAttempts?: number;
  /** Calls in flight at once. Default 4. */
  concurrency?: number;
}

/**
 * Reads items of one table by key with strongly consistent BatchGetItem calls (100 keys each, several at once),
 * retrying unprocessed keys with backoff. The items come back in no particular order; a key without an item is
 * simply absent. Keys must be distinct (DynamoDB refuses duplicates).
 * @throws BatchRequestIncompleteError when keys are still unprocessed after `maxAttempts` calls.
 */
export async function batchGetItems(
  client: DynamoDBClient,
  tableName: string,
  keys: readonly Record<string, AttributeValue>[],
  options: BatchGetOptions = {},
): Promise<Record<string, AttributeValue>[]> {
  const maxAttempts = options.maxAttempts ?? 8;
  const chunks: Record<string, AttributeValue>[][] = [];
  for (let i = 0; i < keys.length; i += BATCH_GET_MAX_KEYS) chunks.push(keys.slice(i, i + BATCH_GET_MAX_KEYS));
  const items: Record<string, AttributeValue>[] = [];
  let failure: unknown;
  await forEachLimited(chunks, options.concurrency ?? 4, async (chunk) => {
    let request: KeysAndAttributes | undefined = { Keys: chunk, ConsistentRead: true };
    try {
      for (let attempt = 0; request?.Keys?.length; attempt++) {
        if (attempt >= maxAttempts) {
          throw new BatchRequestIncompleteError(
            `BatchGetItem on ${tableName} left ${request.Keys.length} keys unprocessed after ${maxAttempts} calls (throttled); ` +
              'the records are reported and retried; raise the table capacity if this repeats',
          );
        }
        if (attempt > 0) await backoff(attempt - 1);
        const out: BatchGetItemCommandOutput = await client.send(new BatchGetItemCommand({ RequestItems: { [tableName]: request } }));
        items.push(...(out.Responses?.[tableName] ?? []));
        request = out.UnprocessedKeys?.[tableName];
      }
    } catch (error) {
      failure ??= error;
    }
  });
  if (failure !== undefined) throw failure;
  return items;
}
