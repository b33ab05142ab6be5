import { describe, expect, it } from 'vitest';
import { planConfigReload, type ConfigReloadPlan } from '../../lib/local/stack/config-reload-plan.js';
import type { StackConfig } from '../../lib/local/stack/stack-config.js';

/** A one-function, one-table serverless.yml as the stack reads it; `change` edits a fresh copy. */
function config(change: (c: StackConfig) => void = () => undefined): StackConfig {
  const c: StackConfig = {
    service: 'svc',
    stage: 'local',
    region: 'us-east-1',
    provider: { runtime: 'nodejs22.x', timeout: 10, environment: { LOG_LEVEL: 'info' } },
    functions: {
      fn: {
        handler: 'functions/fn.handler',
        environment: { SECRET_TOKEN: 'one' },
        events: [{ stream: { type: 'dynamodb', arn: { 'Fn::GetAtt': ['Table', 'StreamArn'] }, batchSize: 10 } }],
      },
    },
    resources: {
      Table: {
        Type: 'AWS::DynamoDB::Table',
        Properties: {
          TableName: 'table-local',
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
          KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
          StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
        },
      },
    },
    esbuild: undefined,
  };
  change(c);
  return c;
}

const stream = (c: StackConfig) => (c.functions.fn!.events as { stream: Record<string, unknown> }[])[0]!.stream;
const options = { running: ['fn'], recreateCommand: (t: string) => `npm start -- --recreate ${t}`, restartCommand: 'restart npm start' };
const summary = (plan: ConfigReloadPlan) =>
  plan.kind === 'changes'
    ? {
        reload: plan.reload.map(({ functionName, changes, runnerChanged }) => ({ functionName, changes, runnerChanged })),
        restart: plan.restart.map((n) => `${n.subject}: ${n.remedy}`),
      }
    : plan.kind === 'invalid'
      ? { invalid: { functionName: plan.functionName, setting: plan.setting, errorName: plan.error.name } }
      : { unchanged: true };

describe('planConfigReload', () => {
  it.each<{ name: string; change: (c: StackConfig) => void; expected: ReturnType<typeof summary> }>([
    { name: 'nothing changed', change: () => undefined, expected: { unchanged: true } },
    {
      name: 'batch size and filter: the mapping restarts, the runner stays',
      change: (c) => Object.assign(stream(c), { batchSize: 50, filterPatterns: [{ eventName: ['INSERT'] }] }),
      expected: {
        reload: [
          {
            functionName: 'fn',
            changes: [
              { setting: 'batchSize', event: 0, from: 10, to: 50 },
              { setting: 'filterPatterns', event: 0, from: [], to: [{ eventName: ['INSERT'] }] },
            ],
            runnerChanged: false,
          },
        ],
        restart: [],
      },
    },
    {
      name: 'provider timeout and an environment value: the runner is replaced, values stay out of the change',
      change: (c) => {
        c.provider.timeout = 20;
        c.functions.fn!.environment = { SECRET_TOKEN: 'two' };
      },
      expected: {
        reload: [
          {
            functionName: 'fn',
            changes: [
              { setting: 'timeout', from: 10, to: 20 },
              { setting: 'environment', variables: ['SECRET_TOKEN'] },
            ],
            runnerChanged: true,
          },
        ],
        restart: [],
      },
    },
    {
      name: 'enabled false',
      change: (c) => Object.assign(stream(c), { enabled: false }),
      expected: {
        reload: [{ functionName: 'fn', changes: [{ setting: 'enabled', event: 0, from: true, to: false }], runnerChanged: false }],
        restart: [],
      },
    },
    {
      name: 'starting position: restart, with the checkpoints named',
      change: (c) => Object.assign(stream(c), { startingPosition: 'LATEST' }),
      expected: {
        reload: [],
        restart: [
          'function fn, stream event 0: restart npm start after deleting its checkpoints under .local/checkpoints/ ' +
            '(records may be delivered again or skipped)',
        ],
      },
    },
    {
      name: 'a table definition: --recreate that table',
      change: (c) => (c.resources.Table!.Properties!.TimeToLiveSpecification = { AttributeName: 'expiresAt', Enabled: true }),
      expected: { reload: [], restart: ['table table-local: npm start -- --recreate table-local'] },
    },
    {
      name: 'a new function with a stream event',
      change: (c) => (c.functions.other = { ...c.functions.fn! }),
      expected: { reload: [], restart: ['function other: restart npm start'] },
    },
    {
      name: 'a removed function',
      change: (c) => delete c.functions.fn,
      expected: { reload: [], restart: ['function fn: restart npm start'] },
    },
    {
      name: 'a handler',
      change: (c) => (c.functions.fn!.handler = 'functions/other.handler'),
      expected: { reload: [], restart: ['function fn: restart npm start'] },
    },
    {
      name: 'an out-of-range batch size: refused, naming the setting',
      change: (c) => Object.assign(stream(c), { batchSize: 0 }),
      expected: { invalid: { functionName: 'fn', setting: 'batchSize', errorName: 'InvalidSettingError' } },
    },
    {
      name: 'a memory size Lambda refuses',
      change: (c) => (c.functions.fn!.memorySize = 64),
      expected: { invalid: { functionName: 'fn', setting: 'memorySize', errorName: 'InvalidSettingError' } },
    },
  ])('$name', ({ change, expected }) => {
    // Prepare
    const before = config();
    const after = config(change);
    // Act
    const plan = planConfigReload(before, after, options);
    // Assess
    expect(summary(plan)).toEqual(expected);
  });
});
