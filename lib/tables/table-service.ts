import { DeleteTableCommand, type DynamoDBClient, type TableDescription } from '@aws-sdk/client-dynamodb';
import { TableWaitTimeoutError } from '../errors.js';
import { describeTable, ensureTable, ensureTables, type EnsureOutcome, type EnsureTableOptions } from './ensure-table.js';
import { readServerlessConfig, type ReadServerlessConfigOptions } from './serverless-config.js';
import { tableDefinitions, type TableDefinition } from './table-definition.js';

/** Table operations on an injected client; no framework in sight, so NestJS, Lambda or a CLI can wrap it. */
export interface TableService {
  /** Creates the table when missing (idempotent), waits for it and its indexes, then enables TTL. A differing table is a TableMismatchError. */
  create(definition: TableDefinition): Promise<EnsureOutcome>;
  /** {@link create} for each definition, one after another. */
  createAll(definitions: readonly TableDefinition[]): Promise<Map<string, EnsureOutcome>>;
  /** The table's description, or undefined when it does not exist. */
  describe(tableName: string): Promise<TableDescription | undefined>;
  /** Deletes the table and waits until it is gone; false when there was no such table. */
  delete(tableName: string): Promise<boolean>;
}

export type TableServiceOptions = EnsureTableOptions & { client: DynamoDBClient };

/** Creates a {@link TableService} over the given client. */
export function createTableService(options: TableServiceOptions): TableService {
  const { client } = options;
  const timeoutMs = options.timeoutMs ?? 60_000;
  const pollMs = options.pollMs ?? 100;
  return {
    create: (definition) => ensureTable(client, definition, options),
    createAll: (definitions) => ensureTables(client, [...definitions], options),
    describe: (tableName) => describeTable(client, tableName),
    async delete(tableName) {
      try {
        await client.send(new DeleteTableCommand({ TableName: tableName }));
      } catch (error) {
        if ((error as { name?: string }).name === 'ResourceNotFoundException') return false;
        throw error;
      }
      const deadline = Date.now() + timeoutMs;
      while ((await describeTable(client, tableName)) !== undefined) {
        if (Date.now() > deadline) throw new TableWaitTimeoutError(`Table ${tableName} was still there ${timeoutMs} ms after DeleteTable; check it in the console, or raise timeoutMs`);
        await new Promise((r) => setTimeout(r, pollMs));
      }
      return true;
    },
  };
}

/** The table definitions of serverless.yml `resources` for a stage: the one source of truth for tables. */
export function serverlessTableDefinitions(options: ReadServerlessConfigOptions = {}): TableDefinition[] {
  return tableDefinitions(readServerlessConfig(options).resources);
}
