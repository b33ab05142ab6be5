import {
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  ResourceNotFoundException,
  UpdateTimeToLiveCommand,
  type DynamoDBClient,
  type TableDescription,
} from '@aws-sdk/client-dynamodb';
import { TableMismatchError, TableWaitTimeoutError } from './errors.js';
import type { TableDefinition } from '../mapping/table-definition.js';

export interface EnsureTableOptions {
  /** How long to wait for ACTIVE, in ms. Default 60,000. */
  timeoutMs?: number;
  /** Poll interval while waiting, in ms. Default 100 (DynamoDB Local is fast; AWS callers may raise it). */
  pollMs?: number;
  /**
   * Tables to drop and create again when they differ from their definition (their items are lost), or
   * `all-changed` for every differing table. A table that matches is kept either way.
   */
  recreate?: ReadonlySet<string> | 'all-changed';
  /** The command that recreates a table, quoted in the TableMismatchError (`npm start -- --recreate books-local`). */
  recreateCommand?: (tableName: string) => string;
}

export type EnsureOutcome = 'created' | 'exists' | 'recreated';

/** What to do with one table, decided from its definition and what exists. */
export type TablePlan =
  | { kind: 'create' }
  | { kind: 'keep' }
  | { kind: 'recreate'; differences: string[] }
  | { kind: 'mismatch'; differences: string[] };

/** What exists of a table: its description, and the attribute its TTL is on when TTL is enabled. */
export interface ExistingTable {
  description: TableDescription;
  ttlAttribute?: string | undefined;
}

/** Decides, without any I/O, whether a table is created, kept, recreated, or refused as a mismatch. */
export function planTable(
  definition: TableDefinition,
  existing: ExistingTable | undefined,
  recreate?: ReadonlySet<string> | 'all-changed',
): TablePlan {
  if (!existing) return { kind: 'create' };
  const differences = tableDifferences(definition, existing.description);
  // TTL that is off gets switched on in place; TTL on another attribute cannot be changed without a new table.
  if (definition.ttlAttribute && existing.ttlAttribute && existing.ttlAttribute !== definition.ttlAttribute) {
    differences.push(`TTL is on ${existing.ttlAttribute}, the definition says ${definition.ttlAttribute}`);
  }
  if (differences.length === 0) return { kind: 'keep' };
  const asked = recreate === 'all-changed' || (recreate?.has(definition.create.TableName!) ?? false);
  return asked ? { kind: 'recreate', differences } : { kind: 'mismatch', differences };
}

const keyText = (keys: { AttributeName?: string; KeyType?: string }[] | undefined) =>
  (keys ?? []).map((k) => `${k.AttributeName}:${k.KeyType}`).join(',');

