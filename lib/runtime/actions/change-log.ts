import { PutItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Change } from '../change/types.js';
import type { Action, ActionContext, BatchFailure } from '../dispatch/action.js';
import { batchPutItems } from '../dynamodb/batch-write-items.js';
import { changeLogEntry } from './change-log-entry.js';

export interface ChangeLogOptions {
  client: DynamoDBClient;
  /** The change-log table (keys pk, sk; TTL attribute `expiresAt`). */
  tableName: string;
  /** How long entries live before TTL removes them. Default 30 days. */
  retentionDays?: number;
  name?: string;
  /** Clock in epoch seconds, for changes without a creation time. */
  nowSeconds?: () => number;
  /** BatchWriteItem calls with unprocessed items left, before those changes fail. Default 8. */
  maxBatchAttempts?: number;
}

// Entry keys are S values: a length prefix keeps the joined text injective.
const entryKey = (item: Record<string, AttributeValue>): string => `${item.pk?.S?.length}:${item.pk?.S}${item.sk?.S}`;

/**
 * Writes every change to the audit trail, with the record's keys and images exactly as the stream
 * delivered them (see changeLogEntry for items too large to hold both images). The entry's key is
 * (table and item key, sequence number), so a re-delivered record rewrites the same entry instead of adding a second one.
 * A batch is written with BatchWriteItem, 25 entries a call (unprocessed entries retried with backoff, bounded).
 */
export function changeLogAction(options: ChangeLogOptions): Action {
  const retentionSeconds = (options.retentionDays ?? 30) * 86_400;
  const now = options.nowSeconds ?? (() => Math.floor(Date.now() / 1000));
  const name = options.name ?? 'changeLog';
  const entryOf = (change: Change, { logger }: ActionContext): Record<string, AttributeValue> => {
    const entry = changeLogEntry(change, { retentionSeconds, nowSeconds: now() });
    if (entry.kind === 'summary') {
      logger.info('change logged without images', {
        action: name,
        sequenceNumber: change.sequenceNumber,
        eventName: change.eventName,
        keys: change.keys,
        reason: 'item too large',
        changedAttributesOmitted: entry.changedAttributesOmitted,
      });
    }
    return entry.item;
  };
  return {
    name,
    async handle(change, context) {
      await options.client.send(new PutItemCommand({ TableName: options.tableName, Item: entryOf(change, context) }));
    },
    async handleBatch(changes, context) {
      const failed: BatchFailure[] = [];
      // Entries after a change that cannot be logged are not written: they come again with it.
      const byKey = new Map<string, { item: Record<string, AttributeValue>; changes: Change[] }>();
      for (const change of changes) {
        let item: Record<string, AttributeValue>;
        try {
          item = entryOf(change, context);
        } catch (error) {
          failed.push({ change, error });
          break;
        }
        // One BatchWriteItem may not name a key twice; a record delivered twice in one batch is one entry.
        const key = entryKey(item);
        const same = byKey.get(key);
        if (same === undefined) byKey.set(key, { item, changes: [change] });
        else byKey.set(key, { item, changes: [...same.changes, change] });
      }
      const entries = [...byKey.values()];
      const notWritten = await batchPutItems(
        options.client,
        options.tableName,
        entries.map((e) => e.item),
        { keyOf: entryKey, ...(options.maxBatchAttempts === undefined ? {} : { maxAttempts: options.maxBatchAttempts }) },
      );
      for (const { index, error } of notWritten) failed.push(...entries[index]!.changes.map((change) => ({ change, error })));
      return { failed };
    },
  };
}
