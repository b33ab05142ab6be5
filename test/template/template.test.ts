import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileFilterPatterns } from '../../lib/mapping/filter-patterns.js';
import { readServerlessConfig, type ServerlessConfig } from '../../lib/mapping/serverless-config.js';
import { buildFixture, fixtureCases } from '../fixtures/fixture-cases.js';
import { copyProject, type ProjectCopy } from '../support/fixture-project-copy.js';
import {
  functionProblems,
  grantsOf,
  mappingProblems,
  mappingsOf,
  ofType,
  packageProject,
  queueProblems,
  resourceLabel,
  roleProblems,
  sourceTables,
  streamFunctions,
  tableIdsByName,
  tableProblems,
  templateProblems,
  type Resources,
  type StreamFunction,
} from './template-invariants.js';

const STAGE = 'test';
const SERVICE = 'ddb-streams';

let copy: ProjectCopy | undefined;
let resources: Resources;
let config: ServerlessConfig;
let functions: StreamFunction[];

// it.each tables are built before beforeAll runs, so the functions and tables are discovered from serverless.yml
// itself (resolved for the stage), and the template is checked against that list: nothing is counted by hand.
const declared = readServerlessConfig({ stage: STAGE });
const FUNCTION_NAMES = Object.entries(declared.functions)
  .filter(([, fn]) => (fn.events as { stream?: { type?: string } }[] | undefined)?.some((event) => event.stream?.type === 'dynamodb'))
  .map(([name]) => name);
const TABLE_IDS = Object.entries(declared.resources)
  .filter(([, r]) => r.Type === 'AWS::DynamoDB::Table')
  .map(([id]) => id);
const QUEUE_IDS = Object.entries(declared.resources)
  .filter(([, r]) => r.Type === 'AWS::SQS::Queue')
  .map(([id]) => id);
const fnNamed = (name: string): StreamFunction => functions.find((fn) => fn.name === name)!;

/** The least-privilege contract of the two example functions, written out by hand: the template must match it exactly. */
const logGroup = (fn: string) =>
  `arn:\${AWS::Partition}:logs:\${AWS::Region}:\${AWS::AccountId}:log-group:/aws/lambda/${SERVICE}-${STAGE}-${fn}:*`;
const exampleContract = (fn: string, table: string, queue: string, statsTable: string) => ({
  'logs:CreateLogStream': [logGroup(fn)],
  'logs:PutLogEvents': [logGroup(fn)],
  'dynamodb:DescribeStream': [`${table}.StreamArn`],
  'dynamodb:GetRecords': [`${table}.StreamArn`],
  'dynamodb:GetShardIterator': [`${table}.StreamArn`],
  // No resource type in IAM: on a stream ARN it would grant nothing.
  'dynamodb:ListStreams': ['*'],
  'dynamodb:PutItem': ['AppliedChangesTable.Arn', 'ChangeLogTable.Arn'],
  // The statistics row only when its summed delta is no DynamoDB number (read, then SET exactly).
  'dynamodb:GetItem': ['AppliedChangesTable.Arn', `${statsTable}.Arn`],
  // Batch actions: the change log's entries 25 a call, the ledger's entries 100 a call.
  'dynamodb:BatchWriteItem': ['ChangeLogTable.Arn'],
  'dynamodb:BatchGetItem': ['AppliedChangesTable.Arn', `${statsTable}.Arn`],
  'dynamodb:UpdateItem': [`${statsTable}.Arn`],
  'sqs:SendMessage': [`${queue}.Arn`],
});
const EXAMPLES = [
  { name: 'booksStream', allow: exampleContract('booksStream', 'BooksTable', 'BooksStreamDeadLetterQueue', 'AuthorStatsTable') },
  { name: 'ordersStream', allow: exampleContract('ordersStream', 'OrdersTable', 'OrdersStreamDeadLetterQueue', 'CustomerStatsTable') },
].filter((example) => FUNCTION_NAMES.includes(example.name));

beforeAll(async () => {
  // Prepare: package once, in a copy of the project, so no other `sls` run shares the build folder.
  copy = copyProject('sls-package-');
  ({ resources, config } = await packageProject(copy.dir, STAGE));
  functions = streamFunctions(config, resources);
}, 300_000);

afterAll(() => copy?.remove());

describe('discovery (sls package --stage test)', () => {
  it('finds every stream function of serverless.yml in the template, each with its own role, and nothing else', () => {
    // Prepare / Act
    const roles = ofType(resources, 'AWS::IAM::Role')
      .map(([id]) => id)
      .sort();
    const functionRoles = ofType(resources, 'AWS::Lambda::Function')
      .map(([, resource]) => resourceLabel(resource.Properties.Role))
      .sort();
    const policies = Object.values(resources).filter((resource) => /^AWS::IAM::(Policy|ManagedPolicy|User|Group)$/.test(resource.Type));
    // Assess
    expect(FUNCTION_NAMES.length).toBeGreaterThan(0);
    expect(functions.map((fn) => fn.name)).toEqual(FUNCTION_NAMES);
    expect(ofType(resources, 'AWS::Lambda::Function')).toHaveLength(functions.length);
    expect(roles).toEqual(functions.map((fn) => fn.role).sort());
    expect(functionRoles).toEqual(functions.map((fn) => `${fn.role}.Arn`).sort());
    expect(policies).toEqual([]);
  });

  it('holds every invariant at once (the check new-stream projects are held to)', () => {
    // Act / Assess
    expect(templateProblems(resources, config)).toEqual([]);
  });
});

