import { ConfigurationError } from '../../runtime/errors.js';
import { functionSpec, type FunctionSpec } from '../../mapping/function-spec.js';
import type { ServerlessConfig } from '../../mapping/serverless-config.js';
import { tableDefinitionFromResource, type TableDefinition } from '../../mapping/table-definition.js';

/** What a backfill needs to know about a function and the table its stream comes from. */
export interface BackfillSource {
  /** The function as serverless.yml declares it. */
  spec: FunctionSpec;
  /** The function's key under `functions` in serverless.yml (for example `booksStream`). */
  functionName: string;
  /** The source table's definition (from `resources`). */
  table: TableDefinition;
  tableName: string;
  /** Key attribute names of the table, hash key first. */
  keyAttributes: string[];
  streamViewType: 'KEYS_ONLY' | 'NEW_IMAGE' | 'OLD_IMAGE' | 'NEW_AND_OLD_IMAGES';
  /** The function's environment as Lambda would see it: provider.environment, then the function's own. */
  environment: Record<string, string>;
  /** The stream event's `filterPatterns`: Lambda would not deliver records they reject, so neither does a backfill. */
  filterPatterns: unknown[];
}

/**
 * Finds a function in serverless.yml (by its key, `booksStream`, or in kebab case, `books-stream`) and the
 * table its DynamoDB stream event reads.
 * @throws CommandUsageError when there is no such function (listing those there are); ConfigurationError when it has
 * not exactly one DynamoDB stream event.
 */
export function resolveBackfillSource(config: ServerlessConfig, name: string, options: { projectDir?: string } = {}): BackfillSource {
  const spec = functionSpec(config, name, options);
  const [settings, ...more] = spec.streamMappings;
  if (!settings || !spec.sourceTable || more.length > 0) {
    throw new ConfigurationError(
      `serverless.yml: ${spec.key} has ${spec.streamMappings.length} DynamoDB stream events; ` +
        `a backfill needs exactly one to know which table to scan`,
    );
  }
  const { logicalId } = spec.sourceTable;
  const table = tableDefinitionFromResource(logicalId, config.resources[logicalId]!);
  const keySchema = table.create.KeySchema ?? [];
  const keyAttributes = [...keySchema]
    .sort((a, b) => (a.KeyType === 'HASH' ? -1 : b.KeyType === 'HASH' ? 1 : 0))
    .map((k) => k.AttributeName!);
  return {
    spec,
    functionName: spec.key,
    table,
    tableName: table.create.TableName!,
    keyAttributes,
    streamViewType: table.create.StreamSpecification?.StreamViewType ?? 'KEYS_ONLY',
    environment: spec.environment,
    filterPatterns: settings.filterPatterns,
  };
}
