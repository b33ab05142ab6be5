import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { customerStatsAction } from '../../lib/runtime/actions/customer-stats.js';
import { toChange } from '../../lib/runtime/change/to-change.js';
import { createStreamHandler } from '../../lib/runtime/dispatch/stream-handler.js';
import { StatisticsOverflowError } from '../../lib/runtime/errors.js';
import { exactN } from '../factories/exact-number.js';
import { insertRecord, modifyRecord, removeRecord, streamEvent } from '../factories/stream-record.js';
import { captureLogger } from '../support/capture-logger.js';
import { stageTables } from '../support/stage-tables.js';

/*
 * Statistics deltas that DynamoDB cannot take as an ADD (more than 38 significant digits, or a magnitude outside
 * 1E-130 to 9.99E+125) although every stored value involved is legal: the customer's total must still end exact.
 * A total that truly cannot be stored fails its record with StatisticsOverflowError, never a rounded or wrong value.
 * Each case runs with batch actions on and off, at concurrency 1 and 16, through the real handler on DynamoDB Local.
 * The ground truth is BigInt arithmetic on the texts here, sharing nothing with lib/runtime/aggregates/decimal.ts.
 */

const { client, stage } = stageTables('big');

// The ground truth: a decimal text as an integer count of 10^-SCALE, with BigInt only.
const SCALE = 200;
function exact(text: string): bigint {
  const match = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!match) throw new Error(`not a number: ${text}`);
  const [, sign, whole, fraction = '', exponent = '0'] = match;
  const shift = SCALE - fraction.length + Number(exponent);
  const units = BigInt(`${whole}${fraction}`) * 10n ** BigInt(shift);
  return sign === '-' ? -units : units;
}

/** An order of the customer, by a two-character name (its orderDate's day). */
type Order = string;
type Op =
  | { readonly kind: 'insert'; readonly order: Order; readonly total: string }
  | { readonly kind: 'modify'; readonly order: Order; readonly from: string; readonly to: string }
  | { readonly kind: 'remove'; readonly order: Order; readonly total: string };
const ins = (order: Order, total: string): Op => ({ kind: 'insert', order, total });
const mod = (order: Order, from: string, to: string): Op => ({ kind: 'modify', order, from, to });
const rem = (order: Order, total: string): Op => ({ kind: 'remove', order, total });

/** The order's total after `op` (undefined: no order). */
const after = (op: Op): string | undefined => (op.kind === 'remove' ? undefined : op.kind === 'insert' ? op.total : op.to);

/** The customer's exact total once every op applied: the sum of each order's last total. */
function truthOf(ops: readonly Op[]): bigint {
  const last = new Map<Order, string | undefined>();
  for (const op of ops) last.set(op.order, after(op));
  return [...last.values()].reduce((sum, total) => sum + (total === undefined ? 0n : exact(total)), 0n);
}

/**
 * Every total the customer can have after `delivery` ran on top of `before` with records of different orders side by
 * side (concurrency above 1, per-change path): each order applied up to some prefix of its own records.
 */
function possibleTotals(before: readonly Op[], delivery: readonly Op[]): Set<bigint> {
  const start = new Map<Order, string | undefined>();
  for (const op of before) start.set(op.order, after(op));
  const lanes = new Map<Order, (string | undefined)[]>();
  for (const op of delivery) {
    const lane = lanes.get(op.order) ?? [start.get(op.order)];
    lane.push(after(op));
    lanes.set(op.order, lane);
  }
  const fixed = [...start].filter(([order]) => !lanes.has(order)).reduce((s, [, t]) => s + (t === undefined ? 0n : exact(t)), 0n);
  let sums = new Set([fixed]);
  for (const states of lanes.values()) {
    const next = new Set<bigint>();
    for (const sum of sums) for (const state of states) next.add(sum + (state === undefined ? 0n : exact(state)));
    sums = next;
  }
  return sums;
}

const keys = ['customerId', 'orderDate'];
const orderItem = (customerId: string, order: Order, total: string) => ({
  customerId,
  orderDate: `2026-02-${order}`,
  orderStatus: 'PAID',
  total: exactN(total),
});
function recordOf(customerId: string, op: Op): DynamoDBRecord {
  const table = `orders-${stage}`;
  if (op.kind === 'insert') return insertRecord(table, keys, orderItem(customerId, op.order, op.total));
  if (op.kind === 'remove') return removeRecord(table, keys, orderItem(customerId, op.order, op.total));
  return modifyRecord(table, keys, orderItem(customerId, op.order, op.from), orderItem(customerId, op.order, op.to));
}

async function storedRow(customerId: string): Promise<{ total: bigint; count: bigint }> {
  const out = await client.send(
    new GetItemCommand({ TableName: `customer-stats-${stage}`, Key: { customerId: { S: customerId } }, ConsistentRead: true }),
  );
  return { total: exact(out.Item?.orderTotal?.N ?? '0'), count: BigInt(out.Item?.orderCount?.N ?? '0') };
}
const storedTotal = async (customerId: string): Promise<bigint> => (await storedRow(customerId)).total;

