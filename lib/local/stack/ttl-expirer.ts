import { BatchGetItemCommand, DeleteItemCommand, ScanCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Logger } from '../../runtime/logging/logger.js';
import type { TtlRegistry } from './ttl-registry.js';
import {
  createTtlTracker,
  type ExpiringTable,
  type Lookup,
  type TrackableRecord,
  type TrackedItem,
  type TtlTracker,
} from './ttl-tracker.js';

export type { ExpiringTable } from './ttl-tracker.js';

export interface TtlExpirerOptions {
  client: DynamoDBClient;
  /** Tables whose stream the mappings read: the expirer learns their TTLs from the records (see `observe`). */
  tables: ExpiringTable[];
  registry: TtlRegistry;
  logger: Logger;
  /** Time between sweeps, in ms. Default 1,000 (AWS takes up to a few days; locally, waiting helps nobody). */
  intervalMs?: number;
  /** Epoch seconds "now"; injectable for tests. */
  nowSeconds?: () => number;
  /** Most items tracked at once; default 500,000. */
  maxTracked?: number;
}

export interface TtlExpirer {
  /** Scans each table once (the items written before the stack started), then sweeps every interval. */
  start(): void;
  stop(): Promise<void>;
  /** One sweep: deletes the items whose TTL has passed; resolves to the number deleted. Waits for the start-up scan. */
  sweep(): Promise<number>;
  /** Feeds a stream record the mappings read (INSERT, MODIFY, REMOVE) to the tracker; returns the record unchanged. */
  observe<R extends TrackableRecord>(record: R): R;
  readonly tracker: TtlTracker;
}

// AWS ignores TTL values more than five years in the past (they are probably not epoch seconds).
const FIVE_YEARS_SECONDS = 5 * 365 * 24 * 3600;
// BatchGetItem's limit.
const LOOKUPS_PER_REQUEST = 100;

/**
 * Deletes items whose TTL attribute (a Number, epoch seconds) has passed, as DynamoDB's TTL process does,
 * with a condition so that an item whose TTL was extended in the meantime survives, and records each delete
 * in the registry so the REMOVE reaches handlers with the TTL userIdentity.
 *
 * DynamoDB Local 2.9 expires items itself (with that userIdentity), but scans only 20 items every 10 s per
 * table: on a table of thousands of items an expired one waits many minutes. This expirer makes it prompt
 * without scanning: it follows the stream records the mappings read and keeps a heap by expiry time, so a
 * sweep costs O(items due). The one Scan per table runs at start, for items written before.
 */
