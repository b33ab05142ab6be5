import { BatchWriteItemCommand, GetItemCommand, UpdateItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import type { EventSourceMapping } from '../../lib/local/engine/event-source-mapping.js';
import { createTtlExpirer, type TtlExpirer } from '../../lib/local/stack/ttl-expirer.js';
import { createTtlRegistry, TTL_USER_IDENTITY } from '../../lib/local/stack/ttl-registry.js';
import { captureLogger } from '../support/capture-logger.js';
import { localClient } from '../support/dynamodb.js';
import { createHarness, createStreamTable, putItem, testSettings, waitFor, type Harness } from '../offline/harness.js';

const client = localClient();
const mappings: EventSourceMapping[] = [];
const expirers: TtlExpirer[] = [];

afterEach(async () => {
  await Promise.all(expirers.splice(0).map((expirer) => expirer.stop()));
  await Promise.all(mappings.splice(0).map((mapping) => mapping.stop()));
});

/** A client of the test run's DynamoDB Local whose requests are counted by command name (observation, not a mock). */
function countingClient(): { client: DynamoDBClient; sent: string[] } {
  const counted = localClient();
  const sent: string[] = [];
  const send = counted.send.bind(counted) as (...args: unknown[]) => Promise<unknown>;
  counted.send = ((...args: unknown[]) => {
    sent.push((args[0] as object).constructor.name);
    return send(...args);
  }) as typeof counted.send;
  return { client: counted, sent };
}

/**
 * A table of its own (key `id`, NEW_AND_OLD_IMAGES stream; DynamoDB Local's own TTL left off so only the
 * expirer deletes), a mapping that feeds the expirer as the stack's does, and a clock the test moves.
 * The table's TTL attribute is `expiresAt`.
 */
async function expiringTable(viewType = 'NEW_AND_OLD_IMAGES') {
  const { tableName } = await createStreamTable(client, viewType);
  const { client: counted, sent } = countingClient();
  const registry = createTtlRegistry();
  const clock = { now: 1_800_000_000 };
  const expirer = createTtlExpirer({
    client: counted,
    tables: [{ tableName, ttlAttribute: 'expiresAt', keyAttributes: ['id'] }],
    registry,
    logger: captureLogger('warn').logger,
    nowSeconds: () => clock.now,
  });
  expirers.push(expirer);
  const harness: Harness = createHarness(testSettings(tableName, { batchSize: 1000 }), () => undefined, {
    recordDecorator: (record) => registry.decorate(expirer.observe(record)),
  });
  mappings.push(harness.mapping);
  await harness.mapping.start();
  const delivered = () => harness.invocations.flatMap((invocation) => invocation.event.Records);
  const deliveredFor = (id: string, eventName: string) =>
    delivered().filter((r) => r.eventName === eventName && r.dynamodb.Keys.id!.S === id);
  return { tableName, expirer, sent, clock, harness, delivered, deliveredFor };
}

async function writeItems(tableName: string, items: Record<string, unknown>[]): Promise<void> {
  const marshalled = items.map((item) =>
    Object.fromEntries(
      Object.entries(item).map(([name, value]) => [name, typeof value === 'number' ? { N: String(value) } : { S: String(value) }]),
    ),
  );
  for (let i = 0; i < marshalled.length; i += 25) {
    let request: Record<string, { PutRequest: { Item: (typeof marshalled)[number] } }[]> | undefined = {
      [tableName]: marshalled.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })),
    };
    while (request && Object.keys(request).length > 0)
      request = (await client.send(new BatchWriteItemCommand({ RequestItems: request }))).UnprocessedItems as typeof request;
  }
}

const exists = async (tableName: string, id: string) =>
  (await client.send(new GetItemCommand({ TableName: tableName, Key: { id: { S: id } }, ConsistentRead: true }))).Item !== undefined;

