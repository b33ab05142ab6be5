import { readJsonLines } from '../support/read-json-lines.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDynamoDBClient } from '../../lib/runtime/dynamodb/client.js';
import { runtimeMajor } from '../../lib/local/runner/lambda-node.js';
import { startLocalStack, type LocalStack } from '../../lib/local/stack/local-stack.js';
import { loadStackConfig, type StackConfig } from '../../lib/local/stack/stack-config.js';
import { captureLogger } from '../support/capture-logger.js';
import { uniqueStage } from '../support/dynamodb.js';
import { observedTable } from './fixtures/observed-table.js';
import { until } from '../support/until.js';

const projectDir = resolve(__dirname, '..', '..');

/** Two observers of one table: one on the provider's runtime, one declaring its own. */
function twoRuntimes(stage: string, observerFile: string): StackConfig {
  const config = loadStackConfig({ projectDir, stage });
  config.resources = { ObservedTable: observedTable(stage) };
  const observer = (runtime?: string) => ({
    handler: 'test/e2e/fixtures/observer.handler',
    timeout: 10,
    ...(runtime ? { runtime } : {}),
    environment: { OBSERVER_FILE: observerFile },
    events: [{ stream: { type: 'dynamodb', arn: { 'Fn::GetAtt': ['ObservedTable', 'StreamArn'] }, startingPosition: 'TRIM_HORIZON' } }],
  });
  config.provider = { ...config.provider, runtime: 'nodejs22.x' };
  config.functions = { onProviderRuntime: observer(), onNode20: observer('nodejs20.x') };
  return config;
}

describe('local stack: each function runs on its own runtime', { timeout: 180_000 }, () => {
  const stage = uniqueStage('rt');
  const work = mkdtempSync(join(tmpdir(), 'function-runtime-'));
  const observerFile = join(work, 'observed.jsonl');
  let stack: LocalStack;

  beforeAll(async () => {
    stack = await startLocalStack({
      projectDir,
      config: twoRuntimes(stage, observerFile),
      port: 0,
      inMemory: true,
      stateDir: work,
      ttlIntervalMs: 0,
      watch: false,
      iam: false,
      logger: captureLogger('info').logger,
      handlerOutput: () => undefined,
    });
  }, 240_000);

  afterAll(async () => {
    await stack?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it.each([
    { functionName: 'onProviderRuntime', runtime: 'nodejs22.x' },
    { functionName: 'onNode20', runtime: 'nodejs20.x' },
  ])('$functionName (runtime $runtime) runs on that Node.js major', async ({ functionName, runtime }) => {
    // Prepare
    const client = createDynamoDBClient({ endpoint: stack.endpoint });
    const deployedName = `ddb-streams-${stage}-${functionName}`;
    // Act
    await client.send(new PutItemCommand({ TableName: `observed-${stage}`, Item: { pk: { S: functionName } } }));
    client.destroy();
    const seen = await until(
      () => readJsonLines<{ functionName: string; nodeVersion: string }>(observerFile).find((line) => line.functionName === deployedName),
      60_000,
      `a record delivered to ${functionName}`,
    );
    // Assess
    expect(Number(/^v(\d+)\./.exec(seen.nodeVersion)?.[1])).toBe(runtimeMajor(runtime));
  });
});
