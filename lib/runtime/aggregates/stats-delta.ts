import type { AttributeValue, TransactWriteItem } from '@aws-sdk/client-dynamodb';
import { attributeKeyText } from '../change/item-key.js';
import { addDecimal, decimalText } from './decimal.js';

/** What one item's change adds to one statistics row: exact decimal texts, per counter attribute. */
export interface StatsDelta {
  readonly table: string;
  readonly key: Record<string, AttributeValue>;
  /** [attribute name, decimal delta] pairs; a pair list, not an object, so any attribute name is safe. */
  readonly add: readonly (readonly [string, string])[];
}

/** Identity of a statistics row: its table and key, injective. */
export const statsRowKey = (delta: Pick<StatsDelta, 'table' | 'key'>): string =>
  `${delta.table.length}:${delta.table}${attributeKeyText(delta.key, 'statistics key')}`;

/**
 * The deltas summed exactly per row and attribute, in the order rows first appear; attributes that sum to zero
 * and rows left with nothing are dropped.
 */
export function sumDeltas(deltas: readonly StatsDelta[]): StatsDelta[] {
  const rows = new Map<string, { table: string; key: Record<string, AttributeValue>; add: Map<string, string> }>();
  for (const delta of deltas) {
    const rowKey = statsRowKey(delta);
    let row = rows.get(rowKey);
    if (row === undefined) rows.set(rowKey, (row = { table: delta.table, key: delta.key, add: new Map() }));
    for (const [attribute, value] of delta.add) {
      const sum = row.add.get(attribute);
      row.add.set(attribute, sum === undefined ? decimalText(value) : addDecimal(sum, value));
    }
  }
  const out: StatsDelta[] = [];
  for (const row of rows.values()) {
    const add = [...row.add].filter(([, value]) => value !== '0');
    if (add.length > 0) out.push({ table: row.table, key: row.key, add });
  }
  return out;
}

/** The transaction item that adds a row's deltas: one ADD of every attribute, names and values as placeholders. */
export function statsUpdate(delta: StatsDelta): TransactWriteItem {
  const names: Record<string, string> = {};
  const values: Record<string, AttributeValue> = {};
  const adds = delta.add.map(([attribute, value], n) => {
    names[`#a${n}`] = attribute;
    values[`:d${n}`] = { N: value };
    return `#a${n} :d${n}`;
  });
  return {
    Update: {
      TableName: delta.table,
      Key: delta.key,
      UpdateExpression: `ADD ${adds.join(', ')}`,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    },
  };
}