describe('event-source mappings', () => {
  it.each(FUNCTION_NAMES)('%s: one mapping on its own stream, every setting spelled out, bounded retries, its own queue', (name) => {
    // Act
    const problems = mappingProblems(resources, fnNamed(name));
    // Assess
    expect(problems).toEqual([]);
    expect(mappingsOf(resources, fnNamed(name))).toHaveLength(1);
  });

  it.each(FUNCTION_NAMES)('%s lets every record of its fixtures through its filter, and no record of another function', (name) => {
    // Prepare: `sls invoke local` skips filters, so a fixture the deployed filter drops would show what Lambda never delivers.
    const patterns = (mappingsOf(resources, fnNamed(name))[0]!.Properties.FilterCriteria.Filters as { Pattern: string }[]).map(
      (f) => f.Pattern,
    );
    const passes = compileFilterPatterns(patterns);
    const own = fixtureCases.filter((fixture) => fixture.functionName === name).flatMap((fixture) => buildFixture(fixture).Records);
    // A filter on key names cannot tell apart two tables keyed alike; each mapping reads its own stream anyway.
    const keyNames = (record: { dynamodb?: { Keys?: object } }) =>
      Object.keys(record.dynamodb?.Keys ?? {})
        .sort()
        .join();
    const ownKeys = new Set(own.map(keyNames));
    const others = fixtureCases
      .filter((fixture) => fixture.functionName !== name)
      .flatMap((fixture) => buildFixture(fixture).Records)
      .filter((record) => !ownKeys.has(keyNames(record)));
    // Act / Assess
    expect(own.length).toBeGreaterThan(0);
    expect(own.filter((record) => !passes(record)).map((record) => record.dynamodb?.SequenceNumber)).toEqual([]);
    expect(others.filter((record) => passes(record)).map((record) => record.dynamodb?.SequenceNumber)).toEqual([]);
  });
});

describe('functions', () => {
  it.each(FUNCTION_NAMES)('%s runs on nodejs22.x, talks to AWS, and names only declared tables, literally', (name) => {
    // Act / Assess
    expect(functionProblems(resources, fnNamed(name), STAGE, tableIdsByName(resources))).toEqual([]);
  });
});

describe('IAM: least privilege per function', () => {
  it.each(FUNCTION_NAMES)('%s: own log group, own stream, ListStreams on "*" alone, own queue, only tables of its environment', (name) => {
    // Act / Assess
    expect(roleProblems(resources, fnNamed(name), SERVICE, STAGE, tableIdsByName(resources))).toEqual([]);
  });

  it.each(EXAMPLES)('$name may do exactly what its allow-list says, on exactly those resources', ({ name, allow }) => {
    // Prepare
    const expected = Object.fromEntries(Object.entries(allow).map(([action, on]) => [action, [...on].sort()]));
    // Act
    const grants = grantsOf(resources, fnNamed(name).role);
    // Assess
    expect(grants).toEqual(expected);
  });

  it('grants no stream read in a statement that also holds "*"', () => {
    // Prepare / Act: a ListStreams statement that shared its "*" with GetRecords would open every stream.
    const grants = functions.map((fn) => grantsOf(resources, fn.role));
    // Assess
    for (const grant of grants) {
      for (const action of ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'])
        expect(grant[action]).not.toContain('*');
    }
  });
});

describe('data at rest: nothing a deploy can lose', () => {
  it.each(TABLE_IDS)('%s is encrypted, billed per request, literally named, retained on delete and replace', (id) => {
    // Prepare
    const isSource = sourceTables(functions).includes(id);
    // Act / Assess
    expect(tableProblems(resources, id, STAGE, isSource)).toEqual([]);
    expect(resources[id]).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });

  it.each(FUNCTION_NAMES)("%s's source table has deletion protection, point-in-time recovery and a NEW_AND_OLD_IMAGES stream", (name) => {
    // Prepare / Act
    const properties = resources[fnNamed(name).table]!.Properties;
    // Assess
    expect(properties.DeletionProtectionEnabled).toBe(true);
    expect(properties.PointInTimeRecoverySpecification?.PointInTimeRecoveryEnabled).toBe(true);
    expect(properties.StreamSpecification?.StreamViewType).toBe('NEW_AND_OLD_IMAGES');
  });

  it.each(QUEUE_IDS)('%s (a dead-letter queue) is encrypted, literally named with the stage, retained on delete and replace', (id) => {
    // Act / Assess
    expect(queueProblems(resources, id, SERVICE, STAGE)).toEqual([]);
    expect(resources[id]).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });

  it('has one dead-letter queue per stream function, and no other queue', () => {
    // Act / Assess
    expect(
      ofType(resources, 'AWS::SQS::Queue')
        .map(([id]) => id)
        .sort(),
    ).toEqual(functions.map((fn) => fn.queue).sort());
  });
});