/** Lists how an existing table differs from its definition (empty when it matches). */
export function tableDifferences(definition: TableDefinition, actual: TableDescription): string[] {
  const want = definition.create;
  const differences: string[] = [];
  if (keyText(want.KeySchema) !== keyText(actual.KeySchema)) {
    differences.push(`key schema is ${keyText(actual.KeySchema)}, the definition says ${keyText(want.KeySchema)}`);
  }
  const typeOf = new Map((actual.AttributeDefinitions ?? []).map((a) => [a.AttributeName, a.AttributeType]));
  for (const attribute of want.AttributeDefinitions ?? []) {
    const actualType = typeOf.get(attribute.AttributeName);
    if (actualType !== undefined && actualType !== attribute.AttributeType) {
      differences.push(`attribute ${attribute.AttributeName} is of type ${actualType}, the definition says ${attribute.AttributeType}`);
    }
  }
  type IndexShape = {
    IndexName?: string;
    KeySchema?: { AttributeName?: string; KeyType?: string }[];
    Projection?: { ProjectionType?: string; NonKeyAttributes?: string[] };
  };
  const projectionText = (index: IndexShape) =>
    `${index.Projection?.ProjectionType ?? 'ALL'}` +
    `${index.Projection?.NonKeyAttributes?.length ? `(${[...index.Projection.NonKeyAttributes].sort().join(',')})` : ''}`;
  const compareIndexes = (kind: string, wanted: IndexShape[] | undefined, present: IndexShape[] | undefined) => {
    const presentByName = new Map((present ?? []).map((index) => [index.IndexName, index]));
    for (const index of wanted ?? []) {
      const found = presentByName.get(index.IndexName);
      if (!found) differences.push(`${kind} ${index.IndexName} is missing`);
      else if (keyText(found.KeySchema) !== keyText(index.KeySchema)) {
        differences.push(
          `${kind} ${index.IndexName} has keys ${keyText(found.KeySchema)}, the definition says ${keyText(index.KeySchema)}`,
        );
      } else if (projectionText(found) !== projectionText(index)) {
        differences.push(`${kind} ${index.IndexName} projects ${projectionText(found)}, the definition says ${projectionText(index)}`);
      }
      presentByName.delete(index.IndexName);
    }
    for (const name of presentByName.keys()) differences.push(`${kind} ${name} exists but is not in the definition`);
  };
  const wantBilling = want.BillingMode ?? 'PROVISIONED';
  const actualBilling = actual.BillingModeSummary?.BillingMode ?? 'PROVISIONED';
  if (wantBilling !== actualBilling) differences.push(`billing mode is ${actualBilling}, the definition says ${wantBilling}`);
  else if (wantBilling === 'PROVISIONED') {
    const w = want.ProvisionedThroughput;
    const a = actual.ProvisionedThroughput;
    if (w && a && (w.ReadCapacityUnits !== a.ReadCapacityUnits || w.WriteCapacityUnits !== a.WriteCapacityUnits)) {
      differences.push(
        `provisioned throughput is ${a.ReadCapacityUnits}/${a.WriteCapacityUnits} (read/write), ` +
          `the definition says ${w.ReadCapacityUnits}/${w.WriteCapacityUnits}`,
      );
    }
  }
  // DynamoDB Local reports no SSEDescription at all (it does not encrypt), so only a reported state is compared.
  if (actual.SSEDescription?.Status) {
    const actualSse = actual.SSEDescription.Status === 'ENABLED' || actual.SSEDescription.Status === 'ENABLING';
    const wantSse = want.SSESpecification?.Enabled === true;
    if (actualSse !== wantSse)
      differences.push(`KMS server-side encryption is ${actualSse ? 'on' : 'off'}, the definition says ${wantSse ? 'on' : 'off'}`);
  }
  compareIndexes('global secondary index', want.GlobalSecondaryIndexes, actual.GlobalSecondaryIndexes);
  compareIndexes('local secondary index', want.LocalSecondaryIndexes, actual.LocalSecondaryIndexes);
  const wantStream = want.StreamSpecification?.StreamEnabled ? want.StreamSpecification.StreamViewType : undefined;
  const actualStream = actual.StreamSpecification?.StreamEnabled ? actual.StreamSpecification.StreamViewType : undefined;
  if (wantStream !== actualStream) {
    differences.push(`stream is ${actualStream ?? 'off'}, the definition says ${wantStream ?? 'off'}`);
  }
  return differences;
}

/** The table's description, or undefined when there is no such table. */
export async function describeTable(client: DynamoDBClient, tableName: string): Promise<TableDescription | undefined> {
  try {
    return (await client.send(new DescribeTableCommand({ TableName: tableName }))).Table;
  } catch (error) {
    if (error instanceof ResourceNotFoundException || (error as { name?: string }).name === 'ResourceNotFoundException') return undefined;
    throw error;
  }
}

/** Waits until the table and all its global secondary indexes are ACTIVE; TableWaitTimeoutError after `timeoutMs`. */
export async function waitUntilActive(
  client: DynamoDBClient,
  tableName: string,
  options: EnsureTableOptions = {},
): Promise<TableDescription> {
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  for (;;) {
    const table = await describeTable(client, tableName);
    const indexesActive = (table?.GlobalSecondaryIndexes ?? []).every((index) => index.IndexStatus === 'ACTIVE');
    if (table?.TableStatus === 'ACTIVE' && indexesActive) return table;
    if (Date.now() > deadline) {
      throw new TableWaitTimeoutError(
        `Table ${tableName} did not become ACTIVE within ${options.timeoutMs ?? 60_000} ms (status ${table?.TableStatus ?? 'missing'}); ` +
          `check it in the console, or raise timeoutMs`,
      );
    }
    await new Promise((r) => setTimeout(r, options.pollMs ?? 100));
  }
}

