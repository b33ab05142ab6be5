import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type { Logger } from '../../runtime/logging/logger.js';
import type { StreamMappingSettings } from '../../mapping/settings.js';
import type { EngineEventBus } from '../engine/engine-event-bus.js';
import type { FunctionRunner } from '../runner/function-runner.js';
import type { CheckpointStore } from '../store/checkpoint-store.js';
import type { DeadLetterStore } from '../store/dead-letter-store.js';
import type { StackConfig } from './stack-config.js';

/**
 * What the stack lends a companion that starts with it (the web console, from the tools layer): its engine's
 * events, its stores and clients, and a way to run a handler as the mappings do. Lent, not given: the stack
 * stops it all, and a companion changes nothing in the engine.
 */
export interface StackParts {
  readonly config: StackConfig;
  /** The mappings the stack starts with. */
  readonly mappings: readonly { functionName: string; settings: StreamMappingSettings }[];
  /** Every mapping's engine events; subscribe before the mappings start, so none is missed. */
  readonly bus: EngineEventBus;
  readonly deadLetters: DeadLetterStore;
  readonly checkpoints: CheckpointStore;
  readonly dynamodb: DynamoDBClient;
  readonly streams: DynamoDBStreamsClient;
  /** Runs a function's handler as the stack does (the function's current runner, after a settings reload too). */
  invoke(functionName: string, event: unknown, options: { timeoutMs: number; requestId: string }): ReturnType<FunctionRunner['invoke']>;
  readonly logger: Logger;
}

/** A companion's taps on the stack, and its stop (the stack calls it on its own stop). */
export interface StackCompanion {
  /** Every line a handler prints; the stack still prints it too. */
  handlerLine?(functionName: string, line: string): void;
  /** Every batch a mapping invokes, before the invocation. */
  observeInvoke?(functionName: string, requestId: string | undefined, event: unknown): void;
  stop(): Promise<void>;
}

/**
 * Starts a companion with the stack's parts, after the handlers are built and before any mapping starts;
 * an error stops the stack's start as any other would.
 */
export type StartStackCompanion = (parts: StackParts) => Promise<StackCompanion>;
