import type { Context, DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import type { Logger } from '../logging/logger.js';
import type { Action } from './action.js';
import { assertConcurrency } from './assert-concurrency.js';
import { processBatch } from './process-batch.js';

export interface StreamHandlerOptions {
  readonly actions: readonly Action[];
  readonly logger: Logger;
  /** See ProcessBatchOptions.deadlineMarginMs. */
  readonly deadlineMarginMs?: number;
  /** See ProcessBatchOptions.concurrency; default 1. The functions wire DEFAULT_DISPATCH_CONCURRENCY. */
  readonly concurrency?: number;
  /** See ProcessBatchOptions.batchActions; default true. */
  readonly batchActions?: boolean;
}

/** A Lambda handler for a DynamoDB stream; wire it with `functionResponseType: ReportBatchItemFailures`. */
export type StreamHandler = (event: DynamoDBStreamEvent, context?: Partial<Context>) => Promise<DynamoDBBatchResponse>;

/**
 * Makes the Lambda handler of one stream: every change goes to `actions`, in order per item key.
 * Throws InvalidConcurrencyError at once (at cold start, not per batch) for a wrong `concurrency`.
 */
export function createStreamHandler(options: StreamHandlerOptions): StreamHandler {
  assertConcurrency(options.concurrency);
  return (event, context) =>
    processBatch(event, {
      actions: options.actions,
      logger: context?.awsRequestId ? options.logger.child({ requestId: context.awsRequestId }) : options.logger,
      remainingTimeMs: typeof context?.getRemainingTimeInMillis === 'function' ? () => context.getRemainingTimeInMillis!() : undefined,
      deadlineMarginMs: options.deadlineMarginMs,
      concurrency: options.concurrency,
      batchActions: options.batchActions,
    });
}
