import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { readServerlessConfig, type ServerlessConfig } from '../../lib/mapping/serverless-config.js';
import { slsEnv } from '../support/fixture-project-copy.js';

const run = promisify(execFile);

/** A resource of the packaged CloudFormation template. */
export interface Resource {
  Type: string;
  Properties: Record<string, any>;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
}
export type Resources = Record<string, Resource>;

interface Statement {
  Sid?: string;
  Effect: string;
  Action?: string | string[];
  NotAction?: unknown;
  Resource?: unknown;
  NotResource?: unknown;
}

/** A function with a DynamoDB stream event, as serverless.yml declares it: what its invariants are checked against. */
export interface StreamFunction {
  name: string;
  /** Logical ID of its AWS::Lambda::Function in the template. */
  logicalId: string;
  role: string;
  /** Logical ID of the table whose stream it reads. */
  table: string;
  /** Logical ID of its on-failure queue. */
  queue: string;
  stream: Record<string, any>;
  /** Its environment variables ending in _TABLE (provider's and its own). */
  tableEnv: Record<string, string>;
}

/** The stream mapping settings every stream event must spell out (no framework default left to chance). */
export const REQUIRED_STREAM_SETTINGS = [
  'type',
  'arn',
  'enabled',
  'batchSize',
  'batchWindow',
  'startingPosition',
  'maximumRetryAttempts',
  'maximumRecordAgeInSeconds',
  'bisectBatchOnFunctionError',
  'parallelizationFactor',
  'functionResponseType',
  'destinations',
  'filterPatterns',
] as const;

const STREAM_READ_ACTIONS = ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'];
const WRITE_ACTIONS = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'];

/** Runs `sls package` in `dir` and returns the template's resources and the config it was built from. */
export async function packageProject(dir: string, stage: string): Promise<{ resources: Resources; config: ServerlessConfig }> {
  const out = join(dir, '.package-out');
  await run('npx', ['sls', 'package', '--stage', stage, '--package', out], { cwd: dir, env: slsEnv(), timeout: 240_000 }).catch(
    (error: { stdout?: string; stderr?: string }) => {
      throw new Error(`sls package --stage ${stage} failed in ${dir}\n--- stdout\n${error.stdout}\n--- stderr\n${error.stderr}`);
    },
  );
  const resources = JSON.parse(readFileSync(join(out, 'cloudformation-template-update-stack.json'), 'utf8')).Resources as Resources;
  return { resources, config: readServerlessConfig({ stage, path: join(dir, 'serverless.yml') }) };
}

/** A readable name for a policy or property resource: `Table.Arn` for GetAtt, the template string for Sub. */
export function resourceLabel(resource: unknown): string {
  if (typeof resource === 'string') return resource;
  const value = resource as Record<string, unknown>;
  if (Array.isArray(value?.['Fn::GetAtt'])) return (value['Fn::GetAtt'] as string[]).join('.');
  if (typeof value?.['Fn::Sub'] === 'string') return value['Fn::Sub'];
  return JSON.stringify(resource);
}

const asList = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);
const getAttTarget = (value: unknown): string | undefined => {
  const target = (value as { 'Fn::GetAtt'?: string[] } | undefined)?.['Fn::GetAtt'];
  return Array.isArray(target) ? target[0] : undefined;
};

export const ofType = (resources: Resources, type: string): [string, Resource][] =>
  Object.entries(resources).filter(([, r]) => r.Type === type);

