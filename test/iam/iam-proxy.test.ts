import {
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
  type TransactWriteItem,
} from '@aws-sdk/client-dynamodb';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { functionAccessKeyId } from '../../lib/local/iam/function-access-key.js';
import { functionRoles } from '../../lib/local/iam/function-roles.js';
import { startIamProxy, type IamProxy, type Principal } from '../../lib/local/iam/iam-proxy.js';
import { parsePolicyStatements, type IamRole } from '../../lib/local/iam/policy.js';
import type { ServerlessConfig } from '../../lib/mapping/serverless-config.js';
import { exactN } from '../factories/exact-number.js';
import { insertRecord, modifyRecord, streamEvent } from '../factories/stream-record.js';
import { buildFixture, fixtureCases, type FixtureCase } from '../fixtures/fixture-cases.js';
import { createStageTables, dynamodbEndpoint, localClient, uniqueStage } from '../support/dynamodb.js';

const ACCOUNT = '000000000000';
const REGION = 'us-east-1';
const ARNS = { region: REGION, accountId: ACCOUNT };
const MODULES = { booksStream: '../../functions/books-stream.js', ordersStream: '../../functions/orders-stream.js' } as const;
type Handler = (event: DynamoDBStreamEvent) => Promise<{ batchItemFailures: { itemIdentifier: string }[] }>;

