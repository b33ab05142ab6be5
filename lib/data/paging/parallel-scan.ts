import type { DynamoDBClient, ScanCommandInput } from '@aws-sdk/client-dynamodb';
import type { unmarshallOptions } from '@aws-sdk/util-dynamodb';
import type { Item } from '../../runtime/change/types.js';
import type { Key } from './key-json.js';
import { scanPages, type Page, type PageOptions } from './paginate.js';

export interface ParallelScanOptions<T> {
  /** `TotalSegments`: how many disjoint parts DynamoDB splits the table into. */
  totalSegments: number;
  /** How many segments are scanned at once; default min(totalSegments, 4). */
  concurrency?: number;
  /** `Limit` of each request. */
  pageSize?: number;
  /**
   * Where each segment starts (index = segment): a key to resume after, `undefined` for the beginning,
   * `null` for a segment that is already finished and is skipped.
   */
  startKeys?: ReadonlyArray<Key | null | undefined>;
  /** Stops every segment before its next request; pages already handed out are finished first. */
  signal?: AbortSignal;
  /**
   * Gets each page; the segment waits for it before reading on (backpressure). Throwing stops all
   * segments and the scan rejects with that error.
   */
  onPage: (page: Page<T>, segment: number) => Promise<void> | void;
  unmarshall?: unmarshallOptions;
  /** Turns each raw item into what the pages hold, instead of util-dynamodb's `unmarshall`. */
  mapItem?: PageOptions['mapItem'];
}

export interface ParallelScanResult {
  pages: number;
  items: number;
  scannedCount: number;
  /** Segments that reached their end in this run. */
  finishedSegments: number[];
  /** True when the signal stopped the scan before every segment was finished. */
  aborted: boolean;
}

/**
 * Scans a table in `totalSegments` segments, each paginated, with at most `concurrency` in flight.
 * The caller's input is not changed.
 */
export async function parallelScan<T = Item>(
  client: DynamoDBClient,
  input: ScanCommandInput,
  options: ParallelScanOptions<T>,
): Promise<ParallelScanResult> {
  const { totalSegments } = options;
  if (!Number.isInteger(totalSegments) || totalSegments < 1 || totalSegments > 1_000_000) {
    throw new RangeError(`parallelScan: totalSegments must be an integer from 1 to 1,000,000, got ${totalSegments}`);
  }
  const concurrency = Math.max(1, Math.min(options.concurrency ?? Math.min(totalSegments, 4), totalSegments));
  const result: ParallelScanResult = { pages: 0, items: 0, scannedCount: 0, finishedSegments: [], aborted: false };
  const queue = Array.from({ length: totalSegments }, (_, segment) => segment).filter((segment) => options.startKeys?.[segment] !== null);
  let failure: { error: unknown } | undefined;
  const stopped = () => failure !== undefined || options.signal?.aborted === true;

  const scanSegment = async (segment: number) => {
    const pages = scanPages<T>(
      client,
      { ...input, Segment: segment, TotalSegments: totalSegments },
      {
        ...(options.pageSize !== undefined ? { pageSize: options.pageSize } : {}),
        startKey: options.startKeys?.[segment] ?? undefined,
        ...(options.unmarshall ? { unmarshall: options.unmarshall } : {}),
        ...(options.mapItem ? { mapItem: options.mapItem } : {}),
      },
    );
    for (;;) {
      if (stopped()) {
        await pages.return(undefined);
        return;
      }
      const next = await pages.next();
      if (next.done) break;
      const page = next.value;
      result.pages += 1;
      result.items += page.items.length;
      result.scannedCount += page.scannedCount;
      await options.onPage(page, segment);
      if (!page.lastEvaluatedKey) break;
    }
    result.finishedSegments.push(segment);
  };

  const worker = async () => {
    for (let segment = queue.shift(); segment !== undefined && !stopped(); segment = queue.shift()) {
      try {
        await scanSegment(segment);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  if (failure) throw failure.error;
  result.finishedSegments.sort((a, b) => a - b);
  result.aborted =
    options.signal?.aborted === true &&
    result.finishedSegments.length + (options.startKeys?.filter((k) => k === null).length ?? 0) < totalSegments;
  return result;
}
