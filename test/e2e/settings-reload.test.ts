import { readJsonLines } from '../support/read-json-lines.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDynamoDBClient } from '../../lib/runtime/dynamodb/client.js';
import { startLocalStack, type LocalStack } from '../../lib/local/stack/local-stack.js';
import { captureLogger } from '../support/capture-logger.js';
import { uniqueStage } from '../support/dynamodb.js';
import { copyProject, type ProjectCopy } from '../support/fixture-project-copy.js';
import { until } from '../support/until.js';

interface Observed {
  eventName: string;
  keys: { pk: { S: string } };
}

interface Edit {
  batchSize?: number;
  prefix?: string;
  startingPosition?: string;
  /** A second attribute definition and index: a changed table definition. */
  withIndex?: boolean;
  memorySize?: number;
}

const INDEX = `        GlobalSecondaryIndexes:
          - IndexName: bySk
            KeySchema:
              - { AttributeName: sk, KeyType: HASH }
            Projection: { ProjectionType: KEYS_ONLY }
`;

const pattern = (prefix: string) => ({ dynamodb: { Keys: { pk: { S: [{ prefix }] } } } });

/** serverless.yml of the copy: one small table with a stream, observed by a handler that writes what it gets. */
function serverlessYml(observerFile: string, edit: Edit = {}): string {
  const { batchSize = 10, prefix = 'a', startingPosition = 'TRIM_HORIZON', withIndex = false, memorySize = 256 } = edit;
  return `service: reload
frameworkVersion: '>=3'
provider:
  name: aws
  runtime: nodejs22.x
  stage: \${opt:stage, 'local'}
  region: us-east-1
  timeout: 10
functions:
  observer:
    handler: test/e2e/fixtures/observer.handler
    memorySize: ${memorySize}
    environment:
      OBSERVER_FILE: ${observerFile}
    events:
      - stream:
          type: dynamodb
          arn: !GetAtt ObservedTable.StreamArn
          batchSize: ${batchSize}
          startingPosition: ${startingPosition}
          filterPatterns:
            - dynamodb:
                Keys:
                  pk:
                    S:
                      - prefix: ${prefix}
resources:
  Resources:
    ObservedTable:
      Type: AWS::DynamoDB::Table
      Properties:
        TableName: observed-\${sls:stage}
        BillingMode: PAY_PER_REQUEST
        AttributeDefinitions:
          - { AttributeName: pk, AttributeType: S }
${withIndex ? '          - { AttributeName: sk, AttributeType: S }\n' : ''}        KeySchema:
          - { AttributeName: pk, KeyType: HASH }
${withIndex ? INDEX : ''}        StreamSpecification:
          StreamViewType: NEW_AND_OLD_IMAGES
`;
}

