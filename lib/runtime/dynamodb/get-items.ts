import { GetItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { batchGetItems } from './batch-get-items.js';

/**
 * Reads items of one table by key, strongly consistent: one key is a GetItem (the per-change path's one request), more
 * are BatchGetItem calls (batchGetItems). The items come back in no particular order; a key without an item is absent.
 */
export async function getItems(
  client: DynamoDBClient,
  tableName: string,
  keys: readonly Record<string, AttributeValue>[],
): Promise<Record<string, AttributeValue>[]> {
  if (keys.length !== 1) return keys.length === 0 ? [] : batchGetItems(client, tableName, keys);
  const out = await client.send(new GetItemCommand({ TableName: tableName, Key: keys[0], ConsistentRead: true }));
  return out.Item ? [out.Item] : [];
}
