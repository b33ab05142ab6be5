import { PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Action } from '../dispatch/action.js';
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
}

/**
 * Writes every change to the audit trail, with the record's keys and images exactly as the stream
 * delivered them (see changeLogEntry for items too large to hold both images). The entry's key is
 * (table and item key, sequence number), so a re-delivered record rewrites the same entry instead of adding a second one.
 */
export function changeLogAction(options: ChangeLogOptions): Action {
  const retentionSeconds = (options.retentionDays ?? 30) * 86_400;
  const now = options.nowSeconds ?? (() => Math.floor(Date.now() / 1000));
  const name = options.name ?? 'changeLog';
  return {
    name,
    async handle(change, { logger }) {
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
      await options.client.send(new PutItemCommand({ TableName: options.tableName, Item: entry.item }));
    },
  };
}
