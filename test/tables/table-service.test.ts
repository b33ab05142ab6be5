import { DescribeTimeToLiveCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { TableMismatchError } from '../../lib/data/errors.js';
import type { TableDefinition } from '../../lib/mapping/table-definition.js';
import { createTableService, serverlessTableDefinitions } from '../../lib/data/table-service.js';
import { localClient, uniqueStage } from '../support/dynamodb.js';

const client: DynamoDBClient = localClient();
const service = createTableService({ client });

/** A small table with every feature the comparison looks at. */
const baseDefinition = (tableName: string): TableDefinition => ({
  logicalId: 'SampleTable',
  pointInTimeRecovery: false,
  ttlAttribute: 'expiresAt',
  create: {
    TableName: tableName,
    BillingMode: 'PROVISIONED',
    ProvisionedThroughput: { ReadCapacityUnits: 2, WriteCapacityUnits: 1 },
    AttributeDefinitions: [
      { AttributeName: 'pk', AttributeType: 'S' },
      { AttributeName: 'sk', AttributeType: 'N' },
      { AttributeName: 'g', AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: 'byG',
        KeySchema: [{ AttributeName: 'g', KeyType: 'HASH' }],
        Projection: { ProjectionType: 'KEYS_ONLY' },
        ProvisionedThroughput: { ReadCapacityUnits: 2, WriteCapacityUnits: 1 },
      },
    ],
    LocalSecondaryIndexes: [
      {
        IndexName: 'byPkG',
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'g', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
    ],
    StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' },
  },
});

describe('table service', () => {
  it('creates the tables of serverless.yml with their indexes ACTIVE and TTL enabled, and accepts them a second time', async () => {
    // Prepare
    const stage = uniqueStage();
    const definitions = serverlessTableDefinitions({ stage });

    // Act
    const first = await service.createAll(definitions);
    const second = await service.createAll(definitions);
    const books = await service.describe(`books-${stage}`);
    const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: `applied-changes-${stage}` }));

    // Assess
    expect([...first.values()]).toEqual(definitions.map(() => 'created'));
    expect([...second.values()]).toEqual(definitions.map(() => 'exists'));
    expect(books?.TableStatus).toBe('ACTIVE');
    expect(books?.GlobalSecondaryIndexes?.map((index) => index.IndexStatus)).toEqual(['ACTIVE']);
    expect(books?.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
    expect(ttl.TimeToLiveDescription).toMatchObject({ TimeToLiveStatus: 'ENABLED', AttributeName: 'expiresAt' });
  });

  const variants: [string, (d: TableDefinition) => void, string[]][] = [
    [
      'another key schema',
      (d) => {
        d.create.KeySchema = [{ AttributeName: 'pk', KeyType: 'HASH' }];
      },
      ['key schema is pk:HASH,sk:RANGE, the definition says pk:HASH'],
    ],
    [
      'another attribute type',
      (d) => {
        d.create.AttributeDefinitions![1]!.AttributeType = 'S';
      },
      ['attribute sk is of type N, the definition says S'],
    ],
    [
      'on-demand billing',
      (d) => {
        d.create.BillingMode = 'PAY_PER_REQUEST';
        delete d.create.ProvisionedThroughput;
      },
      ['billing mode is PROVISIONED, the definition says PAY_PER_REQUEST'],
    ],
    [
      'other throughput',
      (d) => {
        d.create.ProvisionedThroughput = { ReadCapacityUnits: 5, WriteCapacityUnits: 1 };
      },
      ['provisioned throughput is 2/1 (read/write), the definition says 5/1'],
    ],
    [
      'a missing GSI',
      (d) => {
        d.create.GlobalSecondaryIndexes!.push({
          IndexName: 'byH',
          KeySchema: [{ AttributeName: 'g', KeyType: 'HASH' }],
          Projection: { ProjectionType: 'ALL' },
        });
      },
      ['global secondary index byH is missing'],
    ],
    [
      'an extra GSI',
      (d) => {
        delete d.create.GlobalSecondaryIndexes;
      },
      ['global secondary index byG exists but is not in the definition'],
    ],
    [
      'another projection',
      (d) => {
        d.create.GlobalSecondaryIndexes![0]!.Projection = { ProjectionType: 'ALL' };
      },
      ['global secondary index byG projects KEYS_ONLY, the definition says ALL'],
    ],
    [
      'another LSI key',
      (d) => {
        d.create.LocalSecondaryIndexes![0]!.KeySchema = [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'x', KeyType: 'RANGE' },
        ];
      },
      ['local secondary index byPkG has keys pk:HASH,g:RANGE, the definition says pk:HASH,x:RANGE'],
    ],
    [
      'another stream view',
      (d) => {
        d.create.StreamSpecification = { StreamEnabled: true, StreamViewType: 'KEYS_ONLY' };
      },
      ['stream is NEW_IMAGE, the definition says KEYS_ONLY'],
    ],
    [
      'no stream and other billing together',
      (d) => {
        delete d.create.StreamSpecification;
        d.create.BillingMode = 'PAY_PER_REQUEST';
      },
      ['stream is NEW_IMAGE, the definition says off', 'billing mode is PROVISIONED, the definition says PAY_PER_REQUEST'],
    ],
  ];

  it.each(variants)('refuses an existing table with %s, naming each difference', async (_label, change, expected) => {
    // Prepare
    const tableName = `sample-${uniqueStage()}`;
    await service.create(baseDefinition(tableName));
    const differing = baseDefinition(tableName);
    change(differing);

    // Act
    const outcome = service.create(differing);

    // Assess
    await expect(outcome).rejects.toThrow(TableMismatchError);
    const message = await outcome.catch((error: Error) => error.message);
    for (const text of expected) expect(message).toContain(text);
    expect(message).toContain(`Table ${tableName} exists but differs from SampleTable`);
  });

  it('refuses a table whose TTL is on another attribute', async () => {
    // Prepare
    const tableName = `sample-${uniqueStage()}`;
    await service.create(baseDefinition(tableName));

    // Act / Assess
    const outcome = service.create({ ...baseDefinition(tableName), ttlAttribute: 'deleteAt' });
    await expect(outcome).rejects.toThrow(TableMismatchError);
    await expect(outcome).rejects.toThrow(/TTL is on expiresAt, the definition says deleteAt/);
  });

  it('deletes a table and waits until it is gone; a missing table is reported, not thrown', async () => {
    // Prepare
    const tableName = `sample-${uniqueStage()}`;
    await service.create(baseDefinition(tableName));

    // Act
    const deleted = await service.delete(tableName);
    const after = await service.describe(tableName);
    const again = await service.delete(tableName);

    // Assess
    expect(deleted).toBe(true);
    expect(after).toBeUndefined();
    expect(again).toBe(false);
  });
});
