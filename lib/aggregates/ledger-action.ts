import {
  GetItemCommand,
  TransactWriteItemsCommand,
  type DynamoDBClient,
  type TransactWriteItem,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { itemKeyText } from '../change/item-key.js';
import { BACKFILL_SEQUENCE_NUMBER, sortableSequenceNumber } from '../change/sequence-number.js';
import type { Change, Item } from '../change/types.js';
import type { Action } from '../dispatch/action.js';
import { MissingImageError } from '../errors.js';

/** What one source item adds to the statistics: a few plain fields, or null when it counts for nothing. */
export type Contribution = Record<string, string> | null;

export interface LedgerActionOptions {
  name: string;
  client: DynamoDBClient;
  /** Table with key `pk` (S) holding, per source item, its counted contribution and last applied sequence number. */
  ledgerTable: string;
  /** What an item image contributes; throw to reject an item the statistics cannot count. */
  contributionOf: (image: Item, change: Change) => Contribution;
  /** The writes that move the statistics from `before` to `after` for this item. */
  updatesFor: (before: Contribution, after: Contribution, change: Change) => TransactWriteItem[];
  /** Lifetime of a deleted item's ledger entry, in seconds: past the stream's 24-hour retention. Default 2 days. */
  tombstoneSeconds?: number;
  /** Retries when a concurrent writer (a backfill) changed the ledger entry between read and write. Default 5. */
  maxConflicts?: number;
}

interface LedgerEntry {
  seq: string;
  contribution: Contribution;
}

const isConditionConflict = (error: unknown): boolean => {
  const e = error as { name?: string; CancellationReasons?: { Code?: string }[] };
  return e.name === 'TransactionCanceledException' && (e.CancellationReasons ?? []).some((r) => r.Code === 'ConditionalCheckFailed');
};

const sameContribution = (a: Contribution, b: Contribution): boolean => JSON.stringify(a) === JSON.stringify(b);

/**
 * An aggregate that is exact under at-least-once delivery.
 *
 * A ledger entry per source item remembers what the item currently adds to the statistics and the
 * sequence number of the last change applied. A change is applied only when its sequence number is
 * greater than the entry's (so a re-delivered record is skipped), and it moves the statistics from
 * the remembered contribution to the new one, in one transaction with a condition on the entry.
 * Statistics follow what was counted, not what the stream's old image says, so a backfill (sequence
 * number 0, applied only to items with no entry yet) and live traffic can run side by side.
 */
export function ledgerAction(options: LedgerActionOptions): Action {
  const tombstoneSeconds = options.tombstoneSeconds ?? 2 * 86_400;
  const maxConflicts = options.maxConflicts ?? 5;
  const read = async (pk: string): Promise<LedgerEntry | undefined> => {
    const out = await options.client.send(new GetItemCommand({ TableName: options.ledgerTable, Key: { pk: { S: pk } }, ConsistentRead: true }));
    if (!out.Item) return undefined;
    const entry = unmarshall(out.Item);
    return { seq: String(entry.seq), contribution: (entry.contribution ?? null) as Contribution };
  };
  return {
    name: options.name,
    async handle(change, { logger }) {
      const pk = `${options.name}#${change.tableName}#${itemKeyText(change.keys)}`;
      const seq = sortableSequenceNumber(change.sequenceNumber);
      let after: Contribution = null;
      if (change.eventName !== 'REMOVE') {
        if (change.newImage === undefined) {
          throw new MissingImageError(
            `${change.eventName} ${change.sequenceNumber} carries no NewImage; action ${options.name} needs the stream view type NEW_IMAGE or NEW_AND_OLD_IMAGES`,
          );
        }
        after = options.contributionOf(change.newImage, change);
      }
      for (let attempt = 0; ; attempt++) {
        const entry = await read(pk);
        if (entry && entry.seq >= seq) {
          logger.debug('already applied', { action: options.name, sequenceNumber: change.sequenceNumber, appliedSequenceNumber: entry.seq.replace(/^0+/, '') });
          return;
        }
        if (entry && change.sequenceNumber === BACKFILL_SEQUENCE_NUMBER) return;
        const before = entry?.contribution ?? null;
        // Nothing to move: leave the entry alone, a re-delivery of this change would be a no-op too.
        if (entry && sameContribution(before, after)) return;
        const ledgerItem: Record<string, unknown> = { pk, seq, contribution: after };
        if (after === null) ledgerItem.expiresAt = Math.floor(Date.now() / 1000) + tombstoneSeconds;
        const ledgerWrite: TransactWriteItem = {
          Put: {
            TableName: options.ledgerTable,
            Item: marshall(ledgerItem, { removeUndefinedValues: true }),
            ...(entry
              ? { ConditionExpression: 'seq = :read', ExpressionAttributeValues: { ':read': { S: entry.seq } } }
              : { ConditionExpression: 'attribute_not_exists(pk)' }),
          },
        };
        try {
          await options.client.send(new TransactWriteItemsCommand({ TransactItems: [ledgerWrite, ...options.updatesFor(before, after, change)] }));
          return;
        } catch (error) {
          if (!isConditionConflict(error) || attempt + 1 >= maxConflicts) throw error;
        }
      }
    },
  };
}