/** Every function of serverless.yml with a DynamoDB stream event, discovered, never listed by hand. */
export function streamFunctions(config: ServerlessConfig, resources: Resources): StreamFunction[] {
  const providerEnv = (config.provider.environment ?? {}) as Record<string, unknown>;
  return Object.entries(config.functions).flatMap(([name, fn]) => {
    const stream = asList(fn.events as { stream?: Record<string, any> }[] | undefined).find(
      (event) => event.stream?.type === 'dynamodb',
    )?.stream;
    if (!stream) return [];
    const functionName = `${config.service}-${config.stage}-${name}`;
    const [logicalId = `<no AWS::Lambda::Function named ${functionName}>`] = ofType(resources, 'AWS::Lambda::Function')
      .filter(([, resource]) => resource.Properties.FunctionName === functionName)
      .map(([id]) => id);
    const environment = { ...providerEnv, ...((fn.environment ?? {}) as Record<string, unknown>) };
    return [
      {
        name,
        logicalId,
        role: String(fn.role),
        table: getAttTarget(stream.arn) ?? `<stream arn ${JSON.stringify(stream.arn)}>`,
        queue: getAttTarget(stream.destinations?.onFailure?.arn) ?? '<no onFailure queue>',
        stream,
        tableEnv: Object.fromEntries(
          Object.entries(environment)
            .filter(([key]) => key.endsWith('_TABLE'))
            .map(([k, v]) => [k, String(v)]),
        ),
      },
    ];
  });
}

export const statementsOf = (resources: Resources, role: string): Statement[] =>
  asList(resources[role]?.Properties.Policies as { PolicyDocument: { Statement: Statement[] } }[]).flatMap(
    (policy) => policy.PolicyDocument.Statement,
  );

/** Every (action, resource) pair a role allows, as an `action -> sorted resources` map. */
export function grantsOf(resources: Resources, role: string): Record<string, string[]> {
  const grants: Record<string, string[]> = {};
  for (const statement of statementsOf(resources, role)) {
    for (const action of asList(statement.Action)) {
      grants[action] = [...(grants[action] ?? []), ...asList(statement.Resource).map(resourceLabel)].sort();
    }
  }
  return grants;
}

export const mappingsOf = (resources: Resources, fn: StreamFunction): Resource[] =>
  ofType(resources, 'AWS::Lambda::EventSourceMapping')
    .map(([, resource]) => resource)
    .filter((resource) => resourceLabel(resource.Properties.FunctionName) === `${fn.logicalId}.Arn`);

/** Logical IDs of the tables some function's stream mapping reads. */
export const sourceTables = (functions: StreamFunction[]): string[] => [...new Set(functions.map((fn) => fn.table))].sort();

/**
 * What breaks the mapping contract of one stream function; empty when it holds. Checked: one mapping on its own
 * table's stream, every setting spelled out and carried to the template, finite retries and age, bisection,
 * partial batch responses, a filter, and its own SQS queue as the on-failure destination.
 */
