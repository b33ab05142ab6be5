import { DynamoDBClient, GetItemCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createFaultInjector, type FaultCounts, type FaultKind } from '../../lib/local/faults/fault-injector.js';
import { functionAccessKeyId } from '../../lib/local/iam/function-access-key.js';
import { functionRoles } from '../../lib/local/iam/function-roles.js';
import { startIamProxy, type IamProxy, type Principal } from '../../lib/local/iam/iam-proxy.js';
import type { ServerlessConfig } from '../../lib/mapping/serverless-config.js';
import { createStageTables, dynamodbEndpoint, localClient, uniqueStage } from '../support/dynamodb.js';

/*
 * Faults injected by the local stack's IAM proxy into a function's DynamoDB calls, with the real SDK (its own
 * retries) and the test run's DynamoDB Local behind: what the caller sees, and whether the write happened.
 */

const ACCOUNT = '000000000000';
const REGION = 'us-east-1';
const ATTEMPTS = 3;

let admin: DynamoDBClient;
let stage: string;
let config: ServerlessConfig;
const proxies: IamProxy[] = [];
const clients: DynamoDBClient[] = [];

/** A proxy that knows booksStream with its shipped role and fails its calls as told, and clients through it. */
async function proxyWith(faults: ReturnType<typeof createFaultInjector>) {
  const identity = functionRoles(config, { region: REGION, accountId: ACCOUNT }).identities.get('booksStream')!;
  const keyId = functionAccessKeyId(identity.deployedName);
  const principal: Principal = {
    functionName: 'booksStream',
    role: identity.role,
    identity: { accountId: ACCOUNT, roleName: identity.role.name, sessionName: identity.deployedName },
  };
  const proxy = await startIamProxy({
    target: dynamodbEndpoint(),
    principals: new Map([[keyId, principal]]),
    arns: { region: REGION, accountId: ACCOUNT },
    faults,
  });
  proxies.push(proxy);
  const clientAs = (accessKeyId: string) => {
    const client = new DynamoDBClient({
      endpoint: proxy.endpoint,
      region: REGION,
      credentials: { accessKeyId, secretAccessKey: 'local' },
      maxAttempts: ATTEMPTS,
    });
    clients.push(client);
    return client;
  };
  return { proxy, fn: clientAs(keyId), other: clientAs('local') };
}

const settle = (call: Promise<unknown>) =>
  call.then(
    () => ({ ok: true as const, name: undefined, attempts: undefined }),
    (error: Error & { $metadata?: { attempts?: number } }) => ({
      ok: false as const,
      name: error.name,
      attempts: error.$metadata?.attempts,
    }),
  );

const stored = async (pk: string) =>
  (await admin.send(new GetItemCommand({ TableName: `change-log-${stage}`, Key: { pk: { S: pk }, sk: { S: 's' } }, ConsistentRead: true })))
    .Item;

const put = (client: DynamoDBClient, pk: string) =>
  client.send(new PutItemCommand({ TableName: `change-log-${stage}`, Item: { pk: { S: pk }, sk: { S: 's' } } }));

beforeAll(async () => {
  admin = localClient();
  stage = uniqueStage('fault');
  config = await createStageTables(admin, stage);
});

afterEach(async () => {
  for (const client of clients.splice(0)) client.destroy();
  await Promise.all(proxies.splice(0).map((proxy) => proxy.stop()));
});

afterAll(() => admin.destroy());

describe('fault injection in the IAM proxy, with the SDK retrying', () => {
  it.each<{ kind: FaultKind; error: string | RegExp; written: boolean }>([
    { kind: { when: 'before', answer: 'internal-server-error', weight: 1 }, error: 'InternalServerError', written: false },
    { kind: { when: 'before', answer: 'throttling', weight: 1 }, error: 'ProvisionedThroughputExceededException', written: false },
    { kind: { when: 'after', answer: 'internal-server-error', weight: 1 }, error: 'InternalServerError', written: true },
    { kind: { when: 'after', answer: 'connection-reset', weight: 1 }, error: /^(Error|TimeoutError)$/, written: true },
  ])(
    'fails a call $kind.answer $kind.when it reaches DynamoDB Local on all its attempts (written: $written)',
    async ({ kind, error, written }) => {
      // Prepare
      const faults = createFaultInjector({ rate: 1, mix: [kind] });
      const { fn } = await proxyWith(faults);
      const pk = `${kind.when}-${kind.answer}`;
      // Act
      const outcome = await settle(put(fn, pk));
      // Assess: the fault outlived the SDK's retries, and the write happened only when the answer was lost after it.
      expect(outcome).toMatchObject({ ok: false, name: error, attempts: ATTEMPTS });
      expect((await stored(pk)) !== undefined).toBe(written);
      expect(faults.counts()).toEqual<FaultCounts>({
        calls: 1,
        afterWrite: kind.when === 'after' ? 1 : 0,
        answers: ATTEMPTS,
        byAnswer: { 'internal-server-error': 0, throttling: 0, 'connection-reset': 0, [kind.answer]: 1 },
      });
    },
  );

  it('passes every call at rate 0', async () => {
    // Prepare
    const faults = createFaultInjector({ rate: 0 });
    const { fn } = await proxyWith(faults);
    // Act
    const outcome = await settle(put(fn, 'rate-0'));
    // Assess
    expect(outcome).toMatchObject({ ok: true });
    expect(await stored('rate-0')).toBeDefined();
    expect(faults.counts()).toMatchObject({ calls: 0, answers: 0 });
  });

  it("fails only the functions' calls: a caller with another key (the stack, the AWS CLI) passes at rate 1", async () => {
    // Prepare
    const faults = createFaultInjector({ rate: 1 });
    const { other } = await proxyWith(faults);
    // Act
    const outcome = await settle(put(other, 'other-key'));
    // Assess
    expect(outcome).toMatchObject({ ok: true });
    expect(faults.counts()).toMatchObject({ calls: 0, answers: 0 });
  });

  it('answers a call the role denies with AccessDeniedException, never with a fault', async () => {
    // Prepare: booksStream may not write the books table.
    const faults = createFaultInjector({ rate: 1 });
    const { fn, proxy } = await proxyWith(faults);
    // Act
    const outcome = await settle(
      fn.send(
        new UpdateItemCommand({
          TableName: `books-${stage}`,
          Key: { isbn: { S: 'x' } },
          UpdateExpression: 'SET n = :one',
          ExpressionAttributeValues: { ':one': { N: '1' } },
        }),
      ),
    );
    // Assess
    expect(outcome).toMatchObject({ ok: false, name: 'AccessDeniedException', attempts: 1 });
    expect(proxy.counts()).toMatchObject({ denied: 1 });
    expect(faults.counts()).toMatchObject({ calls: 0, answers: 0 });
  });
});
