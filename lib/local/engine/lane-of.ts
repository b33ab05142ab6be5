import type { LambdaStreamRecord } from '../../mapping/lambda-record.js';

/** FNV-1a over the item's key, so records of one item always go to the same lane. */
export function laneOf(record: LambdaStreamRecord, lanes: number): number {
  if (lanes === 1) return 0;
  const keys = record.dynamodb.Keys ?? {};
  const text = JSON.stringify(
    Object.keys(keys)
      .sort()
      .map((name) => [name, keys[name]]),
  );
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % lanes;
}
