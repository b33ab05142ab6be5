import { actions } from '../../functions/orders-stream.js';
import { EnvName } from '../../lib/runtime/env-names.js';
import { createStreamHandler } from '../../lib/runtime/dispatch/stream-handler.js';
import { createLogger } from '../../lib/runtime/logging/logger.js';

/*
 * The ordersStream function as it ran before key-ordered concurrency and batch actions: the very same action
 * objects, one record after another, one request per action per record. Only the local-stack table loads it, in
 * place of functions/orders-stream.ts, to measure both in the same run.
 */
export const handler = createStreamHandler({
  actions,
  concurrency: 1,
  batchActions: false,
  logger: createLogger({ level: process.env[EnvName.logLevel], fields: { function: 'ordersStream' } }),
});
