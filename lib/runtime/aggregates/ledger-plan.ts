import { BACKFILL_SEQUENCE_NUMBER, sortableSequenceNumber } from '../change/sequence-number.js';
import type { Change } from '../change/types.js';
import type { BatchFailure } from '../dispatch/action.js';
import type { StatsDelta } from './stats-delta.js';

/** What one source item adds to the statistics: a few plain fields, or null when it counts for nothing. */
export type Contribution = Record<string, string> | null;

/** A source item's ledger entry as read: its counted contribution and the last applied sequence number (sortable). */
export interface LedgerEntry {
  readonly seq: string;
  readonly contribution: Contribution;
}

/** The changes of one source item in a batch, in stream order, and its ledger key. */
export interface ItemChanges {
  readonly pk: string;
  readonly changes: readonly Change[];
}

/** The ledger Put (conditional on the entry as read) and the statistics deltas that apply an item's changes. */
export interface LedgerWrite {
  readonly pk: string;
  /** Sortable sequence number of `last`, the entry's new `seq`. */
  readonly seq: string;
  /** The entry's `seq` as read; undefined when the item had no entry. */
  readonly readSeq: string | undefined;
  readonly after: Contribution;
  readonly deltas: readonly StatsDelta[];
  /** The change whose image `after` comes from: the item's last change below the bound. */
  readonly last: Change;
  /** Every change this write applies (the item's changes not yet in the ledger, up to `last`): failed together. */
  readonly changes: readonly Change[];
}

/** What an item's last change amounts to against its entry: nothing to move, or the contribution and deltas to write. */
export type Evaluation =
  | { readonly kind: 'unchanged' }
  | { readonly kind: 'write'; readonly after: Contribution; readonly deltas: readonly StatsDelta[] };

/** What to do with one item. */
export type ItemDecision =
  | { readonly kind: 'none' }
  | { readonly kind: 'applied'; readonly last: Change }
  | { readonly kind: 'unchanged'; readonly last: Change }
  | { readonly kind: 'write'; readonly write: LedgerWrite }
  | { readonly kind: 'failed'; readonly change: Change; readonly error: unknown };

/** True when the ledger already holds `change` (or a later one), or when it is a backfill of an item already counted. */
export const isApplied = (change: Change, entry: LedgerEntry | undefined): boolean =>
  entry !== undefined && (change.sequenceNumber === BACKFILL_SEQUENCE_NUMBER || entry.seq >= sortableSequenceNumber(change.sequenceNumber));

/**
 * Decides one item (pure): the ledger needs only its entry and its last change below `bound`, so the item's changes
 * are netted into one write. An applied last change means the whole item is applied (sequence numbers rise per
 * item) and is skipped before its image is evaluated, so a stale bad record never fails again.
 * `evaluate` throws to reject the change (a bad image); that is a `failed` decision for that change.
 */
export function decideItem(
  item: ItemChanges,
  entry: LedgerEntry | undefined,
  bound: number,
  evaluate: (change: Change, entry: LedgerEntry | undefined) => Evaluation,
): ItemDecision {
  let j = item.changes.length - 1;
  while (j >= 0 && item.changes[j]!.index >= bound) j--;
  if (j < 0) return { kind: 'none' };
  const last = item.changes[j]!;
  if (isApplied(last, entry)) return { kind: 'applied', last };
  let evaluation: Evaluation;
  try {
    evaluation = evaluate(last, entry);
  } catch (error) {
    return { kind: 'failed', change: last, error };
  }
  if (evaluation.kind === 'unchanged') return { kind: 'unchanged', last };
  const changes = item.changes.slice(0, j + 1).filter((change) => !isApplied(change, entry));
  const { after, deltas } = evaluation;
  const seq = sortableSequenceNumber(last.sequenceNumber);
  return { kind: 'write', write: { pk: item.pk, seq, readSeq: entry?.seq, after, deltas, last, changes } };
}

/** The ledger writes of a batch and the changes that failed evaluation. */
export interface LedgerPlan {
  readonly writes: LedgerWrite[];
  readonly failures: BatchFailure[];
  /** Changes at or above this index are not applied by `writes` (the lowest failure), unless an item's own write includes them. */
  readonly bound: number;
}

const decisionIndex = (d: ItemDecision): number =>
  d.kind === 'write' ? d.write.last.index : d.kind === 'failed' ? d.change.index : d.kind === 'none' ? -1 : d.last.index;

/**
 * Plans a batch's ledger writes (pure). A change that fails evaluation lowers the bound to its index, and every item
 * whose decision rested on a change at or above the bound is decided again on its changes below it, as the
 * per-change path would have applied them before stopping. Ends because the bound only falls.
 */
export function planLedger(
  items: readonly ItemChanges[],
  entries: ReadonlyMap<string, LedgerEntry>,
  evaluate: (change: Change, entry: LedgerEntry | undefined) => Evaluation,
  initialBound = Number.POSITIVE_INFINITY,
): LedgerPlan {
  const decisions = new Map<string, ItemDecision>();
  const failures: BatchFailure[] = [];
  let bound = initialBound;
  for (let lowered = true; lowered; ) {
    lowered = false;
    for (const item of items) {
      const previous = decisions.get(item.pk);
      if (previous !== undefined && decisionIndex(previous) < bound) continue;
      const decision = decideItem(item, entries.get(item.pk), bound, evaluate);
      decisions.set(item.pk, decision);
      if (decision.kind !== 'failed') continue;
      failures.push({ change: decision.change, error: decision.error });
      bound = decision.change.index;
      lowered = true;
    }
  }
  const writes: LedgerWrite[] = [];
  for (const decision of decisions.values()) if (decision.kind === 'write') writes.push(decision.write);
  return { writes, failures, bound };
}