// A busy machine makes JVM starts and cold starts slow: generous limits, no time assertions.
describe('npm start applies serverless.yml changes while it runs', { timeout: 180_000 }, () => {
  const stage = uniqueStage('rl');
  const capture = captureLogger('info');
  let copy: ProjectCopy;
  let observerFile: string;
  let stack: LocalStack;
  let client: DynamoDBClient;

  const observed = (): Observed[] => readJsonLines<Observed>(observerFile);
  const timesSeen = (pk: string) => observed().filter((o) => o.keys.pk.S === pk).length;
  const put = (pk: string) => client.send(new PutItemCommand({ TableName: `observed-${stage}`, Item: { pk: { S: pk } } }));
  const edit = (changes: Edit) => writeFileSync(join(copy.dir, 'serverless.yml'), serverlessYml(observerFile, changes));
  /** The structured lines of one event written after `since` lines. */
  const events = (event: string, since: number) =>
    capture
      .lines()
      .slice(since)
      .filter((line) => line.event === event);
  /** Waits for the first line of an event written after `since` lines. */
  const first = (event: string, since: number) => until(() => events(event, since)[0], 60_000, `a ${event} line`);

  beforeAll(async () => {
    // Prepare: a project copy whose serverless.yml the tests edit, and a stack running from it.
    copy = copyProject('settings-reload-');
    observerFile = join(copy.dir, 'observed.jsonl');
    edit({});
    stack = await startLocalStack({
      projectDir: copy.dir,
      stage,
      port: 0,
      inMemory: true,
      ttlIntervalMs: 0,
      logger: capture.logger,
      handlerOutput: () => undefined,
    });
    client = createDynamoDBClient({ endpoint: stack.endpoint });
  }, 240_000);

  afterAll(async () => {
    client?.destroy();
    await stack?.stop();
    copy?.remove();
  });

  it('restarts the changed mapping from its checkpoint: new filter and batch size, nothing replayed, nothing lost', async () => {
    // Prepare: a1 and a2 pass the filter (prefix a), b1 does not; all three are acknowledged.
    for (const pk of ['a1', 'b1', 'a2']) await put(pk);
    await until(() => timesSeen('a2') === 1, 60_000, 'a2 delivered under the first filter');
    await stack.drain(60_000);
    const since = capture.lines().length;
    // Act
    edit({ prefix: 'b', batchSize: 5 });
    const applied = await first('settings-applied', since);
    for (const pk of ['a3', 'b2']) await put(pk);
    await until(() => timesSeen('b2') === 1, 60_000, 'b2 delivered under the new filter');
    // Assess: a3 comes before b2 in the shard, so it was filtered out before b2 was delivered.
    expect(applied).toMatchObject({ functionName: 'observer' });
    expect(applied!.changes).toEqual([
      { setting: 'batchSize', event: 0, from: 10, to: 5 },
      { setting: 'filterPatterns', event: 0, from: [pattern('a')], to: [pattern('b')] },
    ]);
    expect(stack.mappings.map((m) => [m.functionName, m.settings.batchSize])).toEqual([['observer', 5]]);
    expect(['a1', 'a2', 'b1', 'a3', 'b2'].map(timesSeen)).toEqual([1, 1, 0, 0, 1]);
  });

  it('replaces the execution environments when the memory size changes', async () => {
    // Prepare
    const since = capture.lines().length;
    // Act
    edit({ prefix: 'b', batchSize: 5, memorySize: 512 });
    const applied = await first('settings-applied', since);
    await put('b3');
    await until(() => timesSeen('b3') === 1, 60_000, 'b3 delivered by the new environment');
    // Assess
    expect(applied!.changes).toEqual([{ setting: 'memorySize', from: 256, to: 512 }]);
    expect(timesSeen('b2')).toBe(1);
  });

  it('refuses a reading that does not validate, naming the setting, and the mapping keeps going', async () => {
    // Prepare
    const since = capture.lines().length;
    // Act
    edit({ prefix: 'b', batchSize: 0, memorySize: 512 });
    const invalid = await first('settings-invalid', since);
    await put('b4');
    await until(() => timesSeen('b4') === 1, 60_000, 'b4 delivered under the old settings');
    // Assess
    expect(invalid).toMatchObject({ level: 'error', errorName: 'InvalidSettingError', functionName: 'observer', setting: 'batchSize' });
    expect(stack.mappings[0]!.settings.batchSize).toBe(5);
    expect(events('settings-applied', since)).toEqual([]);
  });

  it.each([
    {
      name: 'a changed starting position',
      change: { startingPosition: 'LATEST' },
      subject: 'function observer, stream event 0',
      remedy: '.local/checkpoints/',
    },
    {
      name: 'a changed table definition',
      change: { startingPosition: 'LATEST', withIndex: true },
      subject: 'table observed-',
      remedy: '--recreate observed-',
    },
  ])('says in one line what needs a restart: $name', async ({ change, subject, remedy }) => {
    // Prepare: cumulative edits on the last valid reading
    const since = capture.lines().length;
    // Act
    edit({ prefix: 'b', batchSize: 5, memorySize: 512, ...change });
    await first('settings-need-restart', since);
    const lines = events('settings-need-restart', since);
    // Assess
    expect(lines).toHaveLength(1);
    const needs = lines[0]!.needs as { subject: string; remedy: string }[];
    expect(needs).toHaveLength(1);
    expect(needs[0]!.subject).toContain(subject);
    expect(needs[0]!.remedy).toContain(remedy);
    expect(stack.mappings[0]!.settings.startingPosition).toBe('TRIM_HORIZON');
  });
});
