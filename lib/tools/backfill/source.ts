import { ConfigurationError } from '../../runtime/errors.js';
import { declaredEnvironment } from '../../mapping/function-module.js';
import type { ServerlessConfig } from '../../mapping/serverless-config.js';
import { tableDefinitionFromResource, type TableDefinition } from '../../mapping/table-definition.js';

/** What a backfill needs to know about a function and the table its stream comes from. */
export interface BackfillSource {
  /** The function's key under `functions` in serverless.yml (for example `booksStream`). */
  functionName: string;
  /** `handler` as written, for example `functions/books-stream.handler`. */
  handler: string;
  /** The handler's module path relative to the project, without extension (`functions/books-stream`). */
  handlerModule: string;
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

const kebab = (name: string) => name.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();

/** The logical id of the table behind a stream event's `arn` (`!GetAtt BooksTable.StreamArn`, or a literal stream ARN). */
function tableLogicalId(config: ServerlessConfig, functionName: string, arn: unknown): string {
  if (arn && typeof arn === 'object' && 'Fn::GetAtt' in arn) {
    const [logicalId, attribute] = (arn as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'];
    if (attribute !== 'StreamArn') throw new ConfigurationError(`serverless.yml: the stream event of ${functionName} refers to ${logicalId}.${attribute}; expected ${logicalId}.StreamArn`);
    return logicalId;
  }
  if (typeof arn === 'string') {
    const tableName = /:table\/([^/]+)\/stream\//.exec(arn)?.[1];
    const found = Object.entries(config.resources).find(([, r]) => r.Type === 'AWS::DynamoDB::Table' && r.Properties?.TableName === tableName);
    if (found) return found[0];
    throw new ConfigurationError(`serverless.yml: the stream of ${functionName} (${arn}) is not a table of this service's resources, so it cannot be scanned from here`);
  }
  throw new ConfigurationError(`serverless.yml: the stream event of ${functionName} has no arn`);
}

/**
 * Finds a function in serverless.yml (by its key, `booksStream`, or in kebab case, `books-stream`) and the
 * table its DynamoDB stream event reads.
 * @throws ConfigurationError when there is no such function, no DynamoDB stream event, or the table is not in resources.
 */
export function resolveBackfillSource(config: ServerlessConfig, name: string): BackfillSource {
  const functionName = Object.keys(config.functions).find((key) => key === name || kebab(key) === name);
  if (!functionName) {
    throw new ConfigurationError(`serverless.yml has no function "${name}"; the functions are: ${Object.keys(config.functions).join(', ')}`);
  }
  const fn = config.functions[functionName]!;
  const events = Array.isArray(fn.events) ? (fn.events as Record<string, unknown>[]) : [];
  const streams = events
    .map((event) => event.stream as Record<string, unknown> | string | undefined)
    .filter((stream): stream is Record<string, unknown> => typeof stream === 'object' && stream !== null && (stream.type ?? 'dynamodb') === 'dynamodb');
  if (streams.length !== 1) {
    throw new ConfigurationError(`serverless.yml: ${functionName} has ${streams.length} DynamoDB stream events; a backfill needs exactly one to know which table to scan`);
  }
  const logicalId = tableLogicalId(config, functionName, streams[0]!.arn);
  const resource = config.resources[logicalId];
  if (!resource) throw new ConfigurationError(`serverless.yml: ${functionName} reads the stream of ${logicalId}, which is not under resources.Resources`);
  const table = tableDefinitionFromResource(logicalId, resource);
  const keySchema = table.create.KeySchema ?? [];
  const keyAttributes = [...keySchema].sort((a, b) => (a.KeyType === 'HASH' ? -1 : b.KeyType === 'HASH' ? 1 : 0)).map((k) => k.AttributeName!);
  const handler = String(fn.handler ?? '');
  const handlerModule = handler.replace(/\.[^./]+$/, '');
  if (!handlerModule || handlerModule === handler) throw new ConfigurationError(`serverless.yml: ${functionName}.handler "${handler}" is not of the form path/to/module.export`);
  const environment = declaredEnvironment(config.provider, fn);
  return {
    functionName,
    handler,
    handlerModule,
    table,
    tableName: table.create.TableName!,
    keyAttributes,
    streamViewType: table.create.StreamSpecification?.StreamViewType ?? 'KEYS_ONLY',
    environment,
    filterPatterns: Array.isArray(streams[0]!.filterPatterns) ? (streams[0]!.filterPatterns as unknown[]) : [],
  };
}
