import type { LedgerWrite } from './ledger-plan.js';
import { statsRowKey, sumDeltas, type StatsDelta } from './stats-delta.js';

/** DynamoDB's limits for one TransactWriteItems call (with room left on the bytes for the request's own fields). */
export interface TransactionLimits {
  /** Items per transaction: 100 on DynamoDB. */
  readonly maxActions: number;
  /** Request bytes per transaction: 4 MB on DynamoDB. */
  readonly maxBytes: number;
}

export const DYNAMODB_TRANSACTION_LIMITS: TransactionLimits = { maxActions: 100, maxBytes: 3.5 * 1024 * 1024 };

/** One planned transaction: the ledger Puts of `writes` and one Update per statistics row with their summed deltas. */
export interface PlannedTransaction {
  readonly writes: readonly LedgerWrite[];
  readonly rows: readonly StatsDelta[];
}

const firstRow = (write: LedgerWrite): string => (write.deltas.length > 0 ? statsRowKey(write.deltas[0]!) : '');

/**
 * Packs ledger writes into as few transactions as the limits allow (pure). Writes that share a statistics row go
 * next to each other, so a row usually gets one Update; a row whose writes do not fit one transaction is split, and
 * each transaction stays exact on its own (its Puts plus exactly their summed deltas). A summed delta that is no DynamoDB
 * number (more than 38 significant digits) stays one transaction: the ledger action reads that row and sets its exact value.
 */
export function packTransactions(
  writes: readonly LedgerWrite[],
  limits: TransactionLimits,
  bytesOf: (write: LedgerWrite) => number,
): PlannedTransaction[] {
  const ordered = writes
    .map((write, n) => ({ write, n, row: firstRow(write) }))
    .sort((a, b) => (a.row < b.row ? -1 : a.row > b.row ? 1 : a.n - b.n))
    .map((entry) => entry.write);
  const groups: LedgerWrite[][] = [];
  let group: LedgerWrite[] = [];
  let rows = new Set<string>();
  let actions = 0;
  let bytes = 0;
  for (const write of ordered) {
    const newRows = new Set(write.deltas.map(statsRowKey).filter((row) => !rows.has(row)));
    const cost = 1 + newRows.size;
    const size = bytesOf(write);
    if (group.length > 0 && (actions + cost > limits.maxActions || bytes + size > limits.maxBytes)) {
      groups.push(group);
      group = [];
      rows = new Set();
      actions = 0;
      bytes = 0;
    }
    group.push(write);
    for (const row of write.deltas.map(statsRowKey)) rows.add(row);
    actions = group.length + rows.size;
    bytes += size;
  }
  if (group.length > 0) groups.push(group);
  return groups.map((writesOfGroup) => ({ writes: writesOfGroup, rows: sumDeltas(writesOfGroup.flatMap((w) => w.deltas)) }));
}
