import type { _Record as StreamsRecord, AttributeValue } from '@aws-sdk/client-dynamodb-streams';
import { attributeKeyText } from '../../runtime/change/item-key.js';
import { RedriveFailedError } from '../errors.js';

/** One item of a dead letter's range, to be run through the function again as it is now in the table. */
export interface ItemReplay {
  /** The item's key, as the stream gives it (binaries as bytes): what GetItem is asked for. */
  keys: Record<string, AttributeValue>;
  /**
   * The highest sequence number among the item's records in the range: the one the replayed change carries.
   * See {@link planItemReplays} for why.
   */
  sequenceNumber: string;
  /** False when the item's first record in the range is an INSERT: it did not exist before the range. */
  existedBefore: boolean;
  /** The item as it was before the range (its first record's OldImage), when the stream carries old images. */
  imageBefore: Record<string, AttributeValue> | undefined;
  streamViewType: string | undefined;
  /** How many records of the range this replay stands for. */
  records: number;
}

/**
 * Groups the records of a dead letter's range by item, in the order of each item's last record.
 *
 * The replayed change carries the sequence number of the item's LAST record in the range, because the
 * ledger applies a change only when its sequence number is above the one it last applied for the item:
 * - every record of the range (the failed one included) is at or below it, so neither a second
 *   from-item redrive nor a later stream redrive of the same entry can count the item again;
 * - every change made after the range is above it, so a later live change (the fix itself, or any
 *   change after the redrive) still applies, moving the statistics from what the redrive counted;
 * - when such a later change was applied already, the ledger is past it and skips the replay, which
 *   is right: the statistics already follow a newer state of the item.
 * The failed record's own sequence number would not do when the item has later records in the range: a
 * stream redrive of the entry afterwards would apply those stale images over the state counted now. The
 * newest sequence number of the key in the whole stream would need a read to the end of the shard, for
 * no gain: a live change still on its way then moves the statistics to the state they already follow.
 * @throws RedriveFailedError when a record carries no Keys (it cannot be looked up).
 */
export function planItemReplays(records: readonly StreamsRecord[]): ItemReplay[] {
  const byKey = new Map<string, ItemReplay>();
  records.forEach((record, index) => {
    const keys = record.dynamodb?.Keys;
    const sequenceNumber = record.dynamodb?.SequenceNumber;
    if (!keys || Object.keys(keys).length === 0 || !sequenceNumber) {
      throw new RedriveFailedError(
        `Record ${index} of the range (sequence number ${sequenceNumber ?? 'missing'}) carries no Keys, ` +
          'so its item cannot be read from the table; redrive this entry from the stream instead (leave out --from-item)',
      );
    }
    // Injective, N by value, B by bytes: the identity the ledger gives the item.
    const identity = attributeKeyText(keys, `records[${index}].dynamodb.Keys`);
    const known = byKey.get(identity);
    if (known) {
      known.records += 1;
      if (BigInt(sequenceNumber) > BigInt(known.sequenceNumber)) known.sequenceNumber = sequenceNumber;
      // Re-inserted last, so the map's order is the order of each item's last record.
      byKey.delete(identity);
      byKey.set(identity, known);
      return;
    }
    byKey.set(identity, {
      keys,
      sequenceNumber,
      existedBefore: record.eventName !== 'INSERT',
      imageBefore: record.eventName === 'INSERT' ? undefined : record.dynamodb?.OldImage,
      streamViewType: record.dynamodb?.StreamViewType,
      records: 1,
    });
  });
  return [...byKey.values()];
}

/**
 * The stream record that brings an item's current state: REMOVE when the item is gone, INSERT when it
 * is there and did not exist before the range, MODIFY otherwise. Images follow the stream view type:
 * NewImage is the item now, OldImage the item before the range, so the change spans the whole range.
 */
export function itemReplayRecord(
  replay: ItemReplay,
  current: Record<string, AttributeValue> | undefined,
  context: { eventID: string; nowSeconds: number },
): StreamsRecord {
  const view = replay.streamViewType;
  const carriesNew = view === undefined || view === 'NEW_IMAGE' || view === 'NEW_AND_OLD_IMAGES';
  const carriesOld = view === undefined || view === 'OLD_IMAGE' || view === 'NEW_AND_OLD_IMAGES';
  const eventName = current === undefined ? 'REMOVE' : replay.existedBefore ? 'MODIFY' : 'INSERT';
  const oldImage = eventName !== 'INSERT' && carriesOld ? replay.imageBefore : undefined;
  const newImage = eventName !== 'REMOVE' && carriesNew ? current : undefined;
  return {
    eventID: context.eventID,
    eventName,
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    dynamodb: {
      ApproximateCreationDateTime: new Date(context.nowSeconds * 1000),
      Keys: replay.keys,
      ...(newImage ? { NewImage: newImage } : {}),
      ...(oldImage ? { OldImage: oldImage } : {}),
      SequenceNumber: replay.sequenceNumber,
      ...(view !== undefined ? { StreamViewType: view as never } : {}),
    },
  };
}
