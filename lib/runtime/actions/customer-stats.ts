import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { subtractDecimal } from '../aggregates/decimal.js';
import { ledgerAction, type Contribution } from '../aggregates/ledger-action.js';
import type { StatsDelta } from '../aggregates/stats-delta.js';
import { exactNumber } from '../change/exact-number.js';
import type { Action } from '../dispatch/action.js';

export interface CustomerStatsOptions {
  client: DynamoDBClient;
  /** Table keyed by `customerId`, holding `orderCount`, `orderTotal` and one `status#<STATUS>` count per status. */
  statsTable: string;
  ledgerTable: string;
  name?: string;
}

/** Name of the per-status counter attribute. */
export const statusCountAttribute = (status: string): string => `status#${status}`;

/**
 * Keeps per customer: the number of orders, their total (exact decimal, from the N text of each order's
 * `total`, whatever its size), and the number of orders in each status, across INSERT, MODIFY (status or
 * total changed) and REMOVE.
 */
export function customerStatsAction(options: CustomerStatsOptions): Action {
  return ledgerAction({
    name: options.name ?? 'customerStats',
    client: options.client,
    ledgerTable: options.ledgerTable,
    contributionOf(order, change) {
      const { orderStatus } = order;
      if (typeof orderStatus !== 'string' || orderStatus === '') {
        throw new TypeError(
          `order ${change.sequenceNumber} has no orderStatus string; ` +
            `fix the item, then run: npm run redrive -- <function> --from-item --entry <dead-letter-id> ` +
            `(npm run dead-letters prints it for each entry)`,
        );
      }
      // From the record's text, not from order.total: a double would round 38-digit totals.
      const total = exactNumber(change, 'newImage', 'total');
      if (total === undefined) {
        const kind = order.total === undefined ? 'missing' : typeof order.total;
        throw new TypeError(
          `order ${change.sequenceNumber} has no numeric total (total is ${kind}); ` +
            `fix the item, then run: npm run redrive -- <function> --from-item --entry <dead-letter-id> ` +
            `(npm run dead-letters prints it for each entry)`,
        );
      }
      return { status: orderStatus, total };
    },
    deltasFor(before: Contribution, after: Contribution, change): StatsDelta[] {
      const customerId = change.keys.customerId;
      if (typeof customerId !== 'string') throw new TypeError(`order ${change.sequenceNumber} has no customerId string key`);
      const add: [string, string][] = [];
      const countDelta = (after ? 1 : 0) - (before ? 1 : 0);
      if (countDelta !== 0) add.push(['orderCount', String(countDelta)]);
      const totalDelta = subtractDecimal(after?.total ?? '0', before?.total ?? '0');
      if (totalDelta !== '0') add.push(['orderTotal', totalDelta]);
      if (before?.status !== after?.status) {
        if (before) add.push([statusCountAttribute(before.status!), '-1']);
        if (after) add.push([statusCountAttribute(after.status!), '1']);
      }
      return add.length === 0 ? [] : [{ table: options.statsTable, key: { customerId: { S: customerId } }, add }];
    },
  });
}