/** The fields of AWS's AccessDeniedException message for identity-based policies. */
const DENIED_WHO_WHAT = /^User: (?<principal>\S+) is not authorized to perform: (?<action>\S+) on resource: (?<resource>\S+) /;
const DENIED_REASON = /because no identity-based policy allows the (?<named>\S+) action|with an explicit deny in an identity-based policy/;
const DENIED = new RegExp(`${DENIED_WHO_WHAT.source}(?<reason>${DENIED_REASON.source})$`);
const deniedFields = (error: unknown) => {
  const fields = DENIED.exec((error as Error).message)?.groups;
  return {
    name: (error as Error).name,
    status: (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode,
    principal: fields?.principal,
    action: fields?.action,
    resource: fields?.resource,
    explicit: fields?.reason?.startsWith('with an explicit deny'),
  };
};
const failureOf = async (call: Promise<unknown>): Promise<unknown> =>
  call.then(
    () => new Error('the call succeeded'),
    (error: unknown) => error,
  );

const tableArn = (name: string) => `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${name}`;

let admin: DynamoDBClient;
let stage: string;
let config: ServerlessConfig;
const proxies: IamProxy[] = [];
const clients: DynamoDBClient[] = [];

const roleOf = (name: string, statements: Record<string, unknown>[]): IamRole => ({
  name,
  statements: parsePolicyStatements({ Statement: statements }, name, { ...ARNS, resources: config.resources }, 'test'),
});
/** The shipped role of a function, as serverless.yml declares it for `stage`. */
const shippedRole = (functionName: string, of: ServerlessConfig = config): IamRole =>
  functionRoles(of, ARNS).identities.get(functionName)!.role;
const withoutStatement = (role: IamRole, sid: string): IamRole => ({
  ...role,
  statements: role.statements.filter((s) => !s.label.endsWith(`/${sid}`)),
});

/** A proxy in front of the test run's DynamoDB Local that knows one caller, and an SDK client signing as that caller. */
async function callerWith(
  role: IamRole,
  sessionName = `ddb-streams-${stage}-booksStream`,
): Promise<{ client: DynamoDBClient; proxy: IamProxy }> {
  const keyId = functionAccessKeyId(`${sessionName}-${role.name}`);
  const principal: Principal = { functionName: 'booksStream', role, identity: { accountId: ACCOUNT, roleName: role.name, sessionName } };
  const proxy = await startIamProxy({ target: dynamodbEndpoint(), principals: new Map([[keyId, principal]]), arns: ARNS });
  proxies.push(proxy);
  const client = new DynamoDBClient({
    endpoint: proxy.endpoint,
    region: REGION,
    credentials: { accessKeyId: keyId, secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  clients.push(client);
  return { client, proxy };
}

beforeAll(async () => {
  admin = localClient();
  stage = uniqueStage('iam');
  config = await createStageTables(admin, stage);
});

afterEach(async () => {
  for (const client of clients.splice(0)) client.destroy();
  await Promise.all(proxies.splice(0).map((proxy) => proxy.stop()));
  vi.unstubAllEnvs();
});

afterAll(() => admin.destroy());

describe('the IAM proxy, with the real SDK signing as a function', () => {
  it(
    'refuses UpdateItem on the statistics table to a role without it: ' + 'AccessDeniedException naming the action and the table ARN',
    async () => {
      // Prepare
      const role = withoutStatement(shippedRole('booksStream'), 'UpdateStatistics');
      const { client } = await callerWith(role);
      const table = `author-stats-${stage}`;
      // Act
      const error = await failureOf(
        client.send(
          new UpdateItemCommand({
            TableName: table,
            Key: { author: { S: 'A' } },
            UpdateExpression: 'SET n = :one',
            ExpressionAttributeValues: { ':one': { N: '1' } },
          }),
        ),
      );
      // Assess
      expect(deniedFields(error)).toEqual({
        name: 'AccessDeniedException',
        status: 400,
        principal: `arn:aws:sts::${ACCOUNT}:assumed-role/BooksStreamRole/ddb-streams-${stage}-booksStream`,
        action: 'dynamodb:UpdateItem',
        resource: tableArn(table),
        explicit: false,
      });
      const stored = await admin.send(new GetItemCommand({ TableName: table, Key: { author: { S: 'A' } } }));
      expect(stored.Item).toBeUndefined();
    },
  );

  it('lets the same call through when the role allows it, and the item is written', async () => {
    // Prepare
    const { client, proxy } = await callerWith(shippedRole('booksStream'));
    const table = `author-stats-${stage}`;
    // Act
    await client.send(
      new UpdateItemCommand({
        TableName: table,
        Key: { author: { S: 'B' } },
        UpdateExpression: 'SET n = :one',
        ExpressionAttributeValues: { ':one': { N: '1' } },
      }),
    );
    // Assess
    const stored = await admin.send(new GetItemCommand({ TableName: table, Key: { author: { S: 'B' } } }));
    expect(stored.Item).toEqual({ author: { S: 'B' }, n: { N: '1' } });
    expect(proxy.counts()).toEqual({ checked: 1, denied: 0, unchecked: 0 });
  });

  it('lets a Deny win over an Allow', async () => {
    // Prepare
    const table = `change-log-${stage}`;
    const role = roleOf('DenyingRole', [
      { Effect: 'Allow', Action: 'dynamodb:*', Resource: '*' },
      { Sid: 'NoChangeLog', Effect: 'Deny', Action: 'dynamodb:PutItem', Resource: { 'Fn::GetAtt': ['ChangeLogTable', 'Arn'] } },
    ]);
    const { client } = await callerWith(role);
    const put = (name: string) => client.send(new PutItemCommand({ TableName: name, Item: { pk: { S: 'p' }, sk: { S: 's' } } }));
    // Act
    const error = await failureOf(put(table));
    const allowed = await put(`applied-changes-${stage}`);
    // Assess
    expect(deniedFields(error)).toMatchObject({
      name: 'AccessDeniedException',
      action: 'dynamodb:PutItem',
      resource: tableArn(table),
      explicit: true,
    });
    expect(allowed.$metadata.httpStatusCode).toBe(200);
  });

  const ledger = (): TransactWriteItem => ({ Put: { TableName: `applied-changes-${stage}`, Item: { pk: { S: `tx-${Math.random()}` } } } });
  const stats = (): TransactWriteItem => ({
    Update: {
      TableName: `author-stats-${stage}`,
      Key: { author: { S: 'tx' } },
      UpdateExpression: 'SET n = :one',
      ExpressionAttributeValues: { ':one': { N: '1' } },
    },
  });
  const changeLog = (): TransactWriteItem => ({ Put: { TableName: `change-log-${stage}`, Item: { pk: { S: 'tx' }, sk: { S: 's' } } } });
  const books = (): TransactWriteItem => ({
    ConditionCheck: { TableName: `books-${stage}`, Key: { isbn: { S: 'x' } }, ConditionExpression: 'attribute_not_exists(isbn)' },
  });

  it.each<[string, () => TransactWriteItem[], string | undefined, string | undefined]>([
    ['ledger Put and stats Update, both granted', () => [ledger(), stats()], undefined, undefined],
    ['a ConditionCheck on a table the role cannot check', () => [ledger(), books(), stats()], 'dynamodb:ConditionCheckItem', 'books'],
    ['stats Update first, denied', () => [stats(), ledger()], 'dynamodb:UpdateItem', 'author-stats'],
    ['the last item denied', () => [ledger(), changeLog(), stats()], 'dynamodb:UpdateItem', 'author-stats'],
  ])('checks every item of a TransactWriteItems with its own action: %s', async (_name, items, action, table) => {
    // Prepare: the shipped role without UpdateStatistics when a denial is expected on the statistics table
    const shipped = shippedRole('booksStream');
    const role = table === 'author-stats' ? withoutStatement(shipped, 'UpdateStatistics') : shipped;
    const { client } = await callerWith(role);
    const transaction = items();
    // Act
    const outcome = await client.send(new TransactWriteItemsCommand({ TransactItems: transaction })).then(
      () => undefined,
      (error: unknown) => error,
    );
    // Assess
    if (action === undefined) {
      expect(outcome).toBeUndefined();
      return;
    }
    expect(deniedFields(outcome)).toMatchObject({ name: 'AccessDeniedException', action, resource: tableArn(`${table}-${stage}`) });
    // Nothing of a refused transaction is written.
    const ledgerKey = transaction.find((item) => item.Put?.TableName === `applied-changes-${stage}`)?.Put?.Item?.pk;
    if (ledgerKey)
      expect(
        (await admin.send(new GetItemCommand({ TableName: `applied-changes-${stage}`, Key: { pk: ledgerKey } }))).Item,
      ).toBeUndefined();
  });

  it('passes callers it does not know (the AWS CLI, the stack itself) through unchecked', async () => {
    // Prepare
    const { proxy } = await callerWith(roleOf('NothingRole', [{ Effect: 'Deny', Action: '*', Resource: '*' }]));
    const stranger = new DynamoDBClient({
      endpoint: proxy.endpoint,
      region: REGION,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    clients.push(stranger);
    // Act
    const answer = await stranger.send(
      new PutItemCommand({ TableName: `change-log-${stage}`, Item: { pk: { S: 'cli' }, sk: { S: 's' } } }),
    );
    // Assess
    expect(answer.$metadata.httpStatusCode).toBe(200);
    expect(proxy.counts()).toEqual({ checked: 0, denied: 0, unchecked: 1 });
  });

  it('adds little latency to an allowed GetItem (median of 200, direct vs through the proxy)', async () => {
    // Prepare
    const { client } = await callerWith(shippedRole('booksStream'));
    const direct = new DynamoDBClient({
      endpoint: dynamodbEndpoint(),
      region: REGION,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    clients.push(direct);
    const get = new GetItemCommand({ TableName: `applied-changes-${stage}`, Key: { pk: { S: 'none' } } });
    const timed = async (target: DynamoDBClient) => {
      const start = process.hrtime.bigint();
      await target.send(get);
      return Number(process.hrtime.bigint() - start) / 1e6;
    };
    const times = { direct: [] as number[], proxied: [] as number[] };
    for (let i = 0; i < 20; i += 1) await Promise.all([timed(direct), timed(client)]);
    // Act: interleaved, so both see the same load of the shared machine
    for (let i = 0; i < 200; i += 1) {
      times.direct.push(await timed(direct));
      times.proxied.push(await timed(client));
    }
    // Assess: one loopback hop and a JSON parse; generous bound for a shared machine.
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length / 2]!;
    const [directMs, proxiedMs] = [median(times.direct), median(times.proxied)];
    process.stderr.write(`[iam-proxy] GetItem median: direct ${directMs.toFixed(2)} ms, through the proxy ${proxiedMs.toFixed(2)} ms\n`);
    expect(proxiedMs - directMs).toBeLessThan(20);
  });
});

describe('the shipped roles and handlers', () => {
  /** The function's real handler module, loaded with the environment the local stack gives it, behind a proxy for `role`. */
  async function handlerBehindProxy(
    fixture: FixtureCase,
    role?: (shipped: IamRole) => IamRole,
  ): Promise<{ handler: Handler; proxy: IamProxy; stage: string }> {
    const fixtureStage = uniqueStage('iamfx');
    const fixtureConfig = await createStageTables(admin, fixtureStage);
    const identity = functionRoles(fixtureConfig, ARNS).identities.get(fixture.functionName)!;
    const keyId = functionAccessKeyId(identity.deployedName);
    const principal: Principal = {
      functionName: fixture.functionName,
      role: role ? role(identity.role) : identity.role,
      identity: { accountId: ACCOUNT, roleName: identity.role.name, sessionName: identity.deployedName },
    };
    const proxy = await startIamProxy({ target: dynamodbEndpoint(), principals: new Map([[keyId, principal]]), arns: ARNS });
    proxies.push(proxy);
    const environment = {
      ...(fixtureConfig.provider.environment as Record<string, string>),
      ...(fixtureConfig.functions[fixture.functionName]!.environment as Record<string, string>),
    };
    for (const [name, value] of Object.entries(environment)) if (name.endsWith('_TABLE')) vi.stubEnv(name, String(value));
    vi.stubEnv('DYNAMODB_ENDPOINT', proxy.endpoint);
    vi.stubEnv('AWS_ACCESS_KEY_ID', keyId);
    vi.stubEnv('AWS_REGION', REGION);
    vi.stubEnv('LOG_LEVEL', 'silent');
    vi.resetModules();
    const module = (await import(MODULES[fixture.functionName as keyof typeof MODULES])) as { handler: Handler };
    return { handler: module.handler, proxy, stage: fixtureStage };
  }

  it.each(fixtureCases)('allow every call $functionName makes on $file (the documented response, nothing denied)', async (fixture) => {
    // Prepare
    const { handler, proxy } = await handlerBehindProxy(fixture);
    // Act
    const response = await handler(buildFixture(fixture));
    // Assess
    expect(response).toEqual(fixture.expectedResponse);
    expect(proxy.counts()).toMatchObject({ denied: 0, unchecked: 0 });
    expect(proxy.counts().checked).toBeGreaterThan(0);
  });

  it('allow ordersStream to read its statistics row when a change moves a total by more than 38 digits', async () => {
    // Prepare: the MODIFY 0.1 -> 1E38 adds 99…9.9 (39 significant digits), which no ADD can carry, so the row is read.
    const fixture = fixtureCases.find((f) => f.functionName === 'ordersStream')!;
    const { handler, proxy, stage: fixtureStage } = await handlerBehindProxy(fixture);
    const table = `orders-${fixtureStage}`;
    const keys = ['customerId', 'orderDate'];
    const order = (total: string) => ({ customerId: 'big-delta', orderDate: '2026-02-01', orderStatus: 'PAID', total: exactN(total) });
    // Act
    const first = await handler(streamEvent([insertRecord(table, keys, order('0.1'))]));
    const second = await handler(streamEvent([modifyRecord(table, keys, order('0.1'), order('1E38'))]));
    // Assess
    expect([first, second]).toEqual([{ batchItemFailures: [] }, { batchItemFailures: [] }]);
    expect(proxy.counts().denied).toBe(0);
    const row = await admin.send(
      new GetItemCommand({ TableName: `customer-stats-${fixtureStage}`, Key: { customerId: { S: 'big-delta' } }, ConsistentRead: true }),
    );
    expect(row.Item?.orderTotal?.N).toMatch(/^1(E\+?38|0{38})$/i);
  });

  it('make the handler report the batch as failed when its role lacks UpdateItem on the statistics table, as on AWS', async () => {
    // Prepare
    const fixture = fixtureCases.find((f) => f.file === 'books-insert.json')!;
    const { handler, proxy } = await handlerBehindProxy(fixture, (shipped) => withoutStatement(shipped, 'UpdateStatistics'));
    const event = buildFixture(fixture);
    // Act
    const response = await handler(event);
    // Assess: the first record fails (AccessDeniedException inside the action), so it and all after it are reported.
    expect(response.batchItemFailures[0]).toEqual({ itemIdentifier: event.Records[0]!.dynamodb!.SequenceNumber });
    expect(proxy.counts().denied).toBeGreaterThan(0);
  });
});
