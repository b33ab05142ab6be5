import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { AttributeValueMap } from './types.js';

const bytes = (value: unknown): Uint8Array => (typeof value === 'string' ? Buffer.from(value, 'base64') : (value as Uint8Array));

function toSdkValue(value: unknown): AttributeValue {
  const av = value as Record<string, unknown>;
  if (av.B !== undefined) return { B: bytes(av.B) };
  if (av.BS !== undefined) return { BS: (av.BS as unknown[]).map(bytes) };
  if (av.M !== undefined) return { M: toSdkImage(av.M as AttributeValueMap) };
  if (av.L !== undefined) return { L: (av.L as unknown[]).map(toSdkValue) };
  // S, N (its text, exactly), BOOL, NULL, SS and NS are the same in both forms.
  return av as unknown as AttributeValue;
}

/**
 * A record's image (attribute values as a Lambda event carries them, binary as base64 text) in the form the
 * SDK writes: binary as bytes, everything else as is, so DynamoDB stores exactly the types and values the
 * stream delivered. Any attribute name is kept, `__proto__` included.
 */
export function toSdkImage(image: AttributeValueMap): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {};
  for (const name of Object.keys(image)) {
    Object.defineProperty(out, name, { value: toSdkValue(image[name]), enumerable: true, writable: true, configurable: true });
  }
  return out;
}
