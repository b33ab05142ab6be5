import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileFilterPatterns } from '../../lib/offline/filter/filter-patterns.js';
import { readServerlessConfig, type ServerlessConfig } from '../../lib/tables/serverless-config.js';
import { buildFixture, fixtureCases } from '../fixtures/fixture-cases.js';
import { copyProject, slsEnv, type ProjectCopy } from '../support/fixture-project-copy.js';

const run = promisify(execFile);
const STAGE = 'test';
const SERVICE = 'ddb-streams';

interface Resource {
  Type: string;
  Properties: Record<string, any>;
}
interface Statement {
  Effect: string;
  Action?: string | string[];
  NotAction?: unknown;
  Resource?: unknown;
  NotResource?: unknown;
}

/** The least-privilege contract of each function, written out by hand: the template must match it exactly. */
const FUNCTIONS = [
  {
    name: 'booksStream',
    logicalId: 'BooksStreamLambdaFunction',
    handler: 'functions/books-stream.handler',
    role: 'BooksStreamRole',
    table: 'BooksTable',
    queue: 'BooksStreamDeadLetterQueue',
    tableEnv: { AUTHOR_STATS_TABLE: `author-stats-${STAGE}`, CHANGE_LOG_TABLE: `change-log-${STAGE}`, APPLIED_CHANGES_TABLE: `applied-changes-${STAGE}` },
    allow: {
      'logs:CreateLogStream': [`arn:\${AWS::Partition}:logs:\${AWS::Region}:\${AWS::AccountId}:log-group:/aws/lambda/${SERVICE}-${STAGE}-booksStream:*`],
      'logs:PutLogEvents': [`arn:\${AWS::Partition}:logs:\${AWS::Region}:\${AWS::AccountId}:log-group:/aws/lambda/${SERVICE}-${STAGE}-booksStream:*`],
      'dynamodb:DescribeStream': ['BooksTable.StreamArn'],
      'dynamodb:GetRecords': ['BooksTable.StreamArn'],
      'dynamodb:GetShardIterator': ['BooksTable.StreamArn'],
      'dynamodb:ListStreams': ['BooksTable.StreamArn'],
      'dynamodb:PutItem': ['ChangeLogTable.Arn', 'AppliedChangesTable.Arn'],
      'dynamodb:GetItem': ['AppliedChangesTable.Arn'],
      'dynamodb:UpdateItem': ['AuthorStatsTable.Arn'],
      'sqs:SendMessage': ['BooksStreamDeadLetterQueue.Arn'],
    },
  },
  {
    name: 'ordersStream',
    logicalId: 'OrdersStreamLambdaFunction',
    handler: 'functions/orders-stream.handler',
    role: 'OrdersStreamRole',
    table: 'OrdersTable',
    queue: 'OrdersStreamDeadLetterQueue',
    tableEnv: { CUSTOMER_STATS_TABLE: `customer-stats-${STAGE}`, CHANGE_LOG_TABLE: `change-log-${STAGE}`, APPLIED_CHANGES_TABLE: `applied-changes-${STAGE}` },
    allow: {
      'logs:CreateLogStream': [`arn:\${AWS::Partition}:logs:\${AWS::Region}:\${AWS::AccountId}:log-group:/aws/lambda/${SERVICE}-${STAGE}-ordersStream:*`],
      'logs:PutLogEvents': [`arn:\${AWS::Partition}:logs:\${AWS::Region}:\${AWS::AccountId}:log-group:/aws/lambda/${SERVICE}-${STAGE}-ordersStream:*`],
      'dynamodb:DescribeStream': ['OrdersTable.StreamArn'],
      'dynamodb:GetRecords': ['OrdersTable.StreamArn'],
      'dynamodb:GetShardIterator': ['OrdersTable.StreamArn'],
      'dynamodb:ListStreams': ['OrdersTable.StreamArn'],
      'dynamodb:PutItem': ['ChangeLogTable.Arn', 'AppliedChangesTable.Arn'],
      'dynamodb:GetItem': ['AppliedChangesTable.Arn'],
      'dynamodb:UpdateItem': ['CustomerStatsTable.Arn'],
      'sqs:SendMessage': ['OrdersStreamDeadLetterQueue.Arn'],
    },
  },
] as const;

const TABLES = {
  BooksTable: `books-${STAGE}`,
  OrdersTable: `orders-${STAGE}`,
  AuthorStatsTable: `author-stats-${STAGE}`,
  CustomerStatsTable: `customer-stats-${STAGE}`,
  ChangeLogTable: `change-log-${STAGE}`,
  AppliedChangesTable: `applied-changes-${STAGE}`,
};
const SOURCE_TABLES = ['BooksTable', 'OrdersTable'];
const STREAM_READ_ACTIONS = ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator', 'dynamodb:ListStreams'];

