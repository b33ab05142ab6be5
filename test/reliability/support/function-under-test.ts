import type { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { createDynamoDBStreamsClient } from '../../../lib/mapping/streams-client.js';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Action } from '../../../lib/runtime/dispatch/action.js';
import { createStreamHandler } from '../../../lib/runtime/dispatch/stream-handler.js';
import { createLogger, type Logger } from '../../../lib/runtime/logging/logger.js';
import type { Invoke, InvokeResult } from '../../../lib/local/engine/event-source-mapping.js';
import type { StreamMappingSettings } from '../../../lib/mapping/settings.js';
import { functionSpec } from '../../../lib/mapping/function-spec.js';
import type { ServerlessConfig } from '../../../lib/mapping/serverless-config.js';

/** A streams client of a DynamoDB Local (dummy credentials, as the stack makes it). */
export const streamsClient = (endpoint: string): DynamoDBStreamsClient => createDynamoDBStreamsClient({ endpoint });

/** The function's (first) stream mapping, exactly as serverless.yml declares it for this stage. */
export const streamMappingOf = (config: ServerlessConfig, functionName: string): StreamMappingSettings =>
  functionSpec(config, functionName, { withStreamEvent: true }).streamMappings[0]!;

/** Sets the environment serverless.yml gives the functions of `stage`, pointed at `endpoint`. */
export function setFunctionEnvironment(stage: string, endpoint: string, extra: Record<string, string> = {}): void {
  Object.assign(process.env, {
    DYNAMODB_ENDPOINT: endpoint,
    AWS_REGION: 'us-east-1',
    CHANGE_LOG_TABLE: `change-log-${stage}`,
    APPLIED_CHANGES_TABLE: `applied-changes-${stage}`,
    AUTHOR_STATS_TABLE: `author-stats-${stage}`,
    CUSTOMER_STATS_TABLE: `customer-stats-${stage}`,
    ...extra,
  });
}

/** Loads a function module's real action list (the environment must be set first). */
export async function functionActions(functionName: 'booksStream' | 'ordersStream'): Promise<readonly Action[]> {
  const module =
    functionName === 'booksStream'
      ? await import('../../../functions/books-stream.js')
      : await import('../../../functions/orders-stream.js');
  return module.actions;
}

/** The Lambda boundary in-process: runs the real handler with a Lambda-like context; records every event. */
export function inProcessInvoke(
  actions: readonly Action[],
  logger: Logger = createLogger({ level: 'silent' }),
): { invoke: Invoke; events: Array<{ Records: Array<{ dynamodb: { SequenceNumber: string } }> }> } {
  const handler = createStreamHandler({ actions, logger, deadlineMarginMs: 500 });
  const events: Array<{ Records: Array<{ dynamodb: { SequenceNumber: string } }> }> = [];
  let n = 0;
  const invoke: Invoke = async (event, { timeoutMs }): Promise<InvokeResult> => {
    events.push(structuredClone(event) as never);
    const deadline = Date.now() + timeoutMs;
    try {
      const response = await handler(event as never, { awsRequestId: `req-${++n}`, getRemainingTimeInMillis: () => deadline - Date.now() });
      return { ok: true, response };
    } catch (error) {
      return { ok: false, errorType: (error as Error).name, errorMessage: (error as Error).message };
    }
  };
  return { invoke, events };
}

export type { DynamoDBClient };
