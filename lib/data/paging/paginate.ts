import {
  paginateQuery,
  paginateScan,
  type AttributeValue,
  type DynamoDBClient,
  type QueryCommandInput,
  type QueryCommandOutput,
  type ScanCommandInput,
  type ScanCommandOutput,
} from '@aws-sdk/client-dynamodb';
import { unmarshall, type unmarshallOptions } from '@aws-sdk/util-dynamodb';
import type { Item } from '../../runtime/change/types.js';
import type { Key } from './key-json.js';

/** How far to page. All optional; without any, pages run to the end of the result. */
export interface PageOptions {
  /** `Limit` of each request: how many items DynamoDB evaluates per page, before any filter. */
  pageSize?: number;
  /** Stop once this many items (after the filter) have been returned. Never overshoots: the last page asks for fewer. */
  maxItems?: number;
  /** Stop after this many pages. */
  maxPages?: number;
  /** Where to start: a `lastEvaluatedKey` of an earlier page (overrides the input's `ExclusiveStartKey`). */
  startKey?: Key | undefined;
  /** Passed to util-dynamodb's `unmarshall` (for example `{ wrapNumbers: true }` for numbers beyond 2^53). */
  unmarshall?: unmarshallOptions;
  /** Turns each raw item into what the pages hold, instead of util-dynamodb's `unmarshall`. */
  mapItem?: (item: Record<string, AttributeValue>) => unknown;
}

/** One response of Query or Scan. */
export interface Page<T = Item> {
  items: T[];
  /** Items in the page, after the filter. */
  count: number;
  /** Items DynamoDB evaluated for the page, before the filter. */
  scannedCount: number;
  /** Where the next page starts; absent only when the result is exhausted. */
  lastEvaluatedKey: Key | undefined;
}

type Paginator<I, O> = (config: { client: DynamoDBClient }, input: I) => AsyncIterable<O>;

async function* pagesOf<I extends QueryCommandInput | ScanCommandInput, O extends QueryCommandOutput | ScanCommandOutput, T>(
  paginator: Paginator<I, O>,
  client: DynamoDBClient,
  input: I,
  options: PageOptions,
): AsyncGenerator<Page<T>, void, undefined> {
  const pageSize = options.pageSize ?? input.Limit;
  const { maxItems, maxPages } = options;
  if (maxItems !== undefined && maxItems <= 0) return;
  if (maxPages !== undefined && maxPages <= 0) return;
  // The SDK paginator writes ExclusiveStartKey (and Limit) into the input it is given, so it gets a
  // private copy: the caller's input is never touched.
  const request = { ...input } as I;
  const startKey = options.startKey ?? input.ExclusiveStartKey;
  if (startKey) request.ExclusiveStartKey = startKey;
  else delete request.ExclusiveStartKey;
  const limitFor = (returned: number) => {
    const remaining = maxItems === undefined ? undefined : maxItems - returned;
    if (remaining === undefined) return pageSize;
    return pageSize === undefined ? remaining : Math.min(pageSize, remaining);
  };
  let returned = 0;
  let pages = 0;
  setLimit(request, limitFor(0));
  for await (const output of paginator({ client }, request)) {
    const map = options.mapItem ?? ((item: Record<string, AttributeValue>) => unmarshall(item, options.unmarshall));
    const items = (output.Items ?? []).map((item) => map(item) as T);
    returned += items.length;
    pages += 1;
    yield { items, count: output.Count ?? items.length, scannedCount: output.ScannedCount ?? 0, lastEvaluatedKey: output.LastEvaluatedKey };
    if (!output.LastEvaluatedKey) return;
    if (maxItems !== undefined && returned >= maxItems) return;
    if (maxPages !== undefined && pages >= maxPages) return;
    // With maxItems, the next request asks only for what is still missing. Limit counts items evaluated
    // before the filter, so the page can only be smaller than that, never larger: no item is cut off
    // and the page's LastEvaluatedKey stays an exact resume point. The paginator reads Limit from this
    // private copy before each request.
    setLimit(request, limitFor(returned));
  }
}

function setLimit(request: QueryCommandInput | ScanCommandInput, limit: number | undefined): void {
  if (limit === undefined) delete request.Limit;
  else request.Limit = limit;
}

/** Query, page by page, on the SDK's `paginateQuery`. Items are unmarshalled. */
export function queryPages<T = Item>(
  client: DynamoDBClient,
  input: QueryCommandInput,
  options: PageOptions = {},
): AsyncGenerator<Page<T>, void, undefined> {
  return pagesOf<QueryCommandInput, QueryCommandOutput, T>(paginateQuery, client, input, options);
}

/** Scan, page by page, on the SDK's `paginateScan`. Items are unmarshalled. */
export function scanPages<T = Item>(
  client: DynamoDBClient,
  input: ScanCommandInput,
  options: PageOptions = {},
): AsyncGenerator<Page<T>, void, undefined> {
  return pagesOf<ScanCommandInput, ScanCommandOutput, T>(paginateScan, client, input, options);
}

async function* itemsOf<T>(pages: AsyncIterable<Page<T>>): AsyncGenerator<T, void, undefined> {
  for await (const page of pages) yield* page.items;
}

/** Query, item by item (pages fetched as needed). */
export function queryItems<T = Item>(
  client: DynamoDBClient,
  input: QueryCommandInput,
  options: PageOptions = {},
): AsyncGenerator<T, void, undefined> {
  return itemsOf(queryPages<T>(client, input, options));
}

/** Scan, item by item (pages fetched as needed). */
export function scanItems<T = Item>(
  client: DynamoDBClient,
  input: ScanCommandInput,
  options: PageOptions = {},
): AsyncGenerator<T, void, undefined> {
  return itemsOf(scanPages<T>(client, input, options));
}