export function mappingProblems(resources: Resources, fn: StreamFunction): string[] {
  const problems: string[] = [];
  const missing = REQUIRED_STREAM_SETTINGS.filter((setting) => fn.stream[setting] === undefined);
  if (missing.length > 0) problems.push(`${fn.name}: stream settings not spelled out in serverless.yml: ${missing.join(', ')}`);
  const mappings = mappingsOf(resources, fn);
  if (mappings.length !== 1) return [...problems, `${fn.name}: ${mappings.length} event-source mappings, expected 1`];
  const p = mappings[0]!.Properties;
  const expect = (what: string, actual: unknown, expected: unknown) => {
    if (JSON.stringify(actual) !== JSON.stringify(expected))
      problems.push(`${fn.name}: ${what} is ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`);
  };
  expect('EventSourceArn', resourceLabel(p.EventSourceArn), `${fn.table}.StreamArn`);
  expect('source table type', resources[fn.table]?.Type, 'AWS::DynamoDB::Table');
  expect('BatchSize', p.BatchSize, fn.stream.batchSize);
  expect('MaximumBatchingWindowInSeconds', p.MaximumBatchingWindowInSeconds, fn.stream.batchWindow);
  expect('StartingPosition', p.StartingPosition, fn.stream.startingPosition);
  expect('MaximumRetryAttempts', p.MaximumRetryAttempts, fn.stream.maximumRetryAttempts);
  expect('MaximumRecordAgeInSeconds', p.MaximumRecordAgeInSeconds, fn.stream.maximumRecordAgeInSeconds);
  expect('ParallelizationFactor', p.ParallelizationFactor, fn.stream.parallelizationFactor);
  expect('Enabled', p.Enabled, true);
  expect('FunctionResponseTypes', p.FunctionResponseTypes, ['ReportBatchItemFailures']);
  expect('BisectBatchOnFunctionError', p.BisectBatchOnFunctionError, true);
  expect('on-failure destination', resourceLabel(p.DestinationConfig?.OnFailure?.Destination), `${fn.queue}.Arn`);
  expect('on-failure destination type', resources[fn.queue]?.Type, 'AWS::SQS::Queue');
  const filters = asList(p.FilterCriteria?.Filters as { Pattern: string }[] | undefined).map(
    (filter) => JSON.parse(filter.Pattern) as unknown,
  );
  if (filters.length === 0) problems.push(`${fn.name}: no filter pattern`);
  expect('filter patterns', filters, fn.stream.filterPatterns);
  // -1 would mean "until the record expires": 24 hours of a blocked shard.
  if (!(p.MaximumRetryAttempts >= 0 && p.MaximumRetryAttempts <= 10_000))
    problems.push(`${fn.name}: retries ${p.MaximumRetryAttempts} not in 0..10000`);
  if (!(p.MaximumRecordAgeInSeconds >= 60 && p.MaximumRecordAgeInSeconds <= 604_800))
    problems.push(`${fn.name}: record age ${p.MaximumRecordAgeInSeconds} not in 60..604800`);
  if (!(p.BatchSize >= 1 && p.BatchSize <= 10_000)) problems.push(`${fn.name}: batch size ${p.BatchSize} not in 1..10000`);
  if (!(p.MaximumBatchingWindowInSeconds >= 0 && p.MaximumBatchingWindowInSeconds <= 300))
    problems.push(`${fn.name}: batch window not in 0..300`);
  return problems;
}

/**
 * What breaks least privilege for one stream function's role; empty when it holds. Its own log group only; stream
 * reads on its own table's stream only; ListStreams (no resource type in IAM) on "*" only, in a statement of its
 * own; SendMessage to its own queue only; writes and reads only on tables named in its environment; no wildcard
 * actions, no "*" resource on anything else, no NotAction/NotResource, no managed policy, assumable by Lambda only.
 */
