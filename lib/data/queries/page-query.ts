import type { DynamoDBClient, QueryCommandInput } from '@aws-sdk/client-dynamodb';
import type { CursorCodec } from '../paging/cursor.js';
import { queryPages } from '../paging/paginate.js';

/** One page of a query for an API: the items and the cursor of the next page (absent at the end). */
export interface QueryPage<T> {
  items: T[];
  /** Pass it back to get the next page; undefined when there is none. */
  cursor: string | undefined;
}

/** Paging options every index query takes. */
export interface PageRequest {
  /** Items per page, 1 to 1,000. Default 25. */
  limit?: number;
  /** The cursor a previous page returned. */
  cursor?: string | undefined;
}

export const DEFAULT_PAGE_LIMIT = 25;
export const MAX_PAGE_LIMIT = 1000;

/**
 * Runs a query for up to `limit` items, starting at the cursor. More than one request is made when
 * DynamoDB's 1 MB cap ends a response early. As in DynamoDB, the cursor can be present on a page
 * that happens to end exactly at the last item; the next page is then empty and has no cursor.
 */
export async function pageQuery<T>(
  client: DynamoDBClient,
  input: QueryCommandInput,
  codec: CursorCodec,
  query: string,
  request: PageRequest,
): Promise<QueryPage<T>> {
  const limit = request.limit ?? DEFAULT_PAGE_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_LIMIT)
    throw new RangeError(`limit must be an integer from 1 to ${MAX_PAGE_LIMIT}, got ${limit}`);
  const startKey = codec.decode(request.cursor, query);
  const items: T[] = [];
  let lastEvaluatedKey: QueryCommandInput['ExclusiveStartKey'];
  for await (const page of queryPages<T>(client, input, { pageSize: limit, maxItems: limit, startKey })) {
    items.push(...page.items);
    lastEvaluatedKey = page.lastEvaluatedKey;
  }
  return { items, cursor: codec.encode(lastEvaluatedKey, query) };
}
