import {
  GetItemCommand,
  TransactWriteItemsCommand,
  type DynamoDBClient,
  type TransactWriteItem,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { attributeKeyText, derivedItemKey } from '../change/item-key.js';
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
  /**
   * Attempts when the transaction is cancelled by a concurrent writer (a backfill changed the entry between read
   * and write, or the service reports a TransactionConflict), each after a short jittered pause. Default 5.
   */
  maxConflicts?: number;
}

interface LedgerEntry {
  seq: string;
  contribution: Contribution;
}

/** Cancellations a fresh read and a second try resolve: our condition lost a race, or another transaction held the item. */
const isRetryableCancellation = (error: unknown): boolean => {
  const e = error as { name?: string; CancellationReasons?: { Code?: string }[] };
  return (
    e.name === 'TransactionCanceledException' &&
    (e.CancellationReasons ?? []).some((r) => r.Code === 'ConditionalCheckFailed' || r.Code === 'TransactionConflict')
  );
};

/** Full jitter over an exponential ceiling (20, 40, 80 … ms, at most 500): writers that collided spread out. */
const backoffMs = (attempt: number): number => Math.random() * Math.min(500, 20 * 2 ** attempt);

const sorted = (c: Contribution): string => (c === null ? 'null' : JSON.stringify(Object.keys(c).sort().map((k) => [k, c[k]])));

// DynamoDB returns a map's entries in any order: compare contributions by content.
const sameContribution = (a: Contribution, b: Contribution): boolean => sorted(a) === sorted(b);

/** The ledger's key for one action and source item: within DynamoDB's key limit for every legal source key. */
const ledgerKey = (action: string, change: Change): string =>
  derivedItemKey([action, change.tableName, attributeKeyText(change.raw.keys)]);

/**
 * An aggregate that is exact under at-least-once delivery.
 *
 * A ledger entry per source item remembers what the item currently adds to the statistics and the
 * sequence number of the last change applied. A change is applied only when its sequence number is
 * greater than the entry's (so a re-delivered record is skipped), and it moves the statistics from
 * the remembered contribution to the new one, in one transaction with a condition on the entry.
 * Statistics follow what was counted, not what the stream's old image says, so a backfill (sequence
 * number 0, applied only to items with no entry yet) and live traffic can run side by side.
 * The entry is read before the new image is evaluated: a stale record of an item that a later applied
 * change has fixed is skipped, so "fix the item, then redrive" succeeds.
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
  const contributionAfter = (change: Change): Contribution => {
    if (change.eventName === 'REMOVE') return null;
    if (change.newImage === undefined) {
      throw new MissingImageError(
        `${change.eventName} ${change.sequenceNumber} carries no NewImage; ` +
          `action ${options.name} needs the stream view type NEW_IMAGE or NEW_AND_OLD_IMAGES`,
      );
    }
    return options.contributionOf(change.newImage, change);
  };
  return {
    name: options.name,
    async handle(change, { logger }) {
      const pk = ledgerKey(options.name, change);
      const seq = sortableSequenceNumber(change.sequenceNumber);
      let after: Contribution | undefined;
      for (let attempt = 0; ; attempt++) {
        const entry = await read(pk);
        if (entry && entry.seq >= seq) {
          logger.debug('already applied', { action: options.name, sequenceNumber: change.sequenceNumber, appliedSequenceNumber: entry.seq.replace(/^0+/, '') });
          return;
        }
        if (entry && change.sequenceNumber === BACKFILL_SEQUENCE_NUMBER) return;
        after ??= contributionAfter(change);
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
          if (!isRetryableCancellation(error) || attempt + 1 >= maxConflicts) throw error;
          const fields = { action: options.name, sequenceNumber: change.sequenceNumber, attempt: attempt + 1 };
          logger.debug('ledger write cancelled, retrying', fields);
          await new Promise((resolve) => setTimeout(resolve, backoffMs(attempt)));
        }
      }
    },
  };
}