interface Delivered {
  /** Index in the batch of the record the response names, if any. */
  readonly failedAt: number | undefined;
  /** errorName of every failure event of the action. */
  readonly errors: string[];
}

async function deliver(customerId: string, ops: readonly Op[], mode: Mode): Promise<Delivered> {
  const records = ops.map((op) => recordOf(customerId, op));
  const capture = captureLogger('error');
  const action = customerStatsAction({ client, statsTable: `customer-stats-${stage}`, ledgerTable: `applied-changes-${stage}` });
  const handler = createStreamHandler({
    actions: [action],
    logger: capture.logger,
    batchActions: mode.batchActions,
    concurrency: mode.concurrency,
  });
  const { batchItemFailures } = await handler(streamEvent(records));
  const failed = batchItemFailures[0]?.itemIdentifier;
  const failedAt = failed === undefined ? undefined : records.findIndex((r) => r.dynamodb!.SequenceNumber === failed);
  const errors = capture
    .lines()
    .filter((line) => line.action === 'customerStats' && line.errorName !== undefined)
    .map((line) => String(line.errorName));
  return { failedAt, errors };
}

interface Mode {
  readonly batchActions: boolean;
  readonly concurrency: number;
}
const MODES: [string, Mode][] = [
  ['batch actions, concurrency 1', { batchActions: true, concurrency: 1 }],
  ['batch actions, concurrency 16', { batchActions: true, concurrency: 16 }],
  ['per change, concurrency 1', { batchActions: false, concurrency: 1 }],
  ['per change, concurrency 16', { batchActions: false, concurrency: 16 }],
];

/** The last delivery's outcome: the customer's final total, and the record that fails with StatisticsOverflowError. */
interface Outcome {
  readonly total: string;
  readonly failedAt?: number;
}
interface Case {
  /** Deliveries (batches) in order; all but the last must succeed. */
  readonly deliveries: readonly (readonly Op[])[];
  /** With batch actions on. */
  readonly batch: Outcome;
  /** Change by change, in stream order. */
  readonly each: Outcome;
}

const E37 = '10000000000000000000000000000000000000';
const E38 = '100000000000000000000000000000000000000';
const MAX = '9.9999999999999999999999999999999999999E+125';
const fits = (total: string): Outcome => ({ total });

const CASES: [string, Case][] = [
  // 1E37 - 0.1 has 38 significant digits: an ordinary ADD.
  ['MODIFY 0.1 -> 1E37, the only order', { deliveries: [[ins('0A', '0.1')], [mod('0A', '0.1', E37)]], batch: fits(E37), each: fits(E37) }],
  ['MODIFY 1E37 -> 0.1', { deliveries: [[ins('0A', E37)], [mod('0A', E37, '0.1')]], batch: fits('0.1'), each: fits('0.1') }],
  // 1E38 - 0.1 = 38 nines and .9: 39 significant digits, refused as an ADD value.
  ['MODIFY 0.1 -> 1E38, the only order', { deliveries: [[ins('0A', '0.1')], [mod('0A', '0.1', E38)]], batch: fits(E38), each: fits(E38) }],
  ['MODIFY 1E38 -> 0.1', { deliveries: [[ins('0A', E38)], [mod('0A', E38, '0.1')]], batch: fits('0.1'), each: fits('0.1') }],
  [
    'MODIFY 1E38 -> 0.1 beside an order of 5E+30',
    {
      deliveries: [[ins('0B', '5E+30'), ins('0A', E38)], [mod('0A', E38, '0.1')]],
      batch: fits('5000000000000000000000000000000.1'),
      each: fits('5000000000000000000000000000000.1'),
    },
  ],
  // The delta 1E-131 is below DynamoDB's smallest magnitude; the totals are not.
  [
    'MODIFY 1.5E-130 -> 1.4E-130',
    { deliveries: [[ins('0A', '1.5E-130')], [mod('0A', '1.5E-130', '1.4E-130')]], batch: fits('1.4E-130'), each: fits('1.4E-130') },
  ],
  // The delta 2 x 9.99E+125 is above DynamoDB's largest magnitude; the totals are not.
  ['MODIFY -MAX -> MAX', { deliveries: [[ins('0A', `-${MAX}`)], [mod('0A', `-${MAX}`, MAX)]], batch: fits(MAX), each: fits(MAX) }],
  // Within one batch the 1E37 order nets to nothing; change by change its total with 0.1 needs 39 digits.
  [
    'one batch: 1E37 and 0.1 inserted, then the 1E37 one removed',
    { deliveries: [[ins('0A', E37), ins('0B', '0.1'), rem('0A', E37)]], batch: fits('0.1'), each: { total: E37, failedAt: 1 } },
  ],
  // The batch's summed delta (0.1 - 1E38) needs 39 digits; the final total does not.
  [
    'a batch removing 1E38 and inserting 0.1',
    { deliveries: [[ins('0A', E38)], [rem('0A', E38), ins('0B', '0.1')]], batch: fits('0.1'), each: fits('0.1') },
  ],
  [
    'a batch inserting 0.1 and removing 1E38',
    { deliveries: [[ins('0A', E38)], [ins('0B', '0.1'), rem('0A', E38)]], batch: fits('0.1'), each: { total: E38, failedAt: 0 } },
  ],
  // The SET on the values read races with eight ADDs of the same row (change by change at concurrency 16): a lost race
  // is a cancelled transaction, retried on fresh values.
  [
    'MODIFY 0.5 -> 5E+37 beside eight orders of 1 inserted in the same batch',
    {
      deliveries: [[ins('0A', '0.5')], [mod('0A', '0.5', '5E+37'), ...Array.from({ length: 8 }, (_, n) => ins(`1${n}`, '1'))]],
      batch: fits('50000000000000000000000000000000000008'),
      each: fits('50000000000000000000000000000000000008'),
    },
  ],
  // Real overflows: the customer's total itself would need 39 digits.
  [
    'a 0.1 order added to a 1E38 total',
    { deliveries: [[ins('0A', E38)], [ins('0B', '0.1')]], batch: { total: E38, failedAt: 0 }, each: { total: E38, failedAt: 0 } },
  ],
  [
    '1E38 and 0.1 inserted in one batch',
    { deliveries: [[ins('0A', E38), ins('0B', '0.1')]], batch: { total: E38, failedAt: 1 }, each: { total: E38, failedAt: 1 } },
  ],
  [
    'MODIFY 0 -> 1E-130 beside MAX',
    {
      deliveries: [[ins('0A', MAX), ins('0B', '0')], [mod('0B', '0', '1E-130')]],
      batch: { total: MAX, failedAt: 0 },
      each: { total: MAX, failedAt: 0 },
    },
  ],
];

