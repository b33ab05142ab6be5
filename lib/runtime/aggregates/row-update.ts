import type { AttributeValue, TransactWriteItem } from '@aws-sdk/client-dynamodb';
import { addDecimal, isStorableNumber } from './decimal.js';
import { statsUpdate, type StatsDelta } from './stats-delta.js';

/** A counter's new value, and the value it was computed from (undefined: the attribute was absent). */
export interface RowValue {
  readonly attribute: string;
  readonly read: string | undefined;
  readonly value: string;
}

/**
 * How a statistics row takes its summed deltas in a transaction:
 * - `add`: one ADD of the deltas (no read; DynamoDB sums exactly, or refuses a sum it cannot store);
 * - `read`: a delta is no DynamoDB number (more than 38 significant digits, or a magnitude outside 1E-130 to
 *   9.99…E+125), so the row's current values are needed first;
 * - `set`: the exact new values, written with SET on the condition that each counter still holds what was read;
 * - `overflow`: the exact new value of `attribute` is no DynamoDB number: nothing may be written.
 */
export type RowUpdate =
  | { readonly kind: 'add' }
  | { readonly kind: 'read' }
  | { readonly kind: 'set'; readonly values: readonly RowValue[] }
  | { readonly kind: 'overflow'; readonly attribute: string };

/**
 * Decides how a row takes `row.add` (pure). Without `current` (the row was not read): `add` when every delta is a
 * storable number, else `read`. With `current` (the row's attribute values as read; undefined for an absent one):
 * `set` with the exact sums, or `overflow` naming the first attribute whose sum cannot be stored. A counter that holds
 * something other than a number gets `add`, so DynamoDB's own type error names the problem, as it always did.
 */
export function decideRowUpdate(row: StatsDelta): Extract<RowUpdate, { kind: 'add' | 'read' }>;
export function decideRowUpdate(
  row: StatsDelta,
  current: (attribute: string) => AttributeValue | undefined,
): Extract<RowUpdate, { kind: 'add' | 'set' | 'overflow' }>;
export function decideRowUpdate(row: StatsDelta, current?: (attribute: string) => AttributeValue | undefined): RowUpdate {
  if (current === undefined) return row.add.every(([, delta]) => isStorableNumber(delta)) ? { kind: 'add' } : { kind: 'read' };
  const values: RowValue[] = [];
  for (const [attribute, delta] of row.add) {
    const stored = current(attribute);
    if (stored !== undefined && stored.N === undefined) return { kind: 'add' };
    const value = addDecimal(stored?.N ?? '0', delta);
    if (!isStorableNumber(value)) return { kind: 'overflow', attribute };
    values.push({ attribute, read: stored?.N, value });
  }
  return { kind: 'set', values };
}

/**
 * The transaction item of a row: its ADD, or its SET of the exact values conditioned on every counter still holding
 * the value read (or still being absent), so a concurrent writer cancels the transaction instead of being overwritten.
 */
export function rowUpdateItem(row: StatsDelta, update: Extract<RowUpdate, { kind: 'add' | 'set' }>): TransactWriteItem {
  if (update.kind === 'add') return statsUpdate(row);
  const names: Record<string, string> = {};
  const values: Record<string, AttributeValue> = {};
  const sets: string[] = [];
  const conditions: string[] = [];
  update.values.forEach(({ attribute, read, value }, n) => {
    names[`#a${n}`] = attribute;
    values[`:v${n}`] = { N: value };
    sets.push(`#a${n} = :v${n}`);
    if (read === undefined) conditions.push(`attribute_not_exists(#a${n})`);
    else {
      values[`:r${n}`] = { N: read };
      conditions.push(`#a${n} = :r${n}`);
    }
  });
  return {
    Update: {
      TableName: row.table,
      Key: row.key,
      UpdateExpression: `SET ${sets.join(', ')}`,
      ConditionExpression: conditions.join(' AND '),
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    },
  };
}
