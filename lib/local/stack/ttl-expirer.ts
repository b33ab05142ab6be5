import { DeleteItemCommand, ScanCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Logger } from '../../runtime/logging/logger.js';
import type { TtlRegistry } from './ttl-registry.js';

/** A table whose items expire: its name, TTL attribute and key attribute names. */
export interface ExpiringTable {
  tableName: string;
  ttlAttribute: string;
  keyAttributes: string[];
}

export interface TtlExpirerOptions {
  client: DynamoDBClient;
  tables: ExpiringTable[];
  registry: TtlRegistry;
  logger: Logger;
  /** Time between sweeps, in ms. Default 1,000 (AWS takes up to a few days; locally, waiting helps nobody). */
  intervalMs?: number;
  /** Epoch seconds "now"; injectable for tests. */
  nowSeconds?: () => number;
}

export interface TtlExpirer {
  start(): void;
  stop(): Promise<void>;
  /** One sweep over every table; resolves to the number of items deleted. */
  sweep(): Promise<number>;
}

// AWS ignores TTL values more than five years in the past (they are probably not epoch seconds).
const FIVE_YEARS_SECONDS = 5 * 365 * 24 * 3600;

/**
 * DynamoDB Local never expires items. This does what DynamoDB's TTL process does: it deletes items
 * whose TTL attribute (a Number, epoch seconds) has passed, with a condition so that an item whose
 * TTL was extended in the meantime survives, and records each delete in the registry so the REMOVE
 * reaches handlers with the TTL userIdentity.
 */
export function createTtlExpirer(options: TtlExpirerOptions): TtlExpirer {
  const intervalMs = options.intervalMs ?? 1000;
  const nowSeconds = options.nowSeconds ?? (() => Math.floor(Date.now() / 1000));
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<number> | undefined;
  let stopped = true;
  let lastFailure = '';

  const sweepTable = async (table: ExpiringTable): Promise<number> => {
    const now = nowSeconds();
    let deleted = 0;
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const page = await options.client.send(
        new ScanCommand({
          TableName: table.tableName,
          FilterExpression: '#ttl BETWEEN :oldest AND :now',
          ExpressionAttributeNames: { '#ttl': table.ttlAttribute },
          ExpressionAttributeValues: { ':oldest': { N: String(now - FIVE_YEARS_SECONDS) }, ':now': { N: String(now) } },
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      for (const item of page.Items ?? []) {
        if (stopped) return deleted;
        const keys = Object.fromEntries(table.keyAttributes.map((name) => [name, item[name]!]));
        const pending = options.registry.expiring(table.tableName, keys);
        try {
          const result = await options.client.send(
            new DeleteItemCommand({
              TableName: table.tableName,
              Key: keys,
              ConditionExpression: '#ttl <= :now',
              ExpressionAttributeNames: { '#ttl': table.ttlAttribute },
              ExpressionAttributeValues: { ':now': { N: String(now) } },
              ReturnValues: 'ALL_OLD',
            }),
          );
          pending.confirm(result.Attributes);
          deleted += 1;
          options.logger.debug('ttl expired', { table: table.tableName, keys });
        } catch (error) {
          pending.cancel();
          if ((error as { name?: string }).name !== 'ConditionalCheckFailedException') throw error;
        }
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return deleted;
  };

  const sweep = async (): Promise<number> => {
    let total = 0;
    for (const table of options.tables) {
      try {
        total += await sweepTable(table);
        lastFailure = '';
      } catch (error) {
        // DynamoDB Local restarting or a table being recreated: say it once, try again next sweep.
        const text = `${table.tableName}: ${(error as Error).name}: ${(error as Error).message}`;
        if (text !== lastFailure) options.logger.warn('ttl sweep failed; retrying', { table: table.tableName, error: (error as Error).message });
        lastFailure = text;
        continue;
      }
    }
    return total;
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
      schedule();
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running?.catch(() => 0);
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
  };
}