describe('statistics deltas beyond 38 significant digits', () => {
  it.each(MODES.flatMap(([modeLabel, mode]) => CASES.map(([label, c]): [string, string, Mode, Case] => [label, modeLabel, mode, c])))(
    '%s (%s)',
    async (_label, _modeLabel, mode, c) => {
      // Prepare
      const customerId = `c-${Math.random().toString(36).slice(2)}`;
      const earlier = c.deliveries.slice(0, -1);
      const last = c.deliveries.at(-1)!;
      for (const ops of earlier) expect(await deliver(customerId, ops, mode)).toEqual({ failedAt: undefined, errors: [] });
      const before = earlier.flat();
      const expected = mode.batchActions ? c.batch : c.each;
      // Records of different orders side by side change by change: which one meets the overflow depends on timing.
      const raced = !mode.batchActions && mode.concurrency > 1 && new Set(last.map((op) => op.order)).size > 1;

      // Act
      const delivered = await deliver(customerId, last, mode);

      // Assess
      const stored = await storedTotal(customerId);
      expect(
        delivered.errors.every((name) => name === 'StatisticsOverflowError'),
        delivered.errors.join(),
      ).toBe(true);
      if (delivered.failedAt === undefined) expect(stored).toBe(truthOf([...before, ...last]));
      if (raced) {
        expect(possibleTotals(before, last).has(stored), `stored ${stored}`).toBe(true);
        return;
      }
      expect(delivered.failedAt).toBe(expected.failedAt);
      expect(delivered.errors.length).toBe(expected.failedAt === undefined ? 0 : 1);
      expect(stored).toBe(exact(expected.total));
      if (expected.failedAt === undefined) expect(exact(expected.total)).toBe(truthOf([...before, ...last]));
      else expect(exact(expected.total)).toBe(truthOf([...before, ...last.slice(0, expected.failedAt)]));
    },
  );
});

describe('StatisticsOverflowError', () => {
  it.each([
    ['handle (per change)', false],
    ['handleBatch', true],
  ])('names the record index and the attribute, and applies nothing of the change (%s)', async (_label, batch) => {
    // Prepare: a customer holding 1E38; a batch whose record 1 adds an order of 0.1 to it (record 0 is another customer's).
    const customerId = `c-${Math.random().toString(36).slice(2)}`;
    const other = `c-${Math.random().toString(36).slice(2)}`;
    await deliver(customerId, [ins('0A', E38)], { batchActions: true, concurrency: 1 });
    const changes = [recordOf(other, ins('0A', '1')), recordOf(customerId, ins('0B', '0.1'))].map((record, i) => toChange(record, i));
    const action = customerStatsAction({ client, statsTable: `customer-stats-${stage}`, ledgerTable: `applied-changes-${stage}` });
    const context = { logger: captureLogger('error').logger, remainingTimeMs: () => Infinity };

    // Act
    let errors: unknown[];
    if (batch) errors = (await action.handleBatch!(changes, context)).failed.map((failure) => failure.error);
    else {
      await action.handle(changes[0]!, context);
      errors = await Promise.resolve(action.handle(changes[1]!, context)).then(
        () => [],
        (error: unknown) => [error],
      );
    }

    // Assess
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(StatisticsOverflowError);
    expect(errors[0]).toMatchObject({ recordIndex: 1, attribute: 'orderTotal' });
    expect(await storedRow(customerId)).toEqual({ total: exact(E38), count: 1n });
    expect(await storedRow(other)).toEqual({ total: exact('1'), count: 1n });
  });
});
