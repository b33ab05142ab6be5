import { TransactWriteItemsCommand, type AttributeValue, type DynamoDBClient, type TransactWriteItem } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { attributeKeyText, derivedItemKey } from '../change/item-key.js';
import type { Change, Item } from '../change/types.js';
import type { Action, BatchFailure } from '../dispatch/action.js';
import { getItems } from '../dynamodb/get-items.js';
import { backoff, forEachLimited } from '../dynamodb/retry-backoff.js';
import { LedgerTransactionError, MissingImageError, StatisticsOverflowError } from '../errors.js';
import type { Logger } from '../logging/logger.js';
import {
  isApplied,
  planLedger,
  type Contribution,
  type Evaluation,
  type ItemChanges,
  type LedgerEntry,
  type LedgerWrite,
} from './ledger-plan.js';
import { DYNAMODB_TRANSACTION_LIMITS, packTransactions, type TransactionLimits } from './pack-transactions.js';
import { decideRowUpdate, rowUpdateItem } from './row-update.js';
import { statsRowKey, sumDeltas, type StatsDelta } from './stats-delta.js';

export type { Contribution } from './ledger-plan.js';

export interface LedgerActionOptions {
  name: string;
  client: DynamoDBClient;
  /** Table with key `pk` (S) holding, per source item, its counted contribution and last applied sequence number. */
  ledgerTable: string;
  /** What an item image contributes; throw to reject an item the statistics cannot count. */
  contributionOf: (image: Item, change: Change) => Contribution;
  /** What moving this item from `before` to `after` adds to each statistics row (decimal texts, summed exactly). */
  deltasFor: (before: Contribution, after: Contribution, change: Change) => StatsDelta[];
  /** Lifetime of a deleted item's ledger entry, in seconds: past the stream's 24-hour retention. Default 2 days. */
  tombstoneSeconds?: number;
  /**
   * Attempts when a transaction is cancelled by a concurrent writer (a backfill changed the entry between read
   * and write, or the service reports a TransactionConflict), each after a short jittered pause and a fresh read
   * of the entries. Default 5.
   */
  maxConflicts?: number;
  /** Limits of one transaction; DynamoDB's by default (tests lower them to see the splitting). */
  transactionLimits?: TransactionLimits;
  /** Transactions of one batch in flight at once. Default 8. */
  transactionConcurrency?: number;
}

const RETRYABLE_REASONS = new Set(['ConditionalCheckFailed', 'TransactionConflict', 'ThrottlingError']);

/** Cancellations a fresh read and a second try resolve: our condition lost a race, or another transaction held the item. */
const isRetryableCancellation = (error: unknown): boolean => {
  const e = error as { name?: string; CancellationReasons?: { Code?: string }[] };
  return (
    e.name === 'TransactionCanceledException' &&
    (e.CancellationReasons ?? []).some((r) => r.Code !== undefined && RETRYABLE_REASONS.has(r.Code))
  );
};

/**
 * A refusal that an ADD whose sum DynamoDB cannot store also gets: DynamoDB Local answers a ValidationException, the
 * service cancels the transaction with a ValidationError reason ("Number overflow").
 */
const isValidationError = (error: unknown): boolean => {
  const e = error as { name?: string; CancellationReasons?: { Code?: string }[] };
  return (
    e.name === 'ValidationException' ||
    (e.name === 'TransactionCanceledException' && (e.CancellationReasons ?? []).some((r) => r.Code === 'ValidationError'))
  );
};

/** The rows' transaction items, or the first row and counter whose exact new value DynamoDB cannot store. */
type RowItems =
  | { readonly kind: 'items'; readonly items: readonly TransactWriteItem[]; readonly adds: boolean }
  | { readonly kind: 'overflow'; readonly row: StatsDelta; readonly attribute: string };

const sorted = (c: Contribution): string =>
  c === null
    ? 'null'
    : JSON.stringify(
        Object.keys(c)
          .sort()
          .map((k) => [k, c[k]]),
      );

// DynamoDB returns a map's entries in any order: compare contributions by content.
const sameContribution = (a: Contribution, b: Contribution): boolean => sorted(a) === sorted(b);