/** Deletes the table and waits until it is gone; false when there was no such table. */
export async function deleteTable(client: DynamoDBClient, tableName: string, options: EnsureTableOptions = {}): Promise<boolean> {
  try {
    await client.send(new DeleteTableCommand({ TableName: tableName }));
  } catch (error) {
    if ((error as { name?: string }).name === 'ResourceNotFoundException') return false;
    throw error;
  }
  const timeoutMs = options.timeoutMs ?? 60_000;
  const deadline = Date.now() + timeoutMs;
  while ((await describeTable(client, tableName)) !== undefined) {
    if (Date.now() > deadline) {
      throw new TableWaitTimeoutError(
        `Table ${tableName} was still there ${timeoutMs} ms after DeleteTable; check it in the console, or raise timeoutMs`,
      );
    }
    await new Promise((r) => setTimeout(r, options.pollMs ?? 100));
  }
  return true;
}

async function enabledTtlAttribute(client: DynamoDBClient, tableName: string): Promise<string | undefined> {
  const ttl = (await client.send(new DescribeTimeToLiveCommand({ TableName: tableName }))).TimeToLiveDescription;
  return ttl?.TimeToLiveStatus === 'ENABLED' || ttl?.TimeToLiveStatus === 'ENABLING' ? ttl.AttributeName : undefined;
}

async function describeExisting(client: DynamoDBClient, tableName: string): Promise<ExistingTable | undefined> {
  const description = await describeTable(client, tableName);
  return description && { description, ttlAttribute: await enabledTtlAttribute(client, tableName) };
}

async function createTable(client: DynamoDBClient, definition: TableDefinition): Promise<void> {
  try {
    await client.send(new CreateTableCommand(definition.create));
  } catch (error) {
    // Another process may have created it between describe and create; the caller checks it.
    if ((error as { name?: string }).name !== 'ResourceInUseException') throw error;
  }
}

/**
 * Creates the table when it is missing, waits until it and its indexes are ACTIVE, then enables TTL.
 * An existing table that matches is left alone; one that differs is dropped and created again when
 * `recreate` names it, else a TableMismatchError naming each difference and the command that fixes it.
 */
export async function ensureTable(
  client: DynamoDBClient,
  definition: TableDefinition,
  options: EnsureTableOptions = {},
): Promise<EnsureOutcome> {
  const tableName = definition.create.TableName!;
  const plan = planTable(definition, await describeExisting(client, tableName), options.recreate);
  let outcome: EnsureOutcome = 'exists';
  switch (plan.kind) {
    case 'mismatch':
      throw new TableMismatchError(
        `Table ${tableName} exists but differs from ${definition.logicalId} in serverless.yml: ${plan.differences.join('; ')}. ` +
          (options.recreateCommand
            ? `Recreate it (its items are lost; other tables keep theirs): ${options.recreateCommand(tableName)}`
            : 'Delete the table to recreate it.'),
      );
    case 'recreate':
      await deleteTable(client, tableName, options);
      await createTable(client, definition);
      outcome = 'recreated';
      break;
    case 'create':
      await createTable(client, definition);
      outcome = 'created';
      break;
    case 'keep':
      break;
  }
  await waitUntilActive(client, tableName, options);
  if (definition.ttlAttribute && (await enabledTtlAttribute(client, tableName)) === undefined) {
    const specification = { AttributeName: definition.ttlAttribute, Enabled: true };
    await client.send(new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification: specification }));
  }
  return outcome;
}

/** Ensures every table, one after another (DynamoDB limits concurrent CreateTable calls). */
export async function ensureTables(
  client: DynamoDBClient,
  definitions: TableDefinition[],
  options: EnsureTableOptions = {},
): Promise<Map<string, EnsureOutcome>> {
  const outcomes = new Map<string, EnsureOutcome>();
  for (const definition of definitions) outcomes.set(definition.create.TableName!, await ensureTable(client, definition, options));
  return outcomes;
}
