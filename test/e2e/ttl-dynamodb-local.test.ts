import { CreateTableCommand, GetItemCommand, UpdateTimeToLiveCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startDynamoDBLocal, type DynamoDBLocal } from '../../lib/local/dynamodb-local/dynamodb-local.js';
import { createDynamoDBStreamsClient } from '../../lib/mapping/streams-client.js';
import { createDynamoDBClient } from '../../lib/runtime/dynamodb/client.js';
import type { EventSourceMapping } from '../../lib/local/engine/event-source-mapping.js';
import { TTL_USER_IDENTITY } from '../../lib/local/stack/ttl-registry.js';
import { uniqueStage } from '../support/dynamodb.js';
import { createHarness, createStreamTable, putItem, testSettings, waitFor } from '../offline/harness.js';

/*
 * What the stack relies on for TTL tables that no mapping reads (the change log, the ledger): DynamoDB Local
 * 2.9 expires items itself. Its job scans 20 items per table every 10 s, so on a small table an expired item
 * goes within seconds; its REMOVE carries the TTL userIdentity, as on AWS. The job falls behind on an instance
 * holding many tables (the test run's shared one), so these tests start a DynamoDB Local of their own.
 */
let own: DynamoDBLocal;
let client: DynamoDBClient;
beforeAll(async () => {
  own = await startDynamoDBLocal({ port: 0, inMemory: true });
  client = createDynamoDBClient({ endpoint: own.endpoint });
}, 120_000);
afterAll(async () => {
  await own?.stop();
});
const mappings: EventSourceMapping[] = [];
afterEach(async () => {
  await Promise.all(mappings.splice(0).map((mapping) => mapping.stop()));
});

const enableTtl = (tableName: string) =>
  client.send(
    new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification: { Enabled: true, AttributeName: 'expiresAt' } }),
  );
const exists = async (tableName: string, id: string) =>
  (await client.send(new GetItemCommand({ TableName: tableName, Key: { id: { S: id } }, ConsistentRead: true }))).Item !== undefined;

/** Polls until `check` resolves true; false after `timeoutMs`. */
async function eventually(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return check();
}

describe("DynamoDB Local's own TTL", () => {
  it('deletes an expired item of a table without a stream, and leaves one whose TTL is ahead', { timeout: 90_000 }, async () => {
    // Prepare
    const tableName = `ttl-nostream-${uniqueStage()}`;
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      }),
    );
    await enableTtl(tableName);
    const now = Math.floor(Date.now() / 1000);
    // Act
    await putItem(client, tableName, { id: 'expired', expiresAt: now - 60 });
    await putItem(client, tableName, { id: 'ahead', expiresAt: now + 3600 });
    const gone = await eventually(async () => !(await exists(tableName, 'expired')), 60_000);
    // Assess
    expect(gone).toBe(true);
    expect(await exists(tableName, 'ahead')).toBe(true);
  });

  it('puts the TTL userIdentity on the REMOVE it causes, and the engine delivers it', { timeout: 90_000 }, async () => {
    // Prepare
    const { tableName } = await createStreamTable(client);
    await enableTtl(tableName);
    const harness = createHarness(testSettings(tableName), undefined, {
      streams: createDynamoDBStreamsClient({ endpoint: own.endpoint }),
      dynamodb: client,
    });
    mappings.push(harness.mapping);
    await harness.mapping.start();
    const removes = () =>
      harness.invocations.flatMap((invocation) => invocation.event.Records).filter((record) => record.eventName === 'REMOVE');
    // Act
    await putItem(client, tableName, { id: 'expired', expiresAt: Math.floor(Date.now() / 1000) - 60 });
    await waitFor(() => removes().length === 1, "DynamoDB Local's TTL REMOVE", 60_000);
    // Assess
    expect(removes()[0]!.userIdentity).toEqual(TTL_USER_IDENTITY);
  });
});