export function createTtlExpirer(options: TtlExpirerOptions): TtlExpirer {
  const intervalMs = options.intervalMs ?? 1000;
  const nowSeconds = options.nowSeconds ?? (() => Math.floor(Date.now() / 1000));
  const tracker = createTtlTracker({ tables: options.tables, ...(options.maxTracked ? { maxTracked: options.maxTracked } : {}) });
  const { client, logger } = options;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  let stopped = true;
  // The first sweep (or start) scans each table once; later sweeps never scan.
  let unseeded: ExpiringTable[] = [...options.tables];
  let seeding: Promise<void> | undefined;
  const lastFailure = new Map<string, string>();
  let warnedFull = false;

  const warnOnce = (what: string, error: unknown) => {
    // DynamoDB Local restarting or a table being recreated: say it once, try again next sweep.
    const text = `${(error as Error)?.name}: ${(error as Error)?.message}`;
    if (lastFailure.get(what) !== text) logger.warn(`ttl ${what} failed; retrying`, { error: (error as Error)?.message });
    lastFailure.set(what, text);
  };
  const noteFull = () => {
    if (warnedFull) return;
    warnedFull = true;
    logger.warn("ttl tracker is full; further items are left to DynamoDB Local's own (slow) TTL job", { tracked: tracker.size });
  };

  const names = (table: ExpiringTable) => {
    const attributeNames: Record<string, string> = { '#ttl': table.ttlAttribute };
    for (const [index, name] of table.keyAttributes.entries()) attributeNames[`#k${index}`] = name;
    return attributeNames;
  };

  const seedTable = async (table: ExpiringTable): Promise<void> => {
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const page = await client.send(
        new ScanCommand({
          TableName: table.tableName,
          ProjectionExpression: ['#ttl', ...table.keyAttributes.map((_, index) => `#k${index}`)].join(', '),
          FilterExpression: 'attribute_type(#ttl, :number)',
          ExpressionAttributeNames: names(table),
          ExpressionAttributeValues: { ':number': { S: 'N' } },
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      for (const item of page.Items ?? []) if (tracker.seed(table.tableName, item).kind === 'full') noteFull();
      startKey = page.LastEvaluatedKey;
    } while (startKey && !stopped);
  };

  const seed = async (): Promise<void> => {
    for (const table of [...unseeded]) {
      if (stopped) return;
      try {
        await seedTable(table);
        unseeded = unseeded.filter((t) => t !== table);
        lastFailure.delete(`scan of ${table.tableName}`);
      } catch (error) {
        warnOnce(`scan of ${table.tableName}`, error);
      }
    }
  };

  const lookUp = async (): Promise<void> => {
    while (tracker.pendingLookups > 0 && !stopped) {
      const batch = tracker.takeLookups(LOOKUPS_PER_REQUEST);
      const byTable = new Map<string, Lookup[]>();
      for (const lookup of batch) byTable.set(lookup.table, [...(byTable.get(lookup.table) ?? []), lookup]);
      const requestItems = Object.fromEntries(
        [...byTable].map(([tableName, list]) => {
          const table = tracker.tables.find((t) => t.tableName === tableName)!;
          return [
            tableName,
            {
              Keys: list.map((l) => l.keys),
              ConsistentRead: true,
              ProjectionExpression: ['#ttl', ...table.keyAttributes.map((_, i) => `#k${i}`)].join(', '),
              ExpressionAttributeNames: names(table),
            },
          ];
        }),
      );
      try {
        const response = await client.send(new BatchGetItemCommand({ RequestItems: requestItems }));
        const unprocessed = new Set<Lookup>();
        for (const [tableName, pending] of Object.entries(response.UnprocessedKeys ?? {})) {
          for (const keys of pending.Keys ?? []) {
            const match = byTable
              .get(tableName)
              ?.find((l) => Object.keys(l.keys).every((name) => JSON.stringify(l.keys[name]) === JSON.stringify(keys[name])));
            if (match) unprocessed.add(match);
          }
        }
        for (const [tableName, list] of byTable) {
          const table = tracker.tables.find((t) => t.tableName === tableName)!;
          const found = response.Responses?.[tableName] ?? [];
          for (const lookup of list) {
            if (unprocessed.has(lookup)) {
              tracker.retryLookup(lookup);
              continue;
            }
            const item = found.find((candidate) =>
              table.keyAttributes.every((name) => JSON.stringify(candidate[name]) === JSON.stringify(lookup.keys[name])),
            );
            if (tracker.resolve(lookup, item).kind === 'full') noteFull();
          }
        }
        if (unprocessed.size > 0) return;
      } catch (error) {
        for (const lookup of batch) tracker.retryLookup(lookup);
        warnOnce('lookup', error);
        return;
      }
    }
  };

  const expire = async (item: TrackedItem, now: number): Promise<boolean> => {
    const table = tracker.tables.find((t) => t.tableName === item.table)!;
    if (item.due < now - FIVE_YEARS_SECONDS) {
      tracker.settle(item);
      return false;
    }
    const pending = options.registry.expiring(item.table, item.keys);
    try {
      const result = await client.send(
        new DeleteItemCommand({
          TableName: item.table,
          Key: item.keys,
          // As DynamoDB's TTL: a TTL that has passed, but not by more than five years; extended ones survive.
          ConditionExpression: '#ttl BETWEEN :oldest AND :now',
          ExpressionAttributeNames: { '#ttl': table.ttlAttribute },
          ExpressionAttributeValues: { ':oldest': { N: String(now - FIVE_YEARS_SECONDS) }, ':now': { N: String(now) } },
          ReturnValues: 'ALL_OLD',
        }),
      );
      pending.confirm(result.Attributes);
      tracker.settle(item);
      logger.debug('ttl expired', { table: item.table, keys: item.keys });
      return true;
    } catch (error) {
      pending.cancel();
      if ((error as { name?: string }).name === 'ConditionalCheckFailedException') {
        // Gone already (DynamoDB Local's own TTL job, a delete) or its TTL changed: the stream tells the rest.
        tracker.settle(item);
        return false;
      }
      tracker.retry(item);
      throw error;
    }
  };

  const sweep = async (): Promise<number> => {
    if (unseeded.length > 0) await (seeding ??= seed().finally(() => (seeding = undefined)));
    await lookUp();
    const now = nowSeconds();
    const due = tracker.takeDue(now);
    let deleted = 0;
    for (const [index, item] of due.entries()) {
      if (stopped) {
        for (const left of due.slice(index)) tracker.retry(left);
        break;
      }
      try {
        if (await expire(item, now)) deleted += 1;
        lastFailure.delete('delete');
      } catch (error) {
        for (const left of due.slice(index + 1)) tracker.retry(left);
        warnOnce('delete', error);
        break;
      }
    }
    return deleted;
  };

  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = sweep().finally(() => {
        running = undefined;
        schedule();
      });
    }, intervalMs);
  };

  return {
    start() {
      if (!stopped || options.tables.length === 0) return;
      stopped = false;
      // After a restart of DynamoDB Local (in memory: empty tables), look again at what is there.
      unseeded = [...options.tables];
      running = seeding = seed().finally(() => {
        seeding = undefined;
        running = undefined;
        schedule();
      });
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running?.catch(() => 0);
      await seeding?.catch(() => undefined);
    },
    async sweep() {
      const wasStopped = stopped;
      stopped = false;
      try {
        return await sweep();
      } finally {
        stopped = wasStopped;
      }
    },
    observe(record) {
      if (tracker.observe(record).kind === 'full') noteFull();
      return record;
    },
    tracker,
  };
}
