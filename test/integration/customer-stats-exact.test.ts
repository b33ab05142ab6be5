import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { customerStatsAction } from '../../lib/runtime/actions/customer-stats.js';
import { createStreamHandler } from '../../lib/runtime/dispatch/stream-handler.js';
import { exactSum, sameNumber } from '../../lib/tools/soak/ground-truth.js';
import { exactN } from '../factories/exact-number.js';
import { insertRecord, modifyRecord, removeRecord, streamEvent } from '../factories/stream-record.js';
import { captureLogger } from '../support/capture-logger.js';
import { stageTables } from '../support/stage-tables.js';

/*
 * Finding 1: totals were added as doubles, so legal DynamoDB numbers were counted rounded and the record
 * acknowledged. Each case writes orders of one customer through the real handler into DynamoDB Local and
 * reads the stored total back as text. The expected totals are written out by hand and compared by value
 * with the ground truth's own arithmetic (lib/tools/soak/ground-truth.ts), which shares nothing with the code's.
 */

const { client, stage } = stageTables('exact');

const keys = ['customerId', 'orderDate'];
const order = (customerId: string, day: number, total: string) => ({
  customerId,
  orderDate: `2026-01-0${day}`,
  orderStatus: 'PAID',
  total: exactN(total),
});

async function storedTotal(customerId: string): Promise<string | undefined> {
  const out = await client.send(
    new GetItemCommand({ TableName: `customer-stats-${stage}`, Key: { customerId: { S: customerId } }, ConsistentRead: true }),
  );
  return out.Item?.orderTotal?.N;
}

async function deliver(records: DynamoDBRecord[]): Promise<void> {
  const action = customerStatsAction({ client, statsTable: `customer-stats-${stage}`, ledgerTable: `applied-changes-${stage}` });
  const handler = createStreamHandler({ actions: [action], logger: captureLogger('warn').logger });
  const { batchItemFailures } = await handler(streamEvent(records));
  expect(batchItemFailures).toEqual([]);
}

describe('customer statistics on exact totals (finding 1)', () => {
  it.each([
    ['38 significant digits', ['1234567890.1234567890123456789012345678'], '1234567890.1234567890123456789012345678'],
    ['20 fraction digits', ['0.12345678901234567891'], '0.12345678901234567891'],
    ['a digit past double precision, twice', ['1.0000000000000001', '1.0000000000000001'], '2.0000000000000002'],
    ['a half inside the safe range', ['9007199254740990.5'], '9007199254740990.5'],
    ['the smallest magnitude', ['1E-130', '2E-130'], '3E-130'],
    [
      'the largest magnitude and a negative one',
      ['9.9999999999999999999999999999999999999E+125', '-1E+125'],
      '8.9999999999999999999999999999999999999E+125',
    ],
    ['negative totals', ['-19.99', '5.1'], '-14.89'],
  ])('keeps %s exactly', async (_label, totals, expected) => {
    // Prepare
    const customer = `c-${Math.random().toString(36).slice(2)}`;
    const records = totals.map((total, i) => insertRecord(`orders-${stage}`, keys, order(customer, i + 1, total)));

    // Act
    await deliver(records);

    // Assess
    const stored = await storedTotal(customer);
    expect(stored).toBeDefined();
    expect(sameNumber(stored!, expected), `stored ${stored}, expected ${expected}`).toBe(true);
    expect(sameNumber(totals.reduce(exactSum, '0'), expected)).toBe(true);
  });

  it('counts an order whose item has attributes named __proto__, constructor and toString (finding 7)', async () => {
    // Prepare: JSON text, as Lambda delivers it (marshall cannot write an attribute named constructor).
    const customer = `c-${Math.random().toString(36).slice(2)}`;
    const text = JSON.stringify(insertRecord(`orders-${stage}`, keys, order(customer, 1, '19.99'))).replace(
      '"NewImage":{',
      '"NewImage":{"__proto__":{"M":{"total":{"N":"1"}}},"constructor":{"S":"x"},' +
        '"toString":{"N":"5"},"note":{"M":{"constructor":{"N":"2"}}},',
    );

    // Act
    await deliver([JSON.parse(text) as DynamoDBRecord]);

    // Assess
    expect(sameNumber((await storedTotal(customer))!, '19.99')).toBe(true);
  });

  it('moves the total by the exact difference on MODIFY and REMOVE', async () => {
    // Prepare: as doubles, 1.0000000000000001 -> 1.0000000000000002 is no change at all.
    const customer = `c-${Math.random().toString(36).slice(2)}`;
    const t = `orders-${stage}`;
    const first = order(customer, 1, '1.0000000000000001');
    const second = order(customer, 2, '0.12345678901234567891');

    // Act / Assess
    await deliver([
      insertRecord(t, keys, first),
      insertRecord(t, keys, second),
      modifyRecord(t, keys, first, order(customer, 1, '1.0000000000000002')),
    ]);
    expect(sameNumber((await storedTotal(customer))!, '1.12345678901234587891')).toBe(true);
    await deliver([removeRecord(t, keys, second)]);
    expect(sameNumber((await storedTotal(customer))!, '1.0000000000000002')).toBe(true);
  });
});
