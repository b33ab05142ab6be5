import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { BACKFILL_SEQUENCE_NUMBER } from '../../runtime/change/sequence-number.js';
import { toChange } from '../../runtime/change/to-change.js';
import type { Insert } from '../../runtime/change/types.js';
import { SERVERLESS_DEFAULTS } from '../../mapping/serverless-defaults.js';

/** Where backfilled changes claim to come from. */
export interface BackfillOrigin {
  /** The table's current stream ARN (DescribeTable `LatestStreamArn`): what live records carry. */
  eventSourceARN: string;
  keyAttributes: readonly string[];
  streamViewType: 'KEYS_ONLY' | 'NEW_IMAGE' | 'OLD_IMAGE' | 'NEW_AND_OLD_IMAGES';
  region?: string;
}

/** An attribute value as Lambda delivers it: binary values as base64 text, not bytes. */
function toWire(value: AttributeValue): unknown {
  if (value.B !== undefined) return { B: Buffer.from(value.B).toString('base64') };
  if (value.BS !== undefined) return { BS: value.BS.map((b) => Buffer.from(b).toString('base64')) };
  if (value.M !== undefined) return { M: toWireImage(value.M) };
  if (value.L !== undefined) return { L: value.L.map(toWire) };
  return value;
}

const toWireImage = (image: Record<string, AttributeValue>): Record<string, unknown> => {
  const out: Record<string, unknown> = {};
  for (const name in image) out[name] = toWire(image[name]!);
  return out;
};

/**
 * The stream record a scanned item would have produced as an INSERT, in Lambda's wire form, with the
 * backfill sequence number `0` (lower than any real one). Images follow the stream view type.
 */
export function backfillRecord(item: Record<string, AttributeValue>, origin: BackfillOrigin, nowSeconds: number): DynamoDBRecord {
  const image = toWireImage(item);
  const keys: Record<string, unknown> = {};
  for (const name of origin.keyAttributes) keys[name] = image[name];
  const carriesNew = origin.streamViewType === 'NEW_IMAGE' || origin.streamViewType === 'NEW_AND_OLD_IMAGES';
  return {
    eventID: `backfill-${Math.random().toString(16).slice(2, 18)}`,
    eventName: 'INSERT',
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: origin.region ?? SERVERLESS_DEFAULTS.region,
    eventSourceARN: origin.eventSourceARN,
    dynamodb: {
      ApproximateCreationDateTime: nowSeconds,
      Keys: keys as never,
      ...(carriesNew ? { NewImage: image as never } : {}),
      SequenceNumber: BACKFILL_SEQUENCE_NUMBER,
      StreamViewType: origin.streamViewType,
    },
  };
}

/**
 * A scanned item as an INSERT change marked `isBackfill`, narrowed by the same `toChange` the stream
 * handler uses, so actions cannot tell it from a live INSERT except by that flag and sequence number `0`.
 */
export function backfillChange(item: Record<string, AttributeValue>, origin: BackfillOrigin, index: number, nowSeconds = Math.floor(Date.now() / 1000)): Insert {
  return backfillChangeOf(backfillRecord(item, origin, nowSeconds), index);
}

/** The change of a record made by {@link backfillRecord}. */
export function backfillChangeOf(record: DynamoDBRecord, index: number): Insert {
  return toChange(record, index, undefined, { backfill: true }) as Insert;
}
