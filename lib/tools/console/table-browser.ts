import { DescribeTableCommand, ListTablesCommand, ScanCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ConsoleRequestError } from '../errors.js';
import type { ItemPageView, TableSummaryView } from './console-view.js';

/** A read-only look at the local DynamoDB: its tables and their items, a page at a time. */
export interface TableBrowser {
  tables(): Promise<TableSummaryView[]>;
  items(table: string, options?: { startKey?: string; limit?: number }): Promise<ItemPageView>;
}

const TABLE_NAME = /^[A-Za-z0-9_.-]{3,255}$/;

const define = (target: Record<string, unknown>, name: string, value: unknown): void => {
  Object.defineProperty(target, name, { value, enumerable: true, writable: true, configurable: true });
};

/** An attribute value as JSON: binaries as base64, as Lambda and the AWS CLI show them; any attribute name kept. */
export function attributeValueJson(value: AttributeValue): unknown {
  const [type, inner] = Object.entries(value).find(([, v]) => v !== undefined) ?? ['NULL', true];
  const out: Record<string, unknown> = {};
  if (type === 'B') define(out, 'B', Buffer.from(inner as Uint8Array).toString('base64'));
  else if (type === 'BS')
    define(
      out,
      'BS',
      (inner as Uint8Array[]).map((b) => Buffer.from(b).toString('base64')),
    );
  else if (type === 'M') define(out, 'M', itemJson(inner as Record<string, AttributeValue>));
  else if (type === 'L') define(out, 'L', (inner as AttributeValue[]).map(attributeValueJson));
  else define(out, type, inner);
  return out;
}

/** An item as JSON, attribute names kept whatever they are (`__proto__` included). */
export function itemJson(item: Record<string, AttributeValue>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(item)) define(out, name, attributeValueJson(value));
  return out;
}

/** A page position for the URL: the last key read, as base64url JSON. */
const encodeStartKey = (key: Record<string, AttributeValue>): string => Buffer.from(JSON.stringify(itemJson(key))).toString('base64url');

function decodeStartKey(text: string): Record<string, AttributeValue> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch (error) {
    throw new ConsoleRequestError('startKey is not a page position this browser made; open the table from its first page', {
      cause: error,
    });
  }
  if (typeof parsed !== 'object' || parsed === null)
    throw new ConsoleRequestError('startKey is not a key; open the table from its first page');
  const key: Record<string, AttributeValue> = {};
  for (const [name, value] of Object.entries(parsed as Record<string, Record<string, unknown>>)) {
    // Key attributes are S, N or B only.
    const attribute: AttributeValue =
      typeof value?.S === 'string'
        ? { S: value.S }
        : typeof value?.N === 'string'
          ? { N: value.N }
          : typeof value?.B === 'string'
            ? { B: Buffer.from(value.B, 'base64') }
            : (undefined as never);
    if (!attribute) throw new ConsoleRequestError(`startKey.${name} is not an S, N or B key value; open the table from its first page`);
    Object.defineProperty(key, name, { value: attribute, enumerable: true, writable: true, configurable: true });
  }
  return key;
}

/** Creates the browser on a DynamoDB client. It only lists, describes and scans: nothing here writes. */
export function createTableBrowser(dynamodb: DynamoDBClient): TableBrowser {
  const known = async (): Promise<string[]> => {
    const names: string[] = [];
    let start: string | undefined;
    do {
      const page = await dynamodb.send(new ListTablesCommand({ ...(start ? { ExclusiveStartTableName: start } : {}) }));
      names.push(...(page.TableNames ?? []));
      start = page.LastEvaluatedTableName;
    } while (start);
    return names;
  };
  return {
    async tables() {
      const names = await known();
      return Promise.all(
        names.map(async (name) => {
          const table = (await dynamodb.send(new DescribeTableCommand({ TableName: name }))).Table;
          return {
            name,
            keys: (table?.KeySchema ?? []).map((k) => `${k.AttributeName} (${k.KeyType === 'HASH' ? 'partition' : 'sort'})`),
            ...(table?.ItemCount !== undefined ? { itemCount: table.ItemCount } : {}),
            ...(table?.StreamSpecification?.StreamEnabled ? { stream: table.StreamSpecification.StreamViewType ?? 'on' } : {}),
          };
        }),
      );
    },
    async items(table, options = {}) {
      if (!TABLE_NAME.test(table)) throw new ConsoleRequestError(`${JSON.stringify(table)} is not a DynamoDB table name`);
      const limit = Math.min(Math.max(options.limit ?? 25, 1), 100);
      const output = await dynamodb.send(
        new ScanCommand({
          TableName: table,
          Limit: limit,
          ...(options.startKey ? { ExclusiveStartKey: decodeStartKey(options.startKey) } : {}),
        }),
      );
      return {
        table,
        items: (output.Items ?? []).map(itemJson),
        ...(output.LastEvaluatedKey ? { nextStartKey: encodeStartKey(output.LastEvaluatedKey) } : {}),
      };
    },
  };
}
