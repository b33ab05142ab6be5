import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetItemCommand, PutItemCommand, ScanCommand, type TableDescription } from '@aws-sdk/client-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../lib/runtime/errors.js';
import { TableMismatchError } from '../../lib/data/errors.js';
import { createLogger } from '../../lib/runtime/logging/logger.js';
import { startLocalStack } from '../../lib/local/stack/local-stack.js';
import type { StackConfig } from '../../lib/local/stack/stack-config.js';
import type { CloudFormationResource } from '../../lib/mapping/serverless-config.js';
import { planTable, type ExistingTable } from '../../lib/data/ensure-table.js';
import { tableDefinitionFromResource } from '../../lib/mapping/table-definition.js';
import { dynamodbEndpoint, localClient, uniqueStage } from '../support/dynamodb.js';

/** An on-demand table keyed by one attribute of the given type. */
const table = (tableName: string, key: string, type: 'S' | 'N' = 'S'): CloudFormationResource => ({
  Type: 'AWS::DynamoDB::Table',
  Properties: {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [{ AttributeName: key, AttributeType: type }],
    KeySchema: [{ AttributeName: key, KeyType: 'HASH' }],
  },
});

/** What DescribeTable would say of a table created from `resource`. */
const described = (resource: CloudFormationResource, ttlAttribute?: string): ExistingTable => {
  const create = tableDefinitionFromResource('T', resource).create;
  const description: TableDescription = {
    TableName: create.TableName,
    KeySchema: create.KeySchema,
    AttributeDefinitions: create.AttributeDefinitions,
    BillingModeSummary: { BillingMode: 'PAY_PER_REQUEST' },
  };
  return { description, ttlAttribute };
};

describe('planTable', () => {
  const wanted = tableDefinitionFromResource('BooksTable', table('books-local', 'isbn'));
  const withTtl = { ...wanted, ttlAttribute: 'expiresAt' };
  const same = described(table('books-local', 'isbn'));
  const other = described(table('books-local', 'id'));
  const books = new Set(['books-local']);
  const orders = new Set(['orders-local']);
  const all = 'all-changed' as const;
  it.each([
    { name: 'a missing table is created', definition: wanted, existing: undefined, recreate: undefined, kind: 'create' },
    { name: 'a matching table is kept', definition: wanted, existing: same, recreate: undefined, kind: 'keep' },
    { name: 'a matching table is kept even when named for recreation', definition: wanted, existing: same, recreate: books, kind: 'keep' },
    { name: 'a differing table is a mismatch', definition: wanted, existing: other, recreate: undefined, kind: 'mismatch' },
    { name: 'a differing table named elsewhere is a mismatch', definition: wanted, existing: other, recreate: orders, kind: 'mismatch' },
    { name: 'a differing table named is recreated', definition: wanted, existing: other, recreate: books, kind: 'recreate' },
    { name: 'all-changed recreates a differing table', definition: wanted, existing: other, recreate: all, kind: 'recreate' },
    {
      name: 'TTL on another attribute is a difference',
      definition: withTtl,
      existing: described(table('books-local', 'isbn'), 'deleteAt'),
      recreate: undefined,
      kind: 'mismatch',
    },
    { name: 'TTL that is off is no difference (switched on)', definition: withTtl, existing: same, recreate: undefined, kind: 'keep' },
  ])('$name', ({ definition, existing, recreate, kind }) => {
    // Act
    const plan = planTable(definition, existing, recreate);
    // Assess
    expect(plan.kind).toBe(kind);
  });
});

describe('npm start --recreate on DynamoDB Local', { timeout: 120_000 }, () => {
  const client = localClient();
  const work = mkdtempSync(join(tmpdir(), 'recreate-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  const config = (stage: string, resources: Record<string, CloudFormationResource>): StackConfig => ({
    service: 'recreate-test',
    stage,
    region: 'us-east-1',
    provider: {},
    functions: {},
    resources,
    esbuild: undefined,
  });
  // The test run's DynamoDB Local, used as an external one: the stack neither starts nor stops it.
  const start = (stackConfig: StackConfig, recreate?: string[]) =>
    startLocalStack({
      projectDir: work,
      stateDir: join(work, stackConfig.stage),
      config: stackConfig,
      port: Number(new URL(dynamodbEndpoint()).port),
      inMemory: true,
      watch: false,
      ttlIntervalMs: 0,
      logger: createLogger({ level: 'silent' }),
      ...(recreate ? { recreate } : {}),
    });

  it('drops and recreates only the table named; the other keeps its items; without it the error names the command', async () => {
    // Prepare: two tables with an item each, then the definition of one changes its key
    const stage = uniqueStage('rc');
    const [books, authors] = [`books-${stage}`, `authors-${stage}`];
    await (await start(config(stage, { BooksTable: table(books, 'isbn'), AuthorsTable: table(authors, 'author') }))).stop();
    await client.send(new PutItemCommand({ TableName: books, Item: { isbn: { S: '978-1' } } }));
    await client.send(new PutItemCommand({ TableName: authors, Item: { author: { S: 'Le Guin' } } }));
    const changed = config(stage, { BooksTable: table(books, 'id', 'N'), AuthorsTable: table(authors, 'author') });

    // Act
    const refused = await start(changed).catch((error: unknown) => error);
    const stack = await start(changed, [books]);
    await stack.stop();

    // Assess
    expect(refused).toBeInstanceOf(TableMismatchError);
    expect((refused as Error).message).toContain(`npm start -- --recreate ${books} --stage ${stage}`);
    const recreated = await client.send(new ScanCommand({ TableName: books }));
    expect(recreated.Items).toEqual([]);
    await client.send(new PutItemCommand({ TableName: books, Item: { id: { N: '1' } } }));
    const kept = await client.send(new GetItemCommand({ TableName: authors, Key: { author: { S: 'Le Guin' } } }));
    expect(kept.Item).toEqual({ author: { S: 'Le Guin' } });
  });

  it('refuses a --recreate that names no table of serverless.yml, before touching anything', async () => {
    // Prepare
    const stage = uniqueStage('rc');
    // Act
    const stackConfig = config(stage, { BooksTable: table(`books-${stage}`, 'isbn') });
    const refused = await start(stackConfig, [`bookz-${stage}`]).catch((error: unknown) => error);
    // Assess
    expect(refused).toBeInstanceOf(ConfigurationError);
    expect((refused as Error).message).toContain(`bookz-${stage}`);
  });
});
