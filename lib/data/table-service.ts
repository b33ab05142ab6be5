import type { DynamoDBClient, TableDescription } from '@aws-sdk/client-dynamodb';
import { deleteTable, describeTable, ensureTable, ensureTables, type EnsureOutcome, type EnsureTableOptions } from './ensure-table.js';
import { readServerlessConfig, type ReadServerlessConfigOptions } from '../mapping/serverless-config.js';
import { tableDefinitions, type TableDefinition } from '../mapping/table-definition.js';

/** Table operations on an injected client; no framework in sight, so NestJS, Lambda or a CLI can wrap it. */
export interface TableService {
  /**
   * Creates the table when missing (idempotent), waits for it and its indexes, then enables TTL.
   * A differing table is a TableMismatchError.
   */
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
  return {
    create: (definition) => ensureTable(client, definition, options),
    createAll: (definitions) => ensureTables(client, [...definitions], options),
    describe: (tableName) => describeTable(client, tableName),
    delete: (tableName) => deleteTable(client, tableName, options),
  };
}

/** The table definitions of serverless.yml `resources` for a stage: the one source of truth for tables. */
export function serverlessTableDefinitions(options: ReadServerlessConfigOptions = {}): TableDefinition[] {
  return tableDefinitions(readServerlessConfig(options).resources);
}
