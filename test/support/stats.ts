import { ScanCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';

/** Every item of a table, unmarshalled (test tables are small). */
export async function scanAll(client: DynamoDBClient, tableName: string): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, never> | undefined;
  do {
    const page = await client.send(new ScanCommand({ TableName: tableName, ExclusiveStartKey: start, ConsistentRead: true }));
    items.push(...(page.Items ?? []).map((item) => unmarshall(item)));
    start = page.LastEvaluatedKey as typeof start;
  } while (start);
  return items;
}

/** Rows of a statistics table keyed by `keyName`, without zero-valued counters (a row of zeros is no row). */
export async function statsByKey(
  client: DynamoDBClient,
  tableName: string,
  keyName: string,
): Promise<Record<string, Record<string, string>>> {
  const out: Record<string, Record<string, string>> = {};
  for (const row of await scanAll(client, tableName)) {
    const fields: Record<string, string> = {};
    for (const [name, value] of Object.entries(row)) {
      if (name === keyName || Number(value) === 0) continue;
      fields[name] = String(value);
    }
    if (Object.keys(fields).length > 0) out[String(row[keyName])] = fields;
  }
  return out;
}