/** A readable name for a policy resource: `Table.Arn` for GetAtt, the template string for Sub. */
function resourceLabel(resource: unknown): string {
  if (typeof resource === 'string') return resource;
  const value = resource as Record<string, unknown>;
  if (Array.isArray(value['Fn::GetAtt'])) return (value['Fn::GetAtt'] as string[]).join('.');
  if (typeof value['Fn::Sub'] === 'string') return value['Fn::Sub'];
  return JSON.stringify(resource);
}

const asList = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

let copy: ProjectCopy | undefined;
let resources: Record<string, Resource>;
let config: ServerlessConfig;

const ofType = (type: string): [string, Resource][] => Object.entries(resources).filter(([, resource]) => resource.Type === type);
const statementsOf = (role: string): Statement[] =>
  asList(resources[role]!.Properties.Policies as { PolicyDocument: { Statement: Statement[] } }[]).flatMap((policy) => policy.PolicyDocument.Statement);
/** Every (action, resource) pair a role allows, as an `action -> sorted resources` map. */
function grantsOf(role: string): Record<string, string[]> {
  const grants: Record<string, string[]> = {};
  for (const statement of statementsOf(role)) {
    for (const action of asList(statement.Action)) {
      grants[action] = [...(grants[action] ?? []), ...asList(statement.Resource).map(resourceLabel)].sort();
    }
  }
  return grants;
}
const esmOf = (fn: (typeof FUNCTIONS)[number]): Resource[] =>
  ofType('AWS::Lambda::EventSourceMapping')
    .map(([, resource]) => resource)
    .filter((resource) => resourceLabel(resource.Properties.FunctionName) === `${fn.logicalId}.Arn`);

beforeAll(async () => {
  // Prepare: package once, in a copy of the project, so no other `sls` run shares the build folder.
  copy = copyProject('sls-package-');
  const out = join(copy.dir, '.package-out');
  await run('npx', ['sls', 'package', '--stage', STAGE, '--package', out], { cwd: copy.dir, env: slsEnv(), timeout: 180_000 });
  resources = JSON.parse(readFileSync(join(out, 'cloudformation-template-update-stack.json'), 'utf8')).Resources;
  config = readServerlessConfig({ stage: STAGE, path: join(copy.dir, 'serverless.yml') });
}, 240_000);

afterAll(() => copy?.remove());