/** The ledger's key for one action and source item: within DynamoDB's key limit for every legal source key. */
const ledgerKey = (action: string, change: Change): string => derivedItemKey([action, change.tableName, attributeKeyText(change.raw.keys)]);

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
 *
 * Per batch (`handleBatch`), about `items / 100 + 1` requests instead of two per change: the entries of all the
 * batch's items in BatchGetItem calls; each item's changes netted (the ledger needs only the entry and the item's
 * last change); the writes packed into transactions of up to 100 items, each holding its items' ledger Puts
 * (conditional on the entries as read) and one Update per statistics row with the exactly summed deltas. A cancelled
 * transaction re-reads its entries and retries alone; one that fails otherwise is retried item by item, so a bad item
 * fails alone. The changes of a transaction that fails for good are reported failed; the others stay applied.
 *
 * A row whose summed delta is no DynamoDB number (more than 38 significant digits, or a magnitude outside 1E-130 to
 * 9.99…E+125), or whose ADD DynamoDB refuses, is read (consistently) and gets its exact new values with a SET on the
 * condition that it still holds what was read, in the same transaction as the ledger Puts; a concurrent writer makes
 * that an ordinary cancelled transaction. A new value DynamoDB cannot store fails its change with
 * StatisticsOverflowError: nothing is rounded. Rows whose deltas fit take the plain ADD, without a read.
 */
