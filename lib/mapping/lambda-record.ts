import type { _Record as StreamsRecord, AttributeValue as StreamsAttributeValue } from '@aws-sdk/client-dynamodb-streams';
import { serviceOfArn, withScope } from '../runtime/arn.js';
import { RecordConversionError } from './errors.js';

/** A DynamoDB stream record exactly as Lambda puts it in an event (attribute values as JSON: binaries in base64). */
export interface LambdaStreamRecord {
  eventID: string;
  eventName: 'INSERT' | 'MODIFY' | 'REMOVE';
  eventVersion: string;
  eventSource: 'aws:dynamodb';
  awsRegion: string;
  dynamodb: {
    ApproximateCreationDateTime?: number;
    Keys?: Record<string, unknown>;
    NewImage?: Record<string, unknown>;
    OldImage?: Record<string, unknown>;
    SequenceNumber: string;
    SizeBytes?: number;
    StreamViewType?: string;
  };
  eventSourceARN: string;
  userIdentity?: { type: string; principalId: string };
}

const base64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');

/** The record's fields as they travel on the wire (JSON): attribute values exactly as Lambda delivers them. */
export interface WireRecord {
  dynamodb?: { SequenceNumber?: unknown; Keys?: unknown; NewImage?: unknown; OldImage?: unknown };
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Sets an own property whatever its name: assigning `__proto__` would change the prototype instead. */
const define = (target: Record<string, unknown>, name: string, value: unknown): void => {
  Object.defineProperty(target, name, { value, enumerable: true, writable: true, configurable: true });
};

/** The SDK hands binaries over as bytes; Lambda events carry them as base64 text. */
function toJsonValue(value: StreamsAttributeValue | undefined, path: string): unknown {
  if (!isObject(value)) {
    // The SDK (3.x) drops the value of a map entry named __proto__; the wire copy has it.
    throw new RecordConversionError(path, `has no attribute value (${value === null ? 'null' : typeof value})`);
  }
  if (value.B !== undefined) return { B: base64(value.B) };
  if (value.BS !== undefined) return { BS: value.BS.map(base64) };
  if (value.M !== undefined) return { M: toJsonImage(value.M, path) };
  if (value.L !== undefined) return { L: value.L.map((item, index) => toJsonValue(item, `${path}[${index}]`)) };
  return value;
}

function toJsonImage(image: Record<string, StreamsAttributeValue>, path: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name of Object.keys(image)) define(out, name, toJsonValue(image[name], `${path}.${name}`));
  return out;
}

/** An image from the wire: already Lambda's JSON, checked to be an object of attribute values. */
function wireImage(image: unknown, path: string): Record<string, unknown> {
  if (!isObject(image)) throw new RecordConversionError(path, 'is not a map of attribute values');
  for (const name of Object.keys(image)) {
    if (!isObject(image[name])) throw new RecordConversionError(`${path}.${name}`, 'has no attribute value');
  }
  return image;
}

/** Epoch seconds, as Lambda delivers ApproximateCreationDateTime (the SDK parses it into a Date). */
export const epochSeconds = (value: Date | number | undefined): number | undefined =>
  value === undefined ? undefined : value instanceof Date ? value.getTime() / 1000 : value;

/**
 * Converts a record of the DynamoDB Streams API into the record Lambda delivers: eventSourceARN is the
 * stream ARN, ApproximateCreationDateTime is a number of epoch seconds, binaries are base64, and
 * userIdentity is kept when present (TTL deletions). Any attribute name converts (`__proto__`,
 * `constructor`). With `wire`, the same record as JSON off the wire, the images are taken from it: the
 * SDK loses the value of an attribute named `__proto__`. Throws RecordConversionError naming the path.
 */
export function toLambdaRecord(
  record: StreamsRecord,
  context: { streamArn: string; region: string },
  wire?: WireRecord,
): LambdaStreamRecord {
  const source = record.dynamodb ?? {};
  const raw = wire?.dynamodb !== undefined && wire.dynamodb.SequenceNumber === source.SequenceNumber ? wire.dynamodb : undefined;
  const dynamodb: LambdaStreamRecord['dynamodb'] = {} as LambdaStreamRecord['dynamodb'];
  const created = epochSeconds(source.ApproximateCreationDateTime);
  if (created !== undefined) dynamodb.ApproximateCreationDateTime = created;
  for (const image of ['Keys', 'NewImage', 'OldImage'] as const) {
    if (!source[image]) continue;
    dynamodb[image] =
      raw?.[image] !== undefined ? wireImage(raw[image], `dynamodb.${image}`) : toJsonImage(source[image], `dynamodb.${image}`);
  }
  dynamodb.SequenceNumber = source.SequenceNumber ?? '';
  if (source.SizeBytes !== undefined) dynamodb.SizeBytes = source.SizeBytes;
  if (source.StreamViewType !== undefined) dynamodb.StreamViewType = source.StreamViewType;
  const result: LambdaStreamRecord = {
    eventID: record.eventID ?? '',
    eventName: record.eventName as LambdaStreamRecord['eventName'],
    eventVersion: record.eventVersion ?? '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: context.region,
    dynamodb,
    eventSourceARN: context.streamArn,
  };
  if (record.userIdentity?.Type || record.userIdentity?.PrincipalId) {
    result.userIdentity = { type: record.userIdentity.Type ?? '', principalId: record.userIdentity.PrincipalId ?? '' };
  }
  return result;
}

/**
 * The stream ARN as it would read on AWS: DynamoDB Local names region `ddblocal` and account
 * `000000000000`, which handlers that parse the ARN would not expect.
 */
export function deliveredStreamArn(localArn: string, region?: string, accountId?: string): string {
  return serviceOfArn(localArn) === 'dynamodb' ? withScope(localArn, { region, accountId }) : localArn;
}
