import type { AccessRequest } from './evaluate-access.js';
import { parseArn, tableArn as tableArnOf, withScope } from '../../runtime/arn.js';

/** Account, region and partition that ARNs of requested tables and streams name. */
export interface ArnContext {
  region: string;
  accountId: string;
  partition?: string;
}

/** DynamoDB actions that have no resource type: IAM checks them against `*`. */
const WITHOUT_RESOURCE = new Set([
  'ListTables',
  'ListStreams',
  'DescribeLimits',
  'DescribeEndpoints',
  'ListBackups',
  'ListGlobalTables',
  'ListContributorInsights',
  'ListExports',
  'ListImports',
  'DescribeReservedCapacity',
  'DescribeReservedCapacityOfferings',
  'PurchaseReservedCapacityOfferings',
]);

const TRANSACT_WRITE_ACTIONS: Record<string, string> = {
  Put: 'PutItem',
  Update: 'UpdateItem',
  Delete: 'DeleteItem',
  ConditionCheck: 'ConditionCheckItem',
};

const PARTIQL_ACTIONS: Record<string, string> = {
  SELECT: 'PartiQLSelect',
  INSERT: 'PartiQLInsert',
  UPDATE: 'PartiQLUpdate',
  DELETE: 'PartiQLDelete',
};

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * DynamoDB Local names region `ddblocal` in its ARNs; requests carrying them (stream ARNs, shard
 * iterators) are checked as the same ARN in the stack's region.
 */
export function normalizeArn(arn: string, context: ArnContext): string {
  const parts = parseArn(arn);
  return parts?.service === 'dynamodb' && parts.region === 'ddblocal' ? withScope(arn, { region: context.region }) : arn;
}

/**
 * The permissions one DynamoDB or DynamoDB Streams call needs, from its `X-Amz-Target` and JSON body,
 * in the order AWS checks them (for TransactWriteItems, item by item: each item's own action and table).
 * A table name that is already an ARN is used as such; an index adds `/index/NAME`.
 */
export function requiredAccess(target: string, body: unknown, context: ArnContext): AccessRequest[] {
  const operation = target.slice(target.indexOf('.') + 1);
  const input = isRecord(body) ? body : {};
  const tableArn = (name: unknown): string => {
    const text = String(name);
    if (text.startsWith('arn:')) return normalizeArn(text, context);
    return tableArnOf(context, text);
  };
  const on = (action: string, resource: string): AccessRequest => ({ action: `dynamodb:${action}`, resource });
  if (WITHOUT_RESOURCE.has(operation)) return [on(operation, '*')];
  switch (operation) {
    case 'Query':
    case 'Scan':
      return [on(operation, tableArn(input.TableName) + (typeof input.IndexName === 'string' ? `/index/${input.IndexName}` : ''))];
    case 'BatchGetItem':
    case 'BatchWriteItem':
      // Each needs its own action on every table it names (no per-item PutItem / DeleteItem).
      return Object.keys(isRecord(input.RequestItems) ? input.RequestItems : {}).map((table) => on(operation, tableArn(table)));
    case 'TransactWriteItems':
      return (Array.isArray(input.TransactItems) ? input.TransactItems : []).flatMap((item: unknown) =>
        Object.entries(isRecord(item) ? item : {})
          .filter(([kind]) => kind in TRANSACT_WRITE_ACTIONS)
          .map(([kind, part]) => on(TRANSACT_WRITE_ACTIONS[kind]!, tableArn(isRecord(part) ? part.TableName : undefined))),
      );
    case 'TransactGetItems':
      return (Array.isArray(input.TransactItems) ? input.TransactItems : []).map((item: unknown) => {
        const get = isRecord(item) && isRecord(item.Get) ? item.Get : {};
        return on('GetItem', tableArn(get.TableName));
      });
    case 'ExecuteStatement':
      return [partiqlAccess(input.Statement, tableArn)];
    case 'BatchExecuteStatement':
      return (Array.isArray(input.Statements) ? input.Statements : []).map((s: unknown) =>
        partiqlAccess(isRecord(s) ? s.Statement : undefined, tableArn),
      );
    case 'ExecuteTransaction':
      return (Array.isArray(input.TransactStatements) ? input.TransactStatements : []).map((s: unknown) =>
        partiqlAccess(isRecord(s) ? s.Statement : undefined, tableArn),
      );
    case 'DescribeStream':
    case 'GetShardIterator':
      return [on(operation, normalizeArn(String(input.StreamArn), context))];
    case 'GetRecords': {
      // A shard iterator starts with its stream's ARN, then `|` (on AWS and on DynamoDB Local).
      const iterator = String(input.ShardIterator);
      return [on(operation, iterator.includes('|') ? normalizeArn(iterator.slice(0, iterator.indexOf('|')), context) : '*')];
    }
    default: {
      const arn = input.TableName ?? input.ResourceArn ?? input.TableArn;
      return [on(operation, arn === undefined ? '*' : tableArn(arn))];
    }
  }
}

function partiqlAccess(statement: unknown, tableArn: (name: unknown) => string): AccessRequest {
  const text = String(statement ?? '').trim();
  const verb = /^(\w+)/.exec(text)?.[1]?.toUpperCase() ?? '';
  const action = `dynamodb:${PARTIQL_ACTIONS[verb] ?? `PartiQL${verb.charAt(0)}${verb.slice(1).toLowerCase()}`}`;
  const table =
    /^(?:SELECT\b[\s\S]*?\bFROM|INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+(?:"((?:[^"]|"")+)"|([A-Za-z0-9_.-]+))(?:\."((?:[^"]|"")+)")?/i.exec(
      text,
    );
  if (!table) return { action, resource: '*' };
  const name = table[1] !== undefined ? table[1].replace(/""/g, '"') : table[2]!;
  return { action, resource: tableArn(name) + (table[3] !== undefined ? `/index/${table[3].replace(/""/g, '"')}` : '') };
}
