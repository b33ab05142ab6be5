import { PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { itemKeyText } from '../change/item-key.js';
import { sortableSequenceNumber } from '../change/sequence-number.js';
import type { Action } from '../dispatch/action.js';

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

const toAttributes = (value: Record<string, unknown>) => marshall(value, { removeUndefinedValues: true, convertClassInstanceToMap: false });

/**
 * Writes every change to the audit trail. The entry's key is (table and item key, sequence number),
 * so a re-delivered record rewrites the same entry instead of adding a second one.
 */
export function changeLogAction(options: ChangeLogOptions): Action {
  const retention = (options.retentionDays ?? 30) * 86_400;
  const now = options.nowSeconds ?? (() => Math.floor(Date.now() / 1000));
  return {
    name: options.name ?? 'changeLog',
    async handle(change) {
      const writtenAt = change.approximateCreationDateTime ?? now();
      const entry: Record<string, unknown> = {
        pk: `${change.tableName}#${itemKeyText(change.keys)}`,
        sk: sortableSequenceNumber(change.sequenceNumber),
        table: change.tableName,
        eventName: change.eventName,
        sequenceNumber: change.sequenceNumber,
        keys: change.keys,
        ttlExpiry: change.isTtlExpiry,
        backfill: change.isBackfill === true,
        approximateCreationDateTime: writtenAt,
        expiresAt: Math.floor(writtenAt) + retention,
      };
      if (change.newImage !== undefined) entry.newImage = change.newImage;
      if (change.oldImage !== undefined) entry.oldImage = change.oldImage;
      await options.client.send(new PutItemCommand({ TableName: options.tableName, Item: toAttributes(entry) }));
    },
  };
}
