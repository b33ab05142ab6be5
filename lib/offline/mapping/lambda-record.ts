import type { _Record as StreamsRecord, AttributeValue as StreamsAttributeValue } from '@aws-sdk/client-dynamodb-streams';

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

/** The SDK hands binaries over as bytes; Lambda events carry them as base64 text. */
function toJsonValue(value: StreamsAttributeValue): unknown {
  if (value.B !== undefined) return { B: base64(value.B) };
  if (value.BS !== undefined) return { BS: value.BS.map(base64) };
  if (value.M !== undefined) return { M: toJsonImage(value.M) };
  if (value.L !== undefined) return { L: value.L.map(toJsonValue) };
  return value;
}

const toJsonImage = (image: Record<string, StreamsAttributeValue>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(image).map(([name, value]) => [name, toJsonValue(value)]));

/** Epoch seconds, as Lambda delivers ApproximateCreationDateTime (the SDK parses it into a Date). */
export const epochSeconds = (value: Date | number | undefined): number | undefined =>
  value === undefined ? undefined : value instanceof Date ? value.getTime() / 1000 : value;

/**
 * Converts a record of the DynamoDB Streams API into the record Lambda delivers: eventSourceARN is the
 * stream ARN, ApproximateCreationDateTime is a number of epoch seconds, binaries are base64, and
 * userIdentity is kept when present (TTL deletions).
 */
export function toLambdaRecord(record: StreamsRecord, context: { streamArn: string; region: string }): LambdaStreamRecord {
  const source = record.dynamodb ?? {};
  const dynamodb: LambdaStreamRecord['dynamodb'] = {} as LambdaStreamRecord['dynamodb'];
  const created = epochSeconds(source.ApproximateCreationDateTime);
  if (created !== undefined) dynamodb.ApproximateCreationDateTime = created;
  if (source.Keys) dynamodb.Keys = toJsonImage(source.Keys);
  if (source.NewImage) dynamodb.NewImage = toJsonImage(source.NewImage);
  if (source.OldImage) dynamodb.OldImage = toJsonImage(source.OldImage);
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
  const match = /^arn:([^:]+):dynamodb:([^:]*):([^:]*):(.*)$/.exec(localArn);
  if (!match) return localArn;
  return `arn:${match[1]}:dynamodb:${region ?? match[2]}:${accountId ?? match[3]}:${match[4]}`;
}