export function roleProblems(
  resources: Resources,
  fn: StreamFunction,
  service: string,
  stage: string,
  tableIdByName: Record<string, string>,
): string[] {
  const problems: string[] = [];
  const role = resources[fn.role];
  if (role?.Type !== 'AWS::IAM::Role') return [`${fn.name}: role ${fn.role} is not an AWS::IAM::Role of the template`];
  if (resourceLabel(resources[fn.logicalId]?.Properties.Role) !== `${fn.role}.Arn`)
    problems.push(`${fn.name}: does not run with its role ${fn.role}`);
  if ((role.Properties.ManagedPolicyArns ?? []).length > 0) problems.push(`${fn.name}: role has managed policies`);
  const trust = JSON.stringify(role.Properties.AssumeRolePolicyDocument?.Statement);
  if (trust !== JSON.stringify([{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }])) {
    problems.push(`${fn.name}: role is assumable by more than Lambda: ${trust}`);
  }
  const statements = statementsOf(resources, fn.role);
  for (const statement of statements) {
    if (statement.Effect !== 'Allow' || statement.NotAction !== undefined || statement.NotResource !== undefined) {
      problems.push(`${fn.name}: statement ${statement.Sid ?? '?'} is not a plain Allow`);
    }
  }
  const grants = grantsOf(resources, fn.role);
  const has = (action: string, expected: string[]) => {
    if (JSON.stringify(grants[action] ?? []) !== JSON.stringify([...expected].sort())) {
      problems.push(`${fn.name}: ${action} on ${JSON.stringify(grants[action] ?? [])}, expected ${JSON.stringify(expected)}`);
    }
  };
  const logGroup = `arn:\${AWS::Partition}:logs:\${AWS::Region}:\${AWS::AccountId}:log-group:/aws/lambda/${service}-${stage}-${fn.name}:*`;
  has('logs:CreateLogStream', [logGroup]);
  has('logs:PutLogEvents', [logGroup]);
  for (const action of STREAM_READ_ACTIONS) has(action, [`${fn.table}.StreamArn`]);
  has('dynamodb:ListStreams', ['*']);
  const listStatements = statements.filter((statement) => asList(statement.Action).includes('dynamodb:ListStreams'));
  if (listStatements.some((statement) => asList(statement.Action).length !== 1))
    problems.push(`${fn.name}: ListStreams shares a statement ("*" would widen the others)`);
  has('sqs:SendMessage', [`${fn.queue}.Arn`]);
  for (const action of Object.keys(grants)) {
    if (action.includes('*')) problems.push(`${fn.name}: wildcard action ${action}`);
    if (action.startsWith('sqs:') && action !== 'sqs:SendMessage') problems.push(`${fn.name}: may ${action}`);
    if (action !== 'dynamodb:ListStreams' && grants[action]!.some((resource) => resource === '*'))
      problems.push(`${fn.name}: ${action} on "*"`);
    if (!action.startsWith('logs:') && grants[action]!.some((resource) => resource !== '*' && resource.includes('*'))) {
      problems.push(`${fn.name}: ${action} on a wildcard resource`);
    }
  }
  const streams = Object.values(grants)
    .flat()
    .filter((resource) => resource.endsWith('.StreamArn'));
  if (streams.some((resource) => resource !== `${fn.table}.StreamArn`))
    problems.push(`${fn.name}: may read another table's stream: ${streams.join(', ')}`);
  const named = new Set(Object.values(fn.tableEnv).map((name) => `${tableIdByName[name] ?? `<undeclared table ${name}>`}.Arn`));
  const dataActions = Object.entries(grants).filter(
    ([action]) => action.startsWith('dynamodb:') && action !== 'dynamodb:ListStreams' && !STREAM_READ_ACTIONS.includes(action),
  );
  for (const [action, on] of dataActions) {
    for (const resource of on)
      if (!named.has(resource)) problems.push(`${fn.name}: ${action} on ${resource}, a table not named in its environment`);
  }
  for (const action of WRITE_ACTIONS)
    for (const resource of grants[action] ?? [])
      if (resource === `${fn.table}.Arn`) problems.push(`${fn.name}: writes its own source table`);
  return problems;
}

/** What breaks the deployed function's own settings; empty when they hold. */
export function functionProblems(resources: Resources, fn: StreamFunction, stage: string, tableIdByName: Record<string, string>): string[] {
  const resource = resources[fn.logicalId];
  if (!resource) return [`${fn.name}: no Lambda function in the template (${fn.logicalId})`];
  const { Runtime, Environment } = resource.Properties;
  const problems: string[] = [];
  if (Runtime !== 'nodejs22.x') problems.push(`${fn.name}: runtime ${Runtime}`);
  // A deployed stage talks to AWS, never to a local endpoint.
  if (Environment?.Variables?.DYNAMODB_ENDPOINT !== '')
    problems.push(`${fn.name}: DYNAMODB_ENDPOINT is ${Environment?.Variables?.DYNAMODB_ENDPOINT}`);
  for (const [name, value] of Object.entries(Environment?.Variables ?? {}).filter(([key]) => key.endsWith('_TABLE'))) {
    if (typeof value !== 'string' || !value.endsWith(`-${stage}`))
      problems.push(`${fn.name}: ${name} is not a literal stage-suffixed name`);
    else if (!tableIdByName[value]) problems.push(`${fn.name}: ${name} names ${value}, which no table of the template has`);
  }
  return problems;
}

