import type { AttributeValue } from '@aws-sdk/client-dynamodb';

/** DynamoDB's largest item: 400 KB, attribute names included. */
export const ITEM_MAX_BYTES = 400 * 1024;

const utf8 = (text: string): number => Buffer.byteLength(text, 'utf8');

// A number takes about one byte per two significant digits plus one; its text length bounds the digits.
const numberBytes = (text: string): number => Math.ceil(text.length / 2) + 1;

function valueBytes(value: AttributeValue): number {
  if (value.S !== undefined) return utf8(value.S);
  if (value.N !== undefined) return numberBytes(value.N);
  if (value.B !== undefined) return value.B.byteLength;
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  // Sets: no documented overhead; one byte per member is counted anyway, to stay on the safe side.
  if (value.SS !== undefined) return value.SS.reduce((sum, s) => sum + utf8(s) + 1, 0);
  if (value.NS !== undefined) return value.NS.reduce((sum, n) => sum + numberBytes(n) + 1, 0);
  if (value.BS !== undefined) return value.BS.reduce((sum, b) => sum + b.byteLength + 1, 0);
  if (value.L !== undefined) return value.L.reduce((sum, v) => sum + valueBytes(v) + 1, 3);
  if (value.M !== undefined) return mapBytes(value.M, 1) + 3;
  return 0;
}

function mapBytes(map: Record<string, AttributeValue>, perEntry: number): number {
  let sum = 0;
  for (const name of Object.keys(map)) sum += utf8(name) + valueBytes(map[name]!) + perEntry;
  return sum;
}

/**
 * An upper bound of the size DynamoDB counts for an item (SDK form, binary as bytes), by its documented
 * rules: attribute names plus values, numbers by digits, 3 bytes per map or list plus 1 per element.
 */
export function itemSizeBytes(item: Record<string, AttributeValue>): number {
  return mapBytes(item, 0);
}
