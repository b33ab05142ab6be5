import { changeLogAction } from '../lib/runtime/actions/change-log.js';
import { customerStatsAction } from '../lib/runtime/actions/customer-stats.js';
import { logAction } from '../lib/runtime/actions/log.js';
import { requireEnv } from '../lib/runtime/require-env.js';
import { EnvName } from '../lib/runtime/env-names.js';
import { DEFAULT_DISPATCH_CONCURRENCY } from '../lib/runtime/dispatch/default-concurrency.js';
import { createStreamHandler } from '../lib/runtime/dispatch/stream-handler.js';
import { functionDynamoDBClient } from '../lib/runtime/dynamodb/client.js';
import { createLogger } from '../lib/runtime/logging/logger.js';

const env = process.env;
const client = functionDynamoDBClient(env);

/** The Orders stream's actions, in the order they run for each change. */
export const actions = [
  logAction(),
  changeLogAction({ client, tableName: requireEnv(env, EnvName.changeLogTable) }),
  customerStatsAction({
    client,
    statsTable: requireEnv(env, EnvName.customerStatsTable),
    ledgerTable: requireEnv(env, EnvName.appliedChangesTable),
  }),
];

export const handler = createStreamHandler({
  actions,
  concurrency: DEFAULT_DISPATCH_CONCURRENCY,
  logger: createLogger({ level: env[EnvName.logLevel], fields: { function: 'ordersStream' } }),
});