describe('TTL expirer on DynamoDB Local', () => {
  it(
    'deletes an item whose TTL passed (its REMOVE carries the TTL userIdentity), ' + 'keeps one whose TTL was extended or never set',
    async () => {
      // Prepare
      const t = await expiringTable();
      await putItem(client, t.tableName, { id: 'expired', expiresAt: t.clock.now + 10 });
      await putItem(client, t.tableName, { id: 'extended', expiresAt: t.clock.now + 10 });
      await putItem(client, t.tableName, { id: 'no-ttl' });
      await client.send(
        new UpdateItemCommand({
          TableName: t.tableName,
          Key: { id: { S: 'extended' } },
          UpdateExpression: 'SET expiresAt = :later',
          ExpressionAttributeValues: { ':later': { N: String(t.clock.now + 3600) } },
        }),
      );
      await waitFor(() => t.deliveredFor('extended', 'MODIFY').length === 1, 'the mapping to read the writes');
      // Act
      t.clock.now += 20;
      const deleted = await t.expirer.sweep();
      await waitFor(() => t.deliveredFor('expired', 'REMOVE').length === 1, 'the REMOVE of the expired item');
      // Assess
      expect(deleted).toBe(1);
      expect(t.deliveredFor('expired', 'REMOVE')[0]!.userIdentity).toEqual(TTL_USER_IDENTITY);
      expect(await exists(t.tableName, 'extended')).toBe(true);
      expect(await exists(t.tableName, 'no-ttl')).toBe(true);
    },
  );

  it('learns the TTL of a KEYS_ONLY stream by reading the written items (one BatchGetItem), not by scanning', async () => {
    // Prepare
    const t = await expiringTable('KEYS_ONLY');
    await t.expirer.sweep();
    t.sent.length = 0;
    await putItem(client, t.tableName, { id: 'a', expiresAt: t.clock.now + 10 });
    await putItem(client, t.tableName, { id: 'b', expiresAt: t.clock.now + 100 });
    await waitFor(() => t.delivered().length === 2, 'the mapping to read the writes');
    // Act
    t.clock.now += 20;
    const deleted = await t.expirer.sweep();
    // Assess
    expect(deleted).toBe(1);
    expect(t.sent).toEqual(['BatchGetItemCommand', 'DeleteItemCommand']);
    expect([await exists(t.tableName, 'a'), await exists(t.tableName, 'b')]).toEqual([false, true]);
  });

  it.each([[200], [2000]])('sends no Scan after start-up and one request per expired item, with %i items in the table', async (count) => {
    // Prepare: half the items exist before the expirer starts (its one scan finds them), half come through the stream.
    const t = await expiringTable();
    const due = t.clock.now + 10;
    const later = t.clock.now + 86_400;
    const items = (from: number, to: number, expiring: number[]) =>
      Array.from({ length: to - from }, (_, i) => ({ id: `item-${from + i}`, expiresAt: expiring.includes(from + i) ? due : later }));
    await writeItems(t.tableName, items(0, count / 2, [0, 1]));
    t.expirer.start();
    await t.expirer.sweep();
    const startUp = [...t.sent];
    t.sent.length = 0;
    await writeItems(t.tableName, items(count / 2, count, [count - 1]));
    await waitFor(() => t.delivered().length === count, 'the mapping to read every write', 30_000);
    // Act
    const idle = [await t.expirer.sweep(), await t.expirer.sweep()];
    const idleRequests = t.sent.length;
    t.clock.now = due;
    const deleted = await t.expirer.sweep();
    const afterwards = await t.expirer.sweep();
    // Assess
    expect(startUp.filter((name) => name === 'ScanCommand').length).toBeGreaterThan(0);
    expect(idle).toEqual([0, 0]);
    expect(idleRequests).toBe(0);
    expect([deleted, afterwards]).toEqual([3, 0]);
    expect(t.sent).toEqual(['DeleteItemCommand', 'DeleteItemCommand', 'DeleteItemCommand']);
    expect(await exists(t.tableName, `item-${count - 1}`)).toBe(false);
  });
});
