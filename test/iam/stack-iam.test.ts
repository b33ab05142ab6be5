import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MappingPermissionError } from '../../lib/local/errors.js';
import { createLogger } from '../../lib/runtime/logging/logger.js';
import { startLocalStack } from '../../lib/local/stack/local-stack.js';
import { loadStackConfig, type StackConfig } from '../../lib/local/stack/stack-config.js';
import { parseStackOptionsEnv, parseStartArguments } from '../../lib/tools/start/stack-options.js';
import { dynamodbEndpoint, uniqueStage } from '../support/dynamodb.js';

const projectDir = resolve(__dirname, '..', '..');
const work = mkdtempSync(join(tmpdir(), 'stack-iam-'));

afterAll(() => rmSync(work, { recursive: true, force: true }));

/** serverless.yml for a fresh stage, with BooksStreamRole's stream statement reduced to the given actions. */
function configWithStreamActions(stage: string, actions: string[]): StackConfig {
  const config = loadStackConfig({ projectDir, stage });
  const policy = (
    config.resources.BooksStreamRole!.Properties!.Policies as { PolicyDocument: { Statement: { Sid: string; Action: string[] }[] } }[]
  )[0]!;
  policy.PolicyDocument.Statement.find((s) => s.Sid === 'ReadOwnStream')!.Action = actions;
  return config;
}

// The test run's DynamoDB Local answers at its port, so the stack uses it instead of starting a JVM.
const start = (config: StackConfig, iam?: boolean) =>
  startLocalStack({
    projectDir,
    config,
    port: Number(new URL(dynamodbEndpoint()).port),
    stateDir: join(work, config.stage),
    inMemory: true,
    watch: false,
    ttlIntervalMs: 0,
    ...(iam === undefined ? {} : { iam }),
    logger: createLogger({ level: 'silent' }),
    handlerOutput: () => undefined,
  });

describe('local stack start-up with IAM', { timeout: 120_000 }, () => {
  it('fails the start when a role cannot GetRecords on its stream, naming the function, action and stream', async () => {
    // Prepare
    const stage = uniqueStage('iamst');
    const config = configWithStreamActions(stage, ['dynamodb:DescribeStream', 'dynamodb:GetShardIterator', 'dynamodb:ListStreams']);
    // Act
    const failure = await start(config).then(
      async (stack) => {
        await stack.stop();
        return undefined;
      },
      (error: unknown) => error,
    );
    // Assess
    expect(failure).toBeInstanceOf(MappingPermissionError);
    expect((failure as Error).name).toBe('MappingPermissionError');
    expect((failure as Error).message).toContain('function booksStream');
    expect((failure as Error).message).toContain('dynamodb:GetRecords');
    expect((failure as Error).message).toMatch(new RegExp(`arn:aws:dynamodb:us-east-1:000000000000:table/books-${stage}/stream/\\S+`));
    expect((failure as Error).message).not.toContain('dynamodb:DescribeStream on');
  });

  it('starts with the same role when IAM is turned off', async () => {
    // Prepare
    const config = configWithStreamActions(uniqueStage('iamoff'), ['dynamodb:DescribeStream']);
    // Act
    const stack = await start(config, false);
    // Assess
    try {
      expect(stack.mappings.map((m) => m.functionName)).toEqual(['booksStream', 'ordersStream']);
    } finally {
      await stack.stop();
    }
  });
});

describe('turning local IAM off', () => {
  it.each<[string, string[], NodeJS.ProcessEnv, boolean | undefined]>([
    ['on by default', [], {}, undefined],
    ['--no-iam', ['--no-iam'], {}, false],
    ['LOCAL_IAM=off', [], { LOCAL_IAM: 'off' }, false],
    ['LOCAL_IAM=false', [], { LOCAL_IAM: 'false' }, false],
    ['LOCAL_IAM=on', [], { LOCAL_IAM: 'on' }, true],
  ])('%s', (_name, argv, env, expected) => {
    // Act
    const { stack } = parseStartArguments(argv, env);
    const fromPlugin = parseStackOptionsEnv(env);
    // Assess
    expect(stack.iam).toBe(expected);
    expect(fromPlugin.iam).toBe(argv.length === 0 ? expected : undefined);
  });

  it('refuses a LOCAL_IAM that is neither on nor off', () => {
    // Act
    const parse = () => parseStartArguments([], { LOCAL_IAM: 'maybe' });
    // Assess
    expect(parse).toThrow(/LOCAL_IAM must be on or off/);
  });
});
