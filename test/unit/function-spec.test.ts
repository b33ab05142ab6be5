import { InvalidSettingError } from '../../lib/mapping/errors.js';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { functionSpec, handlerFileOf, HANDLER_EXTENSIONS, readFunctionSpecs } from '../../lib/mapping/function-spec.js';
import { readServerlessConfig, type ServerlessConfig } from '../../lib/mapping/serverless-config.js';
import { ConfigurationError } from '../../lib/runtime/errors.js';
import { CommandUsageError } from '../../lib/mapping/errors.js';

const streamed = { StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' } };
const resources: ServerlessConfig['resources'] = {
  ItemsTable: { Type: 'AWS::DynamoDB::Table', Properties: { TableName: 'items-t', ...streamed } },
  ItemsQueue: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'items-dlq' } },
  ItemsTopic: { Type: 'AWS::SNS::Topic', Properties: { TopicName: 'items-alerts' } },
  WorkerRole: { Type: 'AWS::IAM::Role', Properties: { RoleName: 'worker-role' } },
};
const getAtt = { 'Fn::GetAtt': ['ItemsTable', 'StreamArn'] };

/** A project folder with a handler file of the given extension, and a config of one function `worker`. */
function project(fn: Record<string, unknown>, provider: Record<string, unknown> = {}, extension = '.ts') {
  const dir = mkdtempSync(join(tmpdir(), 'function-spec-'));
  mkdirSync(join(dir, 'src'));
  writeFileSync(join(dir, 'src', `worker${extension}`), 'export const handler = () => undefined;\n');
  const config: ServerlessConfig = {
    service: 'svc',
    stage: 'dev',
    region: 'eu-west-1',
    provider,
    functions: { worker: { handler: 'src/worker.handler', ...fn } },
    resources,
  };
  return { dir, config };
}

describe('readFunctionSpecs on the project serverless.yml', () => {
  it.each(['booksStream', 'ordersStream'])('reads %s as the file declares it', (key) => {
    // Prepare: expectations come from the file itself
    const config = readServerlessConfig({ stage: 'unit' });
    const fn = config.functions[key]!;
    // Act
    const spec = readFunctionSpecs(config).find((s) => s.key === key)!;
    // Assess
    expect(spec.deployedName).toBe(`ddb-streams-unit-${key}`);
    expect(spec.handler.text).toBe(fn.handler);
    expect(spec.handler.file).toBe(`${spec.handler.module}.ts`);
    expect(spec.role).toEqual({ kind: 'resource', logicalId: fn.role, from: 'function' });
    expect(spec.streamMappings).toHaveLength(1);
    expect(spec.streamMappings[0]).toMatchObject({ functionName: key, deployedName: spec.deployedName });
    expect(spec.sourceTable?.tableName).toBe(spec.streamMappings[0]!.tableName);
    expect(spec.onFailure).toMatchObject({ type: 'sqs' });
    expect(spec.environment).toMatchObject(fn.environment as Record<string, string>);
  });
});