export function ledgerAction(options: LedgerActionOptions): Action {
  const tombstoneSeconds = options.tombstoneSeconds ?? 2 * 86_400;
  const maxConflicts = options.maxConflicts ?? 5;
  const limits = options.transactionLimits ?? DYNAMODB_TRANSACTION_LIMITS;

  // One entry (the per-change path, a lone item) is a GetItem, as it always was; more are BatchGetItem calls.
  const readEntries = async (pks: readonly string[]): Promise<Map<string, LedgerEntry>> => {
    const items = await getItems(
      options.client,
      options.ledgerTable,
      pks.map((pk) => ({ pk: { S: pk } })),
    );
    const entries = new Map<string, LedgerEntry>();
    for (const item of items) {
      const entry = unmarshall(item);
      entries.set(String(entry.pk), { seq: String(entry.seq), contribution: (entry.contribution ?? null) as Contribution });
    }
    return entries;
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

  const evaluateWith = (after: Contribution, change: Change, entry: LedgerEntry | undefined): Evaluation => {
    const before = entry?.contribution ?? null;
    // Nothing to move: leave the entry alone, a re-delivery of this change would be a no-op too.
    if (entry && sameContribution(before, after)) return { kind: 'unchanged' };
    return { kind: 'write', after, deltas: options.deltasFor(before, after, change) };
  };
  const evaluate = (change: Change, entry: LedgerEntry | undefined): Evaluation => evaluateWith(contributionAfter(change), change, entry);

  const ledgerPut = (write: LedgerWrite): TransactWriteItem => {
    const ledgerItem: Record<string, unknown> = { pk: write.pk, seq: write.seq, contribution: write.after };
    if (write.after === null) ledgerItem.expiresAt = Math.floor(Date.now() / 1000) + tombstoneSeconds;
    return {
      Put: {
        TableName: options.ledgerTable,
        Item: marshall(ledgerItem, { removeUndefinedValues: true }),
        ...(write.readSeq !== undefined
          ? { ConditionExpression: 'seq = :read', ExpressionAttributeValues: { ':read': { S: write.readSeq } } }
          : { ConditionExpression: 'attribute_not_exists(pk)' }),
      },
    };
  };

  const send = (writes: readonly LedgerWrite[], rowItems: readonly TransactWriteItem[]) =>
    options.client.send(new TransactWriteItemsCommand({ TransactItems: [...writes.map(ledgerPut), ...rowItems] }));

  // The current items of statistics rows by statsRowKey, read consistently; a row that does not exist is absent.
  const readRows = async (rows: readonly StatsDelta[]): Promise<Map<string, Record<string, AttributeValue>>> => {
    const byTable = new Map<string, StatsDelta[]>();
    for (const row of rows) {
      const ofTable = byTable.get(row.table);
      if (ofTable) ofTable.push(row);
      else byTable.set(row.table, [row]);
    }
    const found = new Map<string, Record<string, AttributeValue>>();
    for (const [table, ofTable] of byTable) {
      // Every row of a table has its key schema: the returned items are told apart by those attributes.
      const keyNames = Object.keys(ofTable[0]!.key);
      for (const item of await getItems(
        options.client,
        table,
        ofTable.map((row) => row.key),
      )) {
        found.set(statsRowKey({ table, key: Object.fromEntries(keyNames.map((name) => [name, item[name]!])) }), item);
      }
    }
    return found;
  };

  // ADD for rows whose deltas are DynamoDB numbers; the others (every row with `readAll`) are read and get a conditional SET.
  const rowItems = async (rows: readonly StatsDelta[], readAll: boolean): Promise<RowItems> => {
    const first = rows.map((row) => (readAll ? ({ kind: 'read' } as const) : decideRowUpdate(row)));
    const toRead = rows.filter((_, n) => first[n]!.kind === 'read');
    const current = toRead.length === 0 ? new Map<string, Record<string, AttributeValue>>() : await readRows(toRead);
    const items: TransactWriteItem[] = [];
    let adds = false;
    for (const [n, row] of rows.entries()) {
      const item = current.get(statsRowKey(row));
      const update =
        first[n]!.kind === 'add'
          ? ({ kind: 'add' } as const)
          : decideRowUpdate(row, (attribute) => (item !== undefined && Object.hasOwn(item, attribute) ? item[attribute] : undefined));
      if (update.kind === 'overflow') return { kind: 'overflow', row, attribute: update.attribute };
      adds ||= update.kind === 'add';
      items.push(rowUpdateItem(row, update));
    }
    return { kind: 'items', items, adds };
  };

  const overflowError = (write: LedgerWrite, row: StatsDelta, attribute: string): StatisticsOverflowError => {
    const change = write.last;
    return new StatisticsOverflowError(
      change.index,
      attribute,
      `of a row of ${row.table} would become a number DynamoDB cannot store (more than 38 significant digits, or a magnitude ` +
        `outside 1E-130 to 9.99E+125) through ${change.eventName} ${change.sequenceNumber} (action ${options.name}); ` +
        "nothing of the change was applied and nothing was rounded. Bring the item's values within what the statistic can " +
        'hold, then run: npm run redrive -- <function> --from-item --entry <dead-letter-id> (npm run dead-letters prints it)',
    );
  };

  // The same writes planned again on fresh entries: applied ones drop out, the others move from what is counted now.
  const replan = (writes: readonly LedgerWrite[], entries: ReadonlyMap<string, LedgerEntry>, failed: BatchFailure[]): LedgerWrite[] =>
    writes.flatMap((write) => {
      const entry = entries.get(write.pk);
      if (isApplied(write.last, entry)) return [];
      try {
        const evaluation = evaluateWith(write.after, write.last, entry);
        if (evaluation.kind === 'unchanged') return [];
        return [{ ...write, readSeq: entry?.seq, deltas: evaluation.deltas, changes: write.changes.filter((c) => !isApplied(c, entry)) }];
      } catch (error) {
        failed.push(...write.changes.map((change) => ({ change, error })));
        return [];
      }
    });

  /**
   * Applies the writes as one transaction, retried on cancellation; returns the changes that failed for good.
   * `readAll` reads every row first (a split after an overflow), instead of only those whose deltas are no DynamoDB number.
   */
  const applyTransaction = async (first: readonly LedgerWrite[], logger: Logger, readAll = false): Promise<BatchFailure[]> => {
    const failed: BatchFailure[] = [];
    const failAll = (writes: readonly LedgerWrite[], error: unknown) =>
      failed.push(...writes.flatMap((w) => w.changes.map((change) => ({ change, error }))));
    let writes = first;
    for (let attempt = 0; writes.length > 0; ) {
      let planned: RowItems;
      try {
        planned = await rowItems(sumDeltas(writes.flatMap((w) => w.deltas)), readAll);
      } catch (readError) {
        failAll(writes, readError);
        return failed;
      }
      if (planned.kind === 'overflow') {
        if (writes.length === 1) failAll(writes, overflowError(writes[0]!, planned.row, planned.attribute));
        // Which change tips a row over depends on the order: each write alone, in stream order, as the per-change path goes.
        else
          for (const write of [...writes].sort((a, b) => a.last.index - b.last.index))
            failed.push(...(await applyTransaction([write], logger, true)));
        return failed;
      }
      try {
        await send(writes, planned.items);
        return failed;
      } catch (error) {
        if (!isRetryableCancellation(error)) {
          // An ADD of fitting deltas whose sum does not fit: read the rows and decide on their exact values.
          if (planned.adds && !readAll && isValidationError(error)) {
            readAll = true;
            continue;
          }
          if (writes.length === 1) failAll(writes, error);
          // Something in the transaction is refused (a key or number DynamoDB cannot take): each item alone, so it fails alone.
          else for (const write of writes) failed.push(...(await applyTransaction([write], logger)));
          return failed;
        }
        const changes = writes.reduce((n, w) => n + w.changes.length, 0);
        if (attempt + 1 >= maxConflicts) {
          const message =
            `The statistics transaction of ${options.name} for ${changes} change(s) was cancelled ${maxConflicts} times ` +
            '(TransactionConflict or a changed ledger entry: other writers on the same rows); nothing of it was applied; ' +
            'the records are reported and delivered again';
          failAll(writes, new LedgerTransactionError(message, { cause: error }));
          return failed;
        }
        const sequenceNumber = writes[0]!.last.sequenceNumber;
        logger.debug('ledger write cancelled, retrying', { action: options.name, sequenceNumber, changes, attempt: attempt + 1 });
        await backoff(attempt);
        let entries: Map<string, LedgerEntry>;
        try {
          entries = await readEntries(writes.map((w) => w.pk));
        } catch (readError) {
          failAll(writes, readError);
          return failed;
        }
        writes = replan(writes, entries, failed);
        attempt++;
      }
    }
    return failed;
  };

  // Request bytes of a write, roughly and from above: its Put and its share of the row Updates.
  const bytesOf = (write: LedgerWrite): number =>
    512 +
    2 * (Buffer.byteLength(write.pk) + Buffer.byteLength(sorted(write.after))) +
    write.deltas.reduce((n, d) => n + 256 + Buffer.byteLength(JSON.stringify(d)), 0);

  return {
    name: options.name,
    async handle(change, { logger }) {
      const pk = ledgerKey(options.name, change);
      const item: ItemChanges = { pk, changes: [change] };
      const plan = planLedger([item], await readEntries([pk]), evaluate);
      if (plan.failures.length > 0) throw plan.failures[0]!.error;
      if (plan.writes.length === 0) {
        logger.debug('already applied', { action: options.name, sequenceNumber: change.sequenceNumber });
        return;
      }
      const failed = await applyTransaction(plan.writes, logger);
      if (failed.length > 0) throw failed[0]!.error;
    },
    async handleBatch(changes, { logger }) {
      const failed: BatchFailure[] = [];
      let bound = Number.POSITIVE_INFINITY;
      const byItem = new Map<string, Change[]>();
      for (const change of changes) {
        let pk: string;
        try {
          pk = ledgerKey(options.name, change);
        } catch (error) {
          failed.push({ change, error });
          bound = Math.min(bound, change.index);
          continue;
        }
        const ofItem = byItem.get(pk);
        if (ofItem === undefined) byItem.set(pk, [change]);
        else ofItem.push(change);
      }
      const items = [...byItem].map(([pk, ofItem]): ItemChanges => ({ pk, changes: ofItem }));
      let entries: Map<string, LedgerEntry>;
      try {
        entries = await readEntries(items.map((i) => i.pk));
      } catch (error) {
        return { failed: [...failed, ...items.flatMap((i) => i.changes.map((change) => ({ change, error })))] };
      }
      const plan = planLedger(items, entries, evaluate, bound);
      failed.push(...plan.failures);
      const transactions = packTransactions(plan.writes, limits, bytesOf);
      await forEachLimited(transactions, options.transactionConcurrency ?? 8, async (transaction) => {
        failed.push(...(await applyTransaction(transaction.writes, logger)));
      });
      return { failed };
    },
  };
}