describe('event-source mappings (sls package --stage test)', () => {
  it.each(FUNCTIONS)('$name has one mapping with the settings of serverless.yml', (fn) => {
    // Prepare
    const stream = (config.functions[fn.name]!.events as { stream: Record<string, any> }[])[0]!.stream;
    // Act
    const mappings = esmOf(fn);
    // Assess
    expect(mappings).toHaveLength(1);
    expect(mappings[0]!.Properties).toMatchObject({
      BatchSize: stream.batchSize,
      MaximumBatchingWindowInSeconds: stream.batchWindow,
      StartingPosition: stream.startingPosition,
      MaximumRetryAttempts: stream.maximumRetryAttempts,
      MaximumRecordAgeInSeconds: stream.maximumRecordAgeInSeconds,
      ParallelizationFactor: stream.parallelizationFactor,
      Enabled: true,
    });
  });

  it.each(FUNCTIONS)('$name reads its own stream, reports item failures, bisects and sends exhausted batches to its own queue', (fn) => {
    // Prepare / Act
    const [mapping] = esmOf(fn);
    const properties = mapping!.Properties;
    // Assess
    expect(resourceLabel(properties.EventSourceArn)).toBe(`${fn.table}.StreamArn`);
    expect(properties.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
    expect(properties.BisectBatchOnFunctionError).toBe(true);
    expect(resourceLabel(properties.DestinationConfig?.OnFailure?.Destination)).toBe(`${fn.queue}.Arn`);
    expect(['TRIM_HORIZON', 'LATEST']).toContain(properties.StartingPosition);
  });

  it.each(FUNCTIONS)('$name gives up on a poison record in bounded time (finite retries and record age)', (fn) => {
    // Prepare / Act
    const { MaximumRetryAttempts, MaximumRecordAgeInSeconds, BatchSize, MaximumBatchingWindowInSeconds } = esmOf(fn)[0]!.Properties;
    // Assess: -1 would mean "until the record expires", 24 hours of a blocked shard.
    expect(MaximumRetryAttempts).toBeGreaterThanOrEqual(0);
    expect(MaximumRetryAttempts).toBeLessThanOrEqual(10_000);
    expect(MaximumRecordAgeInSeconds).toBeGreaterThanOrEqual(60);
    expect(MaximumRecordAgeInSeconds).toBeLessThanOrEqual(604_800);
    expect(BatchSize).toBeGreaterThanOrEqual(1);
    expect(BatchSize).toBeLessThanOrEqual(10_000);
    expect(MaximumBatchingWindowInSeconds).toBeLessThanOrEqual(300);
  });

  it.each(FUNCTIONS)('$name filters with the patterns of serverless.yml', (fn) => {
    // Prepare
    const stream = (config.functions[fn.name]!.events as { stream: Record<string, any> }[])[0]!.stream;
    // Act
    const filters = esmOf(fn)[0]!.Properties.FilterCriteria?.Filters as { Pattern: string }[] | undefined;
    // Assess
    expect(filters?.length).toBeGreaterThan(0);
    expect(filters!.map((filter) => JSON.parse(filter.Pattern))).toEqual(stream.filterPatterns);
  });

  it.each(FUNCTIONS)('$name lets every record of its fixtures through its filter, and no record of the other table', (fn) => {
    // Prepare: `sls invoke local` skips filters, so a fixture the deployed filter drops would show what Lambda never delivers.
    const patterns = (esmOf(fn)[0]!.Properties.FilterCriteria.Filters as { Pattern: string }[]).map((filter) => filter.Pattern);
    const passes = compileFilterPatterns(patterns);
    const records = (functionName: string) =>
      fixtureCases.filter((fixture) => fixture.functionName === functionName).flatMap((fixture) => buildFixture(fixture).Records);
    const own = records(fn.name);
    const others = records(fn.name === 'booksStream' ? 'ordersStream' : 'booksStream');
    // Act / Assess
    expect(own.length).toBeGreaterThan(0);
    expect(own.filter((record) => !passes(record)).map((record) => record.dynamodb?.SequenceNumber)).toEqual([]);
    expect(others.filter((record) => passes(record)).map((record) => record.dynamodb?.SequenceNumber)).toEqual([]);
  });
});

describe('functions', () => {
  it.each(FUNCTIONS)('$name runs on nodejs22.x with its own role and literal table names', (fn) => {
    // Prepare / Act
    const { Runtime, Handler, Role, Environment } = resources[fn.logicalId]!.Properties;
    const tableEnv = Object.fromEntries(Object.entries(Environment.Variables as Record<string, string>).filter(([name]) => name.endsWith('_TABLE')));
    // Assess
    expect(Runtime).toBe('nodejs22.x');
    expect(Handler).toBe(fn.handler);
    expect(resourceLabel(Role)).toBe(`${fn.role}.Arn`);
    expect(tableEnv).toEqual(fn.tableEnv);
    // A deployed stage talks to AWS, never to a local endpoint.
    expect(Environment.Variables.DYNAMODB_ENDPOINT).toBe('');
  });

  it('has exactly one role per function and no other IAM policies', () => {
    // Prepare / Act
    const roles = ofType('AWS::IAM::Role').map(([id]) => id).sort();
    const functionRoles = ofType('AWS::Lambda::Function').map(([, resource]) => resourceLabel(resource.Properties.Role)).sort();
    const policies = Object.values(resources).filter((resource) => /^AWS::IAM::(Policy|ManagedPolicy|User|Group)$/.test(resource.Type));
    // Assess
    expect(ofType('AWS::Lambda::Function')).toHaveLength(FUNCTIONS.length);
    expect(roles).toEqual(FUNCTIONS.map((fn) => fn.role).sort());
    expect(functionRoles).toEqual(FUNCTIONS.map((fn) => `${fn.role}.Arn`).sort());
    expect(policies).toEqual([]);
  });
});

describe('IAM: least privilege per function', () => {
  it.each(FUNCTIONS)('$name may do exactly what its allow-list says, on exactly those resources', (fn) => {
    // Prepare / Act
    const grants = grantsOf(fn.role);
    const expected = Object.fromEntries(Object.entries(fn.allow).map(([action, on]) => [action, [...on].sort()]));
    // Assess
    expect(grants).toEqual(expected);
  });

  it.each(FUNCTIONS)('$name role is assumable by Lambda only, with no managed policies, and allows only', (fn) => {
    // Prepare / Act
    const properties = resources[fn.role]!.Properties;
    const statements = statementsOf(fn.role);
    // Assess
    expect(properties.ManagedPolicyArns ?? []).toEqual([]);
    expect(properties.AssumeRolePolicyDocument.Statement).toEqual([
      { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
    ]);
    // NotAction and NotResource grant everything else: as broad as a wildcard.
    for (const statement of statements) {
      expect(statement.Effect).toBe('Allow');
      expect(statement.NotAction).toBeUndefined();
      expect(statement.NotResource).toBeUndefined();
    }
  });

  it.each(FUNCTIONS)('$name has no wildcard in any action, and no "*" in any resource of a data-plane action', (fn) => {
    // Prepare
    const grants = grantsOf(fn.role);
    // Act
    const wildcardActions = Object.keys(grants).filter((action) => action.includes('*'));
    const wildcardResources = Object.entries(grants)
      .filter(([action]) => !action.startsWith('logs:'))
      .flatMap(([action, on]) => on.filter((resource) => resource.includes('*')).map((resource) => `${action} on ${resource}`));
    // Log streams are named by Lambda at run time; only streams of the function's own log group are allowed.
    const logResources = Object.entries(grants)
      .filter(([action]) => action.startsWith('logs:'))
      .flatMap(([, on]) => on);
    // Assess
    expect(Object.keys(grants).length).toBeGreaterThan(0);
    expect(wildcardActions).toEqual([]);
    expect(wildcardResources).toEqual([]);
    for (const resource of logResources) expect(resource).toMatch(new RegExp(`:log-group:/aws/lambda/${SERVICE}-${STAGE}-${fn.name}:\\*$`));
  });

  it.each(FUNCTIONS)('$name reads only its own stream and sends only to its own queue', (fn) => {
    // Prepare
    const grants = grantsOf(fn.role);
    // Act
    const streamResources = new Set(STREAM_READ_ACTIONS.flatMap((action) => grants[action] ?? []));
    const anyStreamGrant = Object.values(grants).flat().filter((resource) => resource.endsWith('.StreamArn'));
    // Assess
    expect([...streamResources]).toEqual([`${fn.table}.StreamArn`]);
    expect(new Set(anyStreamGrant)).toEqual(new Set([`${fn.table}.StreamArn`]));
    expect(grants['sqs:SendMessage']).toEqual([`${fn.queue}.Arn`]);
    expect(Object.keys(grants).filter((action) => action.startsWith('sqs:'))).toEqual(['sqs:SendMessage']);
  });

  it.each(FUNCTIONS)('$name may write every table named in its environment, and no other', (fn) => {
    // Prepare
    const grants = grantsOf(fn.role);
    const idByName = Object.fromEntries(Object.entries(TABLES).map(([id, name]) => [name, id]));
    // Act
    const written = new Set([...(grants['dynamodb:PutItem'] ?? []), ...(grants['dynamodb:UpdateItem'] ?? [])]);
    const named = new Set(Object.values(fn.tableEnv).map((name) => `${idByName[name]}.Arn`));
    // Assess
    expect(written).toEqual(named);
  });
});

describe('data at rest', () => {
  it('declares the six tables with literal, stage-suffixed names', () => {
    // Prepare / Act
    const names = Object.fromEntries(ofType('AWS::DynamoDB::Table').map(([id, resource]) => [id, resource.Properties.TableName]));
    // Assess
    expect(names).toEqual(TABLES);
  });

  it.each(Object.keys(TABLES))('%s is encrypted and billed per request', (id) => {
    // Prepare / Act
    const properties = resources[id]!.Properties;
    // Assess
    expect(properties.SSESpecification?.SSEEnabled).toBe(true);
    expect(properties.BillingMode).toBe('PAY_PER_REQUEST');
  });

  it.each(SOURCE_TABLES)('%s (a source table) has point-in-time recovery and a NEW_AND_OLD_IMAGES stream', (id) => {
    // Prepare / Act
    const properties = resources[id]!.Properties;
    // Assess
    expect(properties.PointInTimeRecoverySpecification?.PointInTimeRecoveryEnabled).toBe(true);
    expect(properties.StreamSpecification?.StreamViewType).toBe('NEW_AND_OLD_IMAGES');
  });

  it('encrypts every queue, and names each literally with the stage', () => {
    // Prepare / Act
    const queues = ofType('AWS::SQS::Queue');
    // Assess
    expect(queues.map(([id]) => id).sort()).toEqual(FUNCTIONS.map((fn) => fn.queue).sort());
    for (const [, queue] of queues) {
      expect(queue.Properties.SqsManagedSseEnabled === true || typeof queue.Properties.KmsMasterKeyId === 'string').toBe(true);
      expect(queue.Properties.QueueName).toMatch(new RegExp(`^${SERVICE}-${STAGE}-[a-z-]+-dlq$`));
    }
  });
});