describe('a function spec', () => {
  it.each([
    ['Serverless defaults', {}, {}, { timeoutSeconds: 6, memorySizeMb: 1024, runtime: 'nodejs22.x' }],
    [
      'the provider settings',
      {},
      { timeout: 30, memorySize: 512, runtime: 'nodejs20.x' },
      { timeoutSeconds: 30, memorySizeMb: 512, runtime: 'nodejs20.x' },
    ],
    [
      'the function settings first',
      { timeout: 9, memorySize: 256, runtime: 'nodejs22.x' },
      { timeout: 30, memorySize: 512 },
      { timeoutSeconds: 9, memorySizeMb: 256, runtime: 'nodejs22.x' },
    ],
    ['the deployed name as Serverless makes it', {}, {}, { deployedName: 'svc-dev-worker' }],
    ["the function's own name", { name: 'custom' }, {}, { deployedName: 'custom' }],
    [
      'provider then function environment',
      { environment: { B: 'fn', C: 3 } },
      { environment: { A: 'p', B: 'p' } },
      { environment: { A: 'p', B: 'fn', C: '3' } },
    ],
  ])('takes %s', (_name, fn, provider, expected) => {
    // Prepare
    const { dir, config } = project(fn, provider);
    // Act
    const spec = functionSpec(config, 'worker', { projectDir: dir });
    // Assess
    expect(spec).toMatchObject(expected);
  });

  it.each(HANDLER_EXTENSIONS.map((extension) => [extension]))('finds a handler written in %s', (extension) => {
    // Prepare
    const { dir, config } = project({}, {}, extension);
    // Act
    const spec = functionSpec(config, 'worker', { projectDir: dir });
    // Assess
    expect(spec.handler).toEqual({ text: 'src/worker.handler', module: 'src/worker', export: 'handler', file: `src/worker${extension}` });
    expect(handlerFileOf(spec)).toBe(`src/worker${extension}`);
  });

  it('has no file for a handler that does not exist, and says which when one is needed', () => {
    // Prepare
    const { dir, config } = project({ handler: 'src/missing.main' });
    // Act
    const spec = functionSpec(config, 'worker', { projectDir: dir });
    // Assess
    expect(spec.handler.file).toBeUndefined();
    expect(() => handlerFileOf(spec)).toThrow(/functions\.worker\.handler is src\/missing\.main, but src\/missing\.ts/);
  });

  it.each([['no-dot'], ['trailing.'], [42], [undefined]])('refuses the handler %j', (handler) => {
    // Prepare
    const { dir, config } = project({ handler });
    // Act / Assess
    expect(() => functionSpec(config, 'worker', { projectDir: dir })).toThrow(
      /functions\.worker\.handler must look like path\/file\.export/,
    );
  });

  it.each([[0], [901], ['10']])('refuses the timeout %j, naming the setting', (timeout) => {
    // Prepare
    const { dir, config } = project({ timeout });
    // Act
    const read = () => functionSpec(config, 'worker', { projectDir: dir });
    // Assess
    expect(read).toThrow(InvalidSettingError);
    expect(read).toThrow('function "worker": timeout must be 1 to 900 seconds');
  });

  it.each([
    ['!GetAtt as a list', { stream: { type: 'dynamodb', arn: getAtt } }],
    ['!GetAtt in its string form', { stream: { type: 'dynamodb', arn: { 'Fn::GetAtt': 'ItemsTable.StreamArn' } } }],
    ['a literal stream ARN', { stream: 'arn:aws:dynamodb:eu-west-1:1:table/items-t/stream/2026-01-01T00:00:00.000' }],
  ])('reads the source table of a stream event written with %s', (_name, event) => {
    // Prepare
    const { dir, config } = project({ events: [event, { http: { path: '/' } }] });
    // Act
    const spec = functionSpec(config, 'worker', { projectDir: dir });
    // Assess
    expect(spec.sourceTable).toEqual({ logicalId: 'ItemsTable', tableName: 'items-t' });
    expect(spec.streamMappings).toHaveLength(1);
  });

  it('has no source table and no mappings without a stream event', () => {
    // Prepare
    const { dir, config } = project({ events: [{ http: { path: '/' } }] });
    // Act
    const spec = functionSpec(config, 'worker', { projectDir: dir });
    // Assess
    expect([spec.sourceTable, spec.streamMappings, spec.onFailure]).toEqual([undefined, [], undefined]);
  });

  it.each([
    ['an SQS ARN', 'arn:aws:sqs:eu-west-1:1:named-dlq', { type: 'sqs', name: 'named-dlq' }],
    ['an SNS ARN', 'arn:aws:sns:eu-west-1:1:alerts', { type: 'sns', name: 'alerts' }],
    ['an S3 ARN', 'arn:aws:s3:::failures', { type: 's3', name: 'failures' }],
    ['a queue of resources', { 'Fn::GetAtt': ['ItemsQueue', 'Arn'] }, { target: 'ItemsQueue', type: 'sqs', name: 'items-dlq' }],
    ['a topic of resources', { Ref: 'ItemsTopic' }, { target: 'ItemsTopic', type: 'sns', name: 'items-alerts' }],
  ])('names the on-failure destination given as %s', (_name, arn, expected) => {
    // Prepare
    const { dir, config } = project({ events: [{ stream: { type: 'dynamodb', arn: getAtt, destinations: { onFailure: { arn } } } }] });
    // Act
    const spec = functionSpec(config, 'worker', { projectDir: dir });
    // Assess
    expect(spec.onFailure).toMatchObject(expected);
  });

  it.each([
    ['a role of resources by logical id', { role: 'WorkerRole' }, {}, { kind: 'resource', logicalId: 'WorkerRole', from: 'function' }],
    [
      'a role of resources by !GetAtt',
      { role: { 'Fn::GetAtt': ['WorkerRole', 'Arn'] } },
      {},
      { kind: 'resource', logicalId: 'WorkerRole' },
    ],
    ['a role of resources by ARN', { role: 'arn:aws:iam::1:role/path/worker-role' }, {}, { kind: 'resource', logicalId: 'WorkerRole' }],
    ['the provider role', {}, { iam: { role: 'WorkerRole' } }, { kind: 'resource', logicalId: 'WorkerRole', from: 'provider' }],
    [
      'a role defined elsewhere',
      { role: 'arn:aws:iam::1:role/elsewhere' },
      {},
      { kind: 'external', declared: 'arn:aws:iam::1:role/elsewhere' },
    ],
    [
      'the default role',
      {},
      { iam: { role: { statements: [{ Effect: 'Allow' }] } } },
      { kind: 'default', name: 'svc-dev-eu-west-1-lambdaRole', statementsPath: 'provider.iam.role.statements' },
    ],
    [
      'the default role, older form',
      {},
      { iamRoleStatements: [] },
      { kind: 'default', statements: [], statementsPath: 'provider.iamRoleStatements' },
    ],
  ])('knows the role: %s', (_name, fn, provider, expected) => {
    // Prepare
    const { dir, config } = project(fn, provider);
    // Act
    const spec = functionSpec(config, 'worker', { projectDir: dir });
    // Assess
    expect(spec.role).toMatchObject(expected);
  });
});

