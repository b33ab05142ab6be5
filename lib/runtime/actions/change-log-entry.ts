import { createHash } from 'node:crypto';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { canonicalImageText, canonicalValueText } from '../change/canonical-text.js';
import { attributeKeyText, derivedItemKey } from '../change/item-key.js';
import { ITEM_MAX_BYTES, itemSizeBytes } from '../change/item-size.js';
import { sortableSequenceNumber } from '../change/sequence-number.js';
import { toSdkImage } from '../change/to-sdk-image.js';
import type { AttributeValueMap, Change } from '../change/types.js';

/** Room left under DynamoDB's item limit, on top of an item size that is already an upper bound. */
const MARGIN_BYTES = 1024;

export interface ChangeLogEntryOptions {
  /** Seconds an entry lives after the change was written. */
  retentionSeconds: number;
  /** Epoch seconds, for changes without a creation time. */
  nowSeconds: number;
  /** Largest entry to write, in DynamoDB item bytes. Default 400 KB less a margin. */
  maxBytes?: number;
}

/**
 * The change-log item for a change:
 * - `whole`: with the record's images exactly as the stream delivered them, type for type;
 * - `summary`: the images do not fit one item (a MODIFY of a large item carries two), so the entry holds the
 *   keys, the names of the changed attributes (or, if even those do not fit, their count) and a SHA-256 of
 *   each image's canonical text (see canonicalImageText), with `imagesOmitted: true`.
 */
export type ChangeLogEntry =
  | { readonly kind: 'whole'; readonly item: Record<string, AttributeValue> }
  | { readonly kind: 'summary'; readonly item: Record<string, AttributeValue>; readonly changedAttributesOmitted: boolean };

/** The change log's partition key of an item: table and key text, hashed when too long (see derivedItemKey). */
export const changeLogPartitionKey = (tableName: string, keyText: string): string => derivedItemKey([tableName, keyText]);

const sha256 = (image: AttributeValueMap, path: string): string =>
  createHash('sha256').update(canonicalImageText(image, path), 'utf8').digest('hex');

/** Names of the attributes the change set, changed or removed; undefined when a MODIFY lacks an image to compare. */
function changedAttributes(change: Change): string[] | undefined {
  const { newImage, oldImage } = change.raw;
  if (newImage !== undefined && oldImage !== undefined) {
    const names = new Set([...Object.keys(newImage), ...Object.keys(oldImage)]);
    const same = (name: string) =>
      newImage[name] !== undefined &&
      oldImage[name] !== undefined &&
      canonicalValueText(newImage[name], `dynamodb.NewImage.${name}`) === canonicalValueText(oldImage[name], `dynamodb.OldImage.${name}`);
    return [...names].filter((name) => !same(name)).sort();
  }
  if (change.eventName === 'MODIFY') return undefined;
  const image = newImage ?? oldImage;
  return image === undefined ? undefined : Object.keys(image).sort();
}

/**
 * Decides what the change log stores for `change` (pure: no I/O). Within DynamoDB's item limit whatever the
 * item: an entry that cannot hold the images within `maxBytes` holds their hashes instead (the rest of an
 * entry, keys included, takes a few kilobytes at most).
 * @throws InvalidAttributeValueError naming the attribute path when a key or image holds an invalid value.
 */
export function changeLogEntry(change: Change, options: ChangeLogEntryOptions): ChangeLogEntry {
  const maxBytes = options.maxBytes ?? ITEM_MAX_BYTES - MARGIN_BYTES;
  const writtenAt = change.approximateCreationDateTime ?? options.nowSeconds;
  const base: Record<string, AttributeValue> = {
    pk: { S: changeLogPartitionKey(change.tableName, attributeKeyText(change.raw.keys)) },
    sk: { S: sortableSequenceNumber(change.sequenceNumber) },
    table: { S: change.tableName },
    eventName: { S: change.eventName },
    sequenceNumber: { S: change.sequenceNumber },
    keys: { M: toSdkImage(change.raw.keys) },
    ttlExpiry: { BOOL: change.isTtlExpiry },
    backfill: { BOOL: change.isBackfill === true },
    approximateCreationDateTime: { N: String(writtenAt) },
    expiresAt: { N: String(Math.floor(writtenAt) + options.retentionSeconds) },
  };
  const { newImage, oldImage } = change.raw;
  const whole = { ...base };
  if (newImage !== undefined) whole.newImage = { M: toSdkImage(newImage) };
  if (oldImage !== undefined) whole.oldImage = { M: toSdkImage(oldImage) };
  if (itemSizeBytes(whole) <= maxBytes) return { kind: 'whole', item: whole };

  const summary: Record<string, AttributeValue> = { ...base, imagesOmitted: { BOOL: true } };
  if (newImage !== undefined) summary.newImageSha256 = { S: sha256(newImage, 'dynamodb.NewImage') };
  if (oldImage !== undefined) summary.oldImageSha256 = { S: sha256(oldImage, 'dynamodb.OldImage') };
  const changed = changedAttributes(change);
  if (changed === undefined) return { kind: 'summary', item: summary, changedAttributesOmitted: false };
  const withNames = { ...summary, changedAttributes: { L: changed.map((name) => ({ S: name })) } };
  if (itemSizeBytes(withNames) <= maxBytes) return { kind: 'summary', item: withNames, changedAttributesOmitted: false };
  // Attribute names can be 64 KB each: the names of two large images may not fit either.
  return { kind: 'summary', item: { ...summary, changedAttributeCount: { N: String(changed.length) } }, changedAttributesOmitted: true };
}
