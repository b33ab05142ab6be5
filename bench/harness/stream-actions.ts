import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { authorStatsAction } from '../../lib/runtime/actions/author-stats.js';
import { changeLogAction } from '../../lib/runtime/actions/change-log.js';
import { customerStatsAction } from '../../lib/runtime/actions/customer-stats.js';
import { logAction } from '../../lib/runtime/actions/log.js';
import type { Action } from '../../lib/runtime/dispatch/action.js';
import { EnvName } from '../../lib/runtime/env-names.js';
import { requireEnv } from '../../lib/runtime/require-env.js';

/** The example streams whose handlers the DynamoDB Local benchmarks run. */
export type Stream = 'books' | 'orders';

/**
 * The actions functions/books-stream.ts or functions/orders-stream.ts wires, built on `client` (a counting or proxied
 * one) with the function's environment `env`, instead of the process environment the function modules read at import.
 */
export function streamActions(stream: Stream, client: DynamoDBClient, env: Record<string, string>): Action[] {
  const changeLog = changeLogAction({ client, tableName: requireEnv(env, EnvName.changeLogTable) });
  const ledgerTable = requireEnv(env, EnvName.appliedChangesTable);
  return stream === 'books'
    ? [logAction(), changeLog, authorStatsAction({ client, statsTable: requireEnv(env, EnvName.authorStatsTable), ledgerTable })]
    : [logAction(), changeLog, customerStatsAction({ client, statsTable: requireEnv(env, EnvName.customerStatsTable), ledgerTable })];
}
