import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { toLambdaRecord, type LambdaStreamRecord } from '../../mapping/lambda-record.js';
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

/**
 * The stream record a scanned item would have produced as an INSERT, in Lambda's wire form (made by the
 * same {@link toLambdaRecord} the local stack delivers with), with the backfill sequence number `0` (lower
 * than any real one). Images follow the stream view type.
 * @throws RecordConversionError naming the attribute path when a value cannot be converted.
 */
export function backfillRecord(item: Record<string, AttributeValue>, origin: BackfillOrigin, nowSeconds: number): LambdaStreamRecord {
  // Null prototype: a key attribute named __proto__ stays an attribute.
  const keys: Record<string, AttributeValue> = Object.create(null) as Record<string, AttributeValue>;
  for (const name of origin.keyAttributes) if (Object.hasOwn(item, name)) keys[name] = item[name]!;
  const carriesNew = origin.streamViewType === 'NEW_IMAGE' || origin.streamViewType === 'NEW_AND_OLD_IMAGES';
  return toLambdaRecord(
    {
      eventID: `backfill-${Math.random().toString(16).slice(2, 18)}`,
      eventName: 'INSERT',
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      dynamodb: {
        ApproximateCreationDateTime: new Date(nowSeconds * 1000),
        Keys: keys,
        ...(carriesNew ? { NewImage: item } : {}),
        SequenceNumber: BACKFILL_SEQUENCE_NUMBER,
        StreamViewType: origin.streamViewType,
      },
    },
    { streamArn: origin.eventSourceARN, region: origin.region ?? SERVERLESS_DEFAULTS.region },
  );
}

/**
 * A scanned item as the INSERT change an action gets in a backfill (marked `isBackfill`, sequence number
 * `0`): the record of {@link backfillRecord}, narrowed by the same `toChange` the stream handler uses.
 */
export function backfillChange(
  item: Record<string, AttributeValue>,
  origin: BackfillOrigin,
  index: number,
  nowSeconds = Math.floor(Date.now() / 1000),
): Insert {
  return backfillChangeOf(backfillRecord(item, origin, nowSeconds), index);
}

/** The change of a record made by {@link backfillRecord}, as processBatch's `backfill` option narrows it. */
export function backfillChangeOf(record: unknown, index: number): Insert {
  return toChange(record, index, undefined, { backfill: true }) as Insert;
}
