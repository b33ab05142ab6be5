import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { AttributeValue as SdkAttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import type { Action } from '../../lib/runtime/dispatch/action.js';
import { processBatch } from '../../lib/runtime/dispatch/process-batch.js';
import { createLogger } from '../../lib/runtime/logging/logger.js';

type SdkImage = Record<string, SdkAttributeValue>;

/** One way of handling a parsed stream event; `handle` returns something so that nothing is optimised away. */
export interface Variant {
  readonly id: 'floor' | 'util-loop' | 'powertools' | 'dispatcher' | 'dispatcher-images';
  readonly label: string;
  readonly handle: (event: DynamoDBStreamEvent) => unknown;
}

/** Results go here so that V8 cannot drop the work that produced them. */
export const sink: { value: unknown } = { value: undefined };

/**
 * The logger the dispatcher gets: level info (the production default, so the per-batch summary line is
 * built and serialised as in Lambda) writing to a no-op sink instead of stdout.
 */
export const benchLogger = createLogger({ level: 'info', write: () => {}, fields: { function: 'bench' } });
export const LOGGER_NOTE =
  "dispatcher logger: createLogger({ level: 'info' }) writing to a no-op sink (the per-batch info line " +
  'is built and serialised, not printed)';

function unmarshallBoth(record: DynamoDBRecord): void {
  const d = record.dynamodb!;
  if (d.NewImage !== undefined) sink.value = unmarshall(d.NewImage as SdkImage);
  if (d.OldImage !== undefined) sink.value = unmarshall(d.OldImage as SdkImage);
}

/** The plain loop most hand-written handlers use. */
function utilLoop(event: DynamoDBStreamEvent): unknown {
  const records = event.Records;
  for (let i = 0; i < records.length; i++) unmarshallBoth(records[i]!);
  return { batchItemFailures: [] };
}

// Created once per module, as Powertools' documentation shows (and as a Lambda would keep it warm).
const processor = new BatchProcessor(EventType.DynamoDBStreams);
const powertools = (event: DynamoDBStreamEvent): unknown => processPartialResponse(event, unmarshallBoth, processor);

const noop: Action = {
  name: 'noop',
  handle: (change) => {
    sink.value = change;
  },
};
const dispatcher = (event: DynamoDBStreamEvent): unknown => processBatch(event, { actions: [noop], logger: benchLogger });

// Images are built on first read; this action reads both, like the util-dynamodb loop, for a like-for-like row.
const readsImages: Action = {
  name: 'readsImages',
  handle: (change) => {
    sink.value = change.newImage;
    sink.value = change.oldImage;
  },
};
const dispatcherImages = (event: DynamoDBStreamEvent): unknown => processBatch(event, { actions: [readsImages], logger: benchLogger });

// Returns a number, not the event: a result kept in `sink` would keep the whole parsed batch alive.
export const FLOOR: Variant = { id: 'floor', label: 'JSON.parse floor', handle: (event) => event.Records.length };
export const UTIL_LOOP: Variant = { id: 'util-loop', label: 'util-dynamodb loop', handle: utilLoop };
export const POWERTOOLS: Variant = { id: 'powertools', label: 'Powertools BatchProcessor', handle: powertools };
export const DISPATCHER: Variant = { id: 'dispatcher', label: 'our dispatcher, lazy (no-op action)', handle: dispatcher };
export const DISPATCHER_IMAGES: Variant = {
  id: 'dispatcher-images',
  label: 'our dispatcher, equal work (action reads both images)',
  handle: dispatcherImages,
};

export const ALL_VARIANTS: readonly Variant[] = [FLOOR, UTIL_LOOP, POWERTOOLS, DISPATCHER_IMAGES, DISPATCHER];
export const variantById = (id: string): Variant => {
  const found = ALL_VARIANTS.find((v) => v.id === id);
  if (!found) throw new Error(`unknown variant ${id}; expected one of ${ALL_VARIANTS.map((v) => v.id).join(', ')}`);
  return found;
};