/** Table logical ID by literal table name. */
export const tableIdsByName = (resources: Resources): Record<string, string> =>
  Object.fromEntries(ofType(resources, 'AWS::DynamoDB::Table').map(([id, resource]) => [String(resource.Properties.TableName), id]));

/**
 * What puts data at risk for one table; empty when safe: encrypted, billed per request, a literal stage-suffixed
 * name, retained on stack deletion and on replacement; a source table also has point-in-time recovery,
 * a NEW_AND_OLD_IMAGES stream and deletion protection.
 */
export function tableProblems(resources: Resources, id: string, stage: string, isSource: boolean): string[] {
  const table = resources[id]!;
  const p = table.Properties;
  const problems: string[] = [];
  if (p.SSESpecification?.SSEEnabled !== true) problems.push(`${id}: not encrypted`);
  if (p.BillingMode !== 'PAY_PER_REQUEST') problems.push(`${id}: billing ${p.BillingMode}`);
  if (typeof p.TableName !== 'string' || !p.TableName.endsWith(`-${stage}`))
    problems.push(`${id}: name ${JSON.stringify(p.TableName)} is not literal and stage-suffixed`);
  if (table.DeletionPolicy !== 'Retain') problems.push(`${id}: DeletionPolicy ${table.DeletionPolicy}`);
  if (table.UpdateReplacePolicy !== 'Retain') problems.push(`${id}: UpdateReplacePolicy ${table.UpdateReplacePolicy}`);
  if (isSource) {
    if (p.PointInTimeRecoverySpecification?.PointInTimeRecoveryEnabled !== true) problems.push(`${id}: no point-in-time recovery`);
    if (p.StreamSpecification?.StreamViewType !== 'NEW_AND_OLD_IMAGES')
      problems.push(`${id}: stream ${p.StreamSpecification?.StreamViewType}`);
    if (p.DeletionProtectionEnabled !== true) problems.push(`${id}: no deletion protection`);
  }
  return problems;
}

/** What is wrong with one queue; empty when it is encrypted, literally named with the stage, and retained. */
export function queueProblems(resources: Resources, id: string, service: string, stage: string): string[] {
  const queue = resources[id]!;
  const problems: string[] = [];
  if (!(queue.Properties.SqsManagedSseEnabled === true || typeof queue.Properties.KmsMasterKeyId === 'string'))
    problems.push(`${id}: not encrypted`);
  if (!new RegExp(`^${service}-${stage}-[a-z0-9-]+-dlq$`).test(String(queue.Properties.QueueName)))
    problems.push(`${id}: name ${queue.Properties.QueueName}`);
  if (queue.DeletionPolicy !== 'Retain') problems.push(`${id}: DeletionPolicy ${queue.DeletionPolicy}`);
  if (queue.UpdateReplacePolicy !== 'Retain') problems.push(`${id}: UpdateReplacePolicy ${queue.UpdateReplacePolicy}`);
  return problems;
}

/** Every invariant of the template at once, for a check of a whole project (for example after `npm run new-stream`). */
export function templateProblems(resources: Resources, config: ServerlessConfig): string[] {
  const functions = streamFunctions(config, resources);
  const ids = tableIdsByName(resources);
  const sources = sourceTables(functions);
  const roles = functions.map((fn) => fn.role);
  return [
    ...(functions.length === 0 ? ['no stream function found'] : []),
    ...(new Set(roles).size !== roles.length ? [`roles shared between functions: ${roles.join(', ')}`] : []),
    ...functions.flatMap((fn) => [
      ...mappingProblems(resources, fn),
      ...roleProblems(resources, fn, config.service, config.stage, ids),
      ...functionProblems(resources, fn, config.stage, ids),
    ]),
    ...ofType(resources, 'AWS::DynamoDB::Table').flatMap(([id]) => tableProblems(resources, id, config.stage, sources.includes(id))),
    ...ofType(resources, 'AWS::SQS::Queue').flatMap(([id]) => queueProblems(resources, id, config.service, config.stage)),
  ];
}
