import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { declaredEnvironment } from '../../mapping/function-environment.js';
import type { Logger } from '../../runtime/logging/logger.js';
import type { EngineEventListener } from '../../local/engine/engine-event.js';
import { mappingIdOf } from '../../local/engine/event-source-mapping.js';
import type { StreamMappingSettings } from '../../mapping/settings.js';
import type { InvocationResult } from '../../local/runner/function-runner.js';
import type { StackConfig } from '../../local/stack/stack-config.js';
import type { CheckpointStore } from '../../local/store/checkpoint-store.js';
import type { DeadLetterStore } from '../../local/store/dead-letter-store.js';
import { DEFAULT_CONSOLE_PORT } from './console-option.js';
import { createConsoleState, type ConsoleLimits, type ConsoleState } from './console-state.js';
import { startConsoleServer, type ConsoleServer } from './console-server.js';
import { createDeadLetterDesk } from './dead-letter-desk.js';
import { createPageAssets } from './page-assets.js';
import { countRecordsBehind } from './records-behind.js';
import { createTableBrowser } from './table-browser.js';

export interface StackConsoleOptions {
  /** 0 for a free port; the default port falls back to a free one when taken, a port asked for does not. */
  port: number;
  config: StackConfig;
  mappings: { functionName: string; settings: StreamMappingSettings }[];
  deadLetters: DeadLetterStore;
  checkpoints: CheckpointStore;
  dynamodb: DynamoDBClient;
  streams: DynamoDBStreamsClient;
  /** Runs a function's handler as the stack does (redrives from the page). */
  invoke(functionName: string, event: unknown, options: { timeoutMs: number; requestId: string }): Promise<InvocationResult>;
  logger: Logger;
  limits?: Partial<ConsoleLimits>;
}

/** The console as the stack wires it: what it listens to, and its address. */
export interface StackConsole {
  readonly url: string;
  readonly port: number;
  readonly token: string;
  readonly state: ConsoleState;
  /** Subscribe this to the stack's engine event bus. */
  readonly onEvent: EngineEventListener;
  /** Every line a handler prints (the stack still prints it too). */
  handlerLine(functionName: string, line: string): void;
  /** Every batch a mapping invokes, before the invocation. */
  observeInvoke(functionName: string, requestId: string | undefined, event: unknown): void;
  stop(): Promise<void>;
}

/** How often the records behind each shard are counted while a page is open. */
const RECORDS_BEHIND_EVERY_MS = 2_000;

/**
 * Starts the console of a local stack: its state (fed by the engine's events, the handlers' lines and the
 * batches invoked), the dead-letter desk, the table browser, and the server on 127.0.0.1. It only reads what
 * the engine does; redrive and remove act on the dead-letter store, as `npm run redrive` does.
 */
export async function startStackConsole(options: StackConsoleOptions): Promise<StackConsole> {
  const { config, logger } = options;
  const state = createConsoleState({
    stage: config.stage,
    mappings: options.mappings.map((m) => ({
      ...m,
      // Images appear only for a function that runs at debug level, as its own log lines would show them.
      debugImages: declaredEnvironment(config.provider, config.functions[m.functionName] ?? {}).LOG_LEVEL === 'debug',
    })),
    ...(options.limits ? { limits: options.limits } : {}),
  });
  const settingsOf = (functionName: string) => options.mappings.find((m) => m.functionName === functionName)?.settings;

  let counting = false;
  let lastCount = 0;
  const countBehind = async () => {
    for (const view of state.mappings()) {
      const open = view.shards.filter((shard) => !shard.finished);
      if (!view.enabled || open.length === 0) continue;
      const mapping = options.mappings.find((m) => `${m.functionName}|${m.settings.tableName}` === view.key);
      if (!mapping) continue;
      const table = await options.dynamodb.send(new DescribeTableCommand({ TableName: view.tableName }));
      const streamArn = table.Table?.LatestStreamArn;
      if (!streamArn) continue;
      const checkpoints = await options.checkpoints.list(mappingIdOf(view.functionName, view.tableName, streamArn));
      for (const shard of open) {
        const after = checkpoints[shard.shardId]?.sequenceNumber;
        // LATEST with nothing handled yet: the count from the shard's start would not be what the mapping reads.
        if (after === undefined && view.settings.startingPosition === 'LATEST') continue;
        const { count, capped } = await countRecordsBehind({
          streams: options.streams,
          streamArn,
          shardId: shard.shardId,
          after,
          signal: AbortSignal.timeout(5_000),
        });
        state.setRecordsBehind(view.key, shard.shardId, count, capped, after);
      }
    }
  };
  const whileWatched = () => {
    if (counting || Date.now() - lastCount < RECORDS_BEHIND_EVERY_MS) return;
    counting = true;
    lastCount = Date.now();
    countBehind()
      .catch((error: unknown) => logger.debug('console: counting the records behind failed', { error: (error as Error)?.message }))
      .finally(() => {
        counting = false;
      });
  };

  const server: ConsoleServer = await startConsoleServer({
    port: options.port,
    fallbackToFreePort: options.port === DEFAULT_CONSOLE_PORT,
    state,
    deadLetters: createDeadLetterDesk({
      store: options.deadLetters,
      streams: options.streams,
      dynamodb: options.dynamodb,
      settingsOf,
      invoke: options.invoke,
      errorOf: (id) => state.deadLetterError(id),
    }),
    tables: createTableBrowser(options.dynamodb),
    assets: createPageAssets(),
    logger,
    whileWatched,
  });

  const onEvent: EngineEventListener = (event) => {
    state.onEvent(event);
    if (event.type === 'deadLetter') server.deadLettersChanged();
  };
  return {
    url: server.url,
    port: server.port,
    token: server.token,
    state,
    onEvent,
    handlerLine: (functionName, line) => state.onHandlerLine(functionName, line),
    observeInvoke(functionName, requestId, event) {
      if (requestId !== undefined) state.onInvoke(functionName, requestId, event);
    },
    stop: () => server.stop(),
  };
}