describe('functionSpec by name', () => {
  it('finds a function by its key', () => {
    // Prepare
    const { dir, config } = project({});
    // Act / Assess
    expect(functionSpec(config, 'worker', { projectDir: dir }).key).toBe('worker');
  });

  it('finds a function by its key in kebab case', () => {
    // Prepare
    const config = readServerlessConfig({ stage: 'unit' });
    // Act / Assess
    expect(functionSpec(config, 'orders-stream').key).toBe('ordersStream');
  });

  it.each([
    [{}, /has no function "nope"; the functions are: booksStream, ordersStream/],
    [{ withStreamEvent: true }, /has no function "nope"; functions with a stream event: booksStream, ordersStream/],
  ])('refuses an unknown function as a usage error that lists the known ones (%j)', (options, message) => {
    // Prepare
    const config = readServerlessConfig({ stage: 'unit' });
    // Act
    const read = () => functionSpec(config, 'nope', options);
    // Assess
    expect(read).toThrow(CommandUsageError);
    expect(read).toThrow(message);
  });

  it('refuses a function without a stream event when one is needed', () => {
    // Prepare
    const { dir, config } = project({});
    // Act
    const read = () => functionSpec(config, 'worker', { projectDir: dir, withStreamEvent: true });
    // Assess
    expect(read).toThrow(ConfigurationError);
    expect(read).toThrow('function "worker" has no DynamoDB stream event');
  });
});
