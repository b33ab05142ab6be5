import type { StreamSpec } from './stream-spec.js';

/** The new function's module: its actions (the log action to start with) wired to the dispatcher, like functions/books-stream.ts. */
export const handlerSource = (spec: StreamSpec): string =>
  `import { logAction } from '../lib/runtime/actions/log.js';
import { DEFAULT_DISPATCH_CONCURRENCY } from '../lib/runtime/dispatch/default-concurrency.js';
import { createStreamHandler } from '../lib/runtime/dispatch/stream-handler.js';
import { createLogger } from '../lib/runtime/logging/logger.js';

const env = process.env;

/**
 * The ${spec.pascal} stream's actions, in the order they run for each change. Add an action here (one line) and
 * its grant to ${spec.roleLogicalId} in serverless.yml; see docs/your-own-stream.md.
 */
export const actions = [logAction()];

export const handler = createStreamHandler({
  actions,
  concurrency: DEFAULT_DISPATCH_CONCURRENCY,
  logger: createLogger({ level: env.LOG_LEVEL, fields: { function: '${spec.functionName}' } }),
});
`;
