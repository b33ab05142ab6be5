import {
  CreateTableCommand,
  DescribeTableCommand,
  type AttributeValue,
  type DynamoDBClient,
  PutItemCommand,
  DeleteItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { createDynamoDBStreamsClient } from '../../lib/mapping/streams-client.js';
import { marshall } from '@aws-sdk/util-dynamodb';
import { createLogger } from '../../lib/runtime/logging/logger.js';
import {
  createEventSourceMapping,
  type EventSourceMapping,
  type EventSourceMappingOptions,
  type InvokeResult,
} from '../../lib/local/engine/event-source-mapping.js';
import type { EngineEvent } from '../../lib/local/engine/engine-event.js';
import type { StreamMappingSettings } from '../../lib/mapping/settings.js';
import { createMemoryCheckpointStore, type CheckpointStore } from '../../lib/local/store/checkpoint-store.js';
import { createMemoryDeadLetterStore, type DeadLetterStore } from '../../lib/local/store/dead-letter-store.js';
import { dynamodbEndpoint, localClient, uniqueStage } from '../support/dynamodb.js';
import { until } from '../support/until.js';
import { mappingSettings } from '../factories/mapping-settings.js';

/** A streams client of the test run's DynamoDB Local, made as the stack makes it (dummy credentials). */
export const localStreamsClient = (endpoint = dynamodbEndpoint()): DynamoDBStreamsClient => createDynamoDBStreamsClient({ endpoint });

/** Creates a table of its own for one test: key `id` (S), a stream with the given view type. */
export async function createStreamTable(
  client: DynamoDBClient,
  viewType = 'NEW_AND_OLD_IMAGES',
  tableName = `esm-${uniqueStage()}`,
): Promise<{ tableName: string; streamArn: string }> {
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      StreamSpecification: { StreamEnabled: true, StreamViewType: viewType as 'NEW_AND_OLD_IMAGES' },
    }),
  );
  const described = await client.send(new DescribeTableCommand({ TableName: tableName }));
  return { tableName, streamArn: described.Table!.LatestStreamArn! };
}

export const putItem = (client: DynamoDBClient, tableName: string, item: Record<string, unknown>) =>
  client.send(new PutItemCommand({ TableName: tableName, Item: marshall(item) as Record<string, AttributeValue> }));

export const deleteItem = (client: DynamoDBClient, tableName: string, id: string) =>
  client.send(new DeleteItemCommand({ TableName: tableName, Key: { id: { S: id } } }));

/** Short settings so each test takes a second or two. */
export function testSettings(tableName: string, overrides: Partial<StreamMappingSettings> = {}): StreamMappingSettings {
  return mappingSettings(tableName, { functionTimeoutSeconds: 5, ...overrides });
}

/** A delivered record, loosely typed for assertions. */
export type DeliveredRecord = {
  dynamodb: {
    SequenceNumber: string;
    ApproximateCreationDateTime: number;
    Keys: Record<string, { S: string }>;
    NewImage?: Record<string, any>;
  };
} & Record<string, any>;

export interface Invocation {
  event: { Records: DeliveredRecord[] } & Record<string, any>;
  sequenceNumbers: string[];
  ids: string[];
}

/** What the in-test function does with one event: return a response, or throw. */
export type Behaviour = (event: Invocation['event'], call: number) => unknown;

export interface Harness {
  mapping: EventSourceMapping;
  invocations: Invocation[];
  checkpoints: CheckpointStore;
  deadLetters: DeadLetterStore;
  logs: Array<Record<string, any>>;
  /** Every event the engine emitted, in order. */
  events: EngineEvent[];
  /** The events of one type. */
  eventsOf: <T extends EngineEvent['type']>(type: T) => Array<Extract<EngineEvent, { type: T }>>;
  maxConcurrency: () => number;
}

/** A mapping wired to an in-test function (the Lambda boundary) that records every event it gets. */
export function createHarness(
  settings: StreamMappingSettings,
  behaviour: Behaviour = () => undefined,
  options: Partial<EventSourceMappingOptions> = {},
): Harness {
  const invocations: Invocation[] = [];
  const logs: Array<Record<string, any>> = [];
  const events: EngineEvent[] = [];
  let running = 0;
  let maxConcurrency = 0;
  const checkpoints = options.checkpoints ?? createMemoryCheckpointStore();
  const deadLetters = options.deadLetters ?? createMemoryDeadLetterStore();
  const mapping = createEventSourceMapping({
    streams: localStreamsClient(),
    dynamodb: localClient(),
    settings,
    checkpoints,
    deadLetters,
    logger: createLogger({ level: 'info', write: (line) => logs.push(JSON.parse(line)) }),
    pollIntervalMs: 50,
    describeIntervalMs: 200,
    retryBaseDelayMs: 5,
    retryMaxDelayMs: 50,
    region: 'us-east-1',
    accountId: '123456789012',
    onEvent: (event) => events.push(event),
    invoke: async (event): Promise<InvokeResult> => {
      const typed = structuredClone(event) as Invocation['event'];
      invocations.push({
        event: typed,
        sequenceNumbers: typed.Records.map((record) => record.dynamodb.SequenceNumber),
        ids: typed.Records.map((record) => record.dynamodb.Keys.id!.S),
      });
      running += 1;
      maxConcurrency = Math.max(maxConcurrency, running);
      try {
        return { ok: true, response: await behaviour(typed, invocations.length) };
      } catch (error) {
        return { ok: false, errorType: (error as Error).name, errorMessage: (error as Error).message };
      } finally {
        running -= 1;
      }
    },
    ...options,
  });
  const eventsOf = <T extends EngineEvent['type']>(type: T) =>
    events.filter((event): event is Extract<EngineEvent, { type: T }> => event.type === type);
  return { mapping, invocations, checkpoints, deadLetters, logs, events, eventsOf, maxConcurrency: () => maxConcurrency };
}

/** Waits until `condition` holds; fails with `what` after `timeoutMs`. */
export async function waitFor(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  await until(() => condition() || undefined, timeoutMs, what);
}
