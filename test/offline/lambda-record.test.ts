import { describe, expect, it } from 'vitest';
import { RecordConversionError } from '../../lib/mapping/errors.js';
import { deliveredStreamArn, toLambdaRecord } from '../../lib/mapping/lambda-record.js';
import { streamFailurePayload } from '../../lib/mapping/failure-payload.js';
import { failurePayload } from '../factories/failure-payload.js';

const streamArn = 'arn:aws:dynamodb:us-east-1:123456789012:table/books/stream/2026-01-01T00:00:00.000';

describe('toLambdaRecord', () => {
  it('turns a Streams API record into the record Lambda delivers', () => {
    // Prepare: the SDK's shape — a Date, bytes for binaries, the TTL service identity.
    const sdkRecord = {
      eventID: 'e1',
      eventName: 'REMOVE' as const,
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: 'ddblocal',
      dynamodb: {
        ApproximateCreationDateTime: new Date('2026-03-01T10:20:30.000Z'),
        Keys: { id: { S: 'k' } },
        OldImage: {
          id: { S: 'k' },
          blob: { B: new Uint8Array([255, 0, 1]) },
          blobs: { BS: [new Uint8Array([1]), new Uint8Array([2])] },
          nested: { M: { inner: { B: new Uint8Array([3]) }, list: { L: [{ B: new Uint8Array([4]) }, { N: '5' }] } } },
          expiresAt: { N: '1700000000' },
        },
        SequenceNumber: '000000000000000000042',
        SizeBytes: 77,
        StreamViewType: 'NEW_AND_OLD_IMAGES' as const,
      },
      userIdentity: { Type: 'Service', PrincipalId: 'dynamodb.amazonaws.com' },
    };
    // Act
    const record = toLambdaRecord(sdkRecord, { streamArn, region: 'us-east-1' });
    // Assess
    expect(record).toEqual({
      eventID: 'e1',
      eventName: 'REMOVE',
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: 'us-east-1',
      dynamodb: {
        ApproximateCreationDateTime: 1772360430,
        Keys: { id: { S: 'k' } },
        OldImage: {
          id: { S: 'k' },
          blob: { B: '/wAB' },
          blobs: { BS: ['AQ==', 'Ag=='] },
          nested: { M: { inner: { B: 'Aw==' }, list: { L: [{ B: 'BA==' }, { N: '5' }] } } },
          expiresAt: { N: '1700000000' },
        },
        SequenceNumber: '000000000000000000042',
        SizeBytes: 77,
        StreamViewType: 'NEW_AND_OLD_IMAGES',
      },
      eventSourceARN: streamArn,
      userIdentity: { type: 'Service', principalId: 'dynamodb.amazonaws.com' },
    });
    expect(JSON.parse(JSON.stringify(record))).toEqual(record);
  });

  it('leaves userIdentity out for an ordinary write', () => {
    const record = toLambdaRecord(
      { eventName: 'INSERT', dynamodb: { Keys: { id: { S: 'k' } }, SequenceNumber: '1' } },
      { streamArn, region: 'eu-west-1' },
    );
    expect('userIdentity' in record).toBe(false);
    expect(record.awsRegion).toBe('eu-west-1');
  });
});

describe('deliveredStreamArn', () => {
  it.each([
    [
      'rewrites DynamoDB Local region and account',
      'arn:aws:dynamodb:ddblocal:000000000000:table/t/stream/L',
      'eu-west-1',
      '111122223333',
      'arn:aws:dynamodb:eu-west-1:111122223333:table/t/stream/L',
    ],
    [
      'keeps what is not given',
      'arn:aws:dynamodb:ddblocal:000000000000:table/t/stream/L',
      undefined,
      undefined,
      'arn:aws:dynamodb:ddblocal:000000000000:table/t/stream/L',
    ],
    ['leaves a non-ARN alone', 'not-an-arn', 'eu-west-1', '1', 'not-an-arn'],
  ])('%s', (_name, arn, region, account, expected) => {
    expect(deliveredStreamArn(arn, region, account)).toBe(expected);
  });
});

describe('streamFailurePayload', () => {
  it('builds the message AWS sends to an on-failure destination', () => {
    const records = ['000000000000000000100', '000000000000000000200'].map((seq, i) =>
      toLambdaRecord(
        {
          eventName: 'INSERT',
          dynamodb: {
            ApproximateCreationDateTime: new Date(Date.UTC(2026, 0, 1, 0, 0, i * 7)),
            Keys: { id: { S: seq } },
            SequenceNumber: seq,
          },
        },
        { streamArn, region: 'us-east-1' },
      ),
    );
    const payload = streamFailurePayload({
      records,
      shardId: 'shardId-1',
      streamArn,
      functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:f',
      requestId: 'req-1',
      condition: 'RetryAttemptsExhausted',
      approximateInvokeCount: 4,
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      now: new Date('2026-01-01T01:00:00.000Z'),
    });
    expect(payload).toEqual(
      failurePayload({
        requestId: 'req-1',
        functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:f',
        condition: 'RetryAttemptsExhausted',
        approximateInvokeCount: 4,
        timestamp: '2026-01-01T01:00:00.000Z',
        shardId: 'shardId-1',
        start: '000000000000000000100',
        end: '000000000000000000200',
        arrivals: ['2026-01-01T00:00:00Z', '2026-01-01T00:00:07Z'],
        batchSize: 2,
        streamArn,
      }),
    );
  });
});

describe('toLambdaRecord with any attribute name', () => {
  // What the SDK (3.x) makes of an image with an attribute named __proto__: the name, without its value.
  const sdkImage = () => {
    const image = Object.create(null) as Record<string, unknown>;
    Object.defineProperty(image, '__proto__', { value: undefined, enumerable: true, writable: true, configurable: true });
    // biome-ignore lint/complexity/useLiteralKeys: `.constructor` would read as Object's, and type as Function
    image['constructor'] = { S: 'c' };
    image.id = { S: 'k' };
    return image;
  };
  const sdkRecord = (image: Record<string, unknown>, sequenceNumber = '000000000000000000007') =>
    ({ eventName: 'INSERT', dynamodb: { Keys: { id: { S: 'k' } }, NewImage: image, SequenceNumber: sequenceNumber } }) as never;
  const wireText =
    '{"dynamodb":{"SequenceNumber":"000000000000000000007","Keys":{"id":{"S":"k"}},' +
    '"NewImage":{"__proto__":{"S":"p"},"constructor":{"S":"c"},"id":{"S":"k"}}}}';

  it('takes the images from the wire, where __proto__ keeps its value', () => {
    // Act
    const record = toLambdaRecord(sdkRecord(sdkImage()), { streamArn, region: 'us-east-1' }, JSON.parse(wireText));
    // Assess
    expect(JSON.stringify(record.dynamodb.NewImage)).toBe('{"__proto__":{"S":"p"},"constructor":{"S":"c"},"id":{"S":"k"}}');
    expect(Object.getPrototypeOf(record.dynamodb.NewImage)).toBe(Object.prototype);
  });

  it.each([
    ['no wire copy', undefined],
    ['a wire copy of another record', JSON.parse(wireText.replace('000000000000000000007', '000000000000000000008'))],
  ])('names the attribute path when the SDK lost a value and there is %s', (_label, wire) => {
    // Act
    const convert = () => toLambdaRecord(sdkRecord(sdkImage()), { streamArn, region: 'us-east-1' }, wire);
    // Assess
    expect(convert).toThrow(RecordConversionError);
    expect(convert).toThrow(/^dynamodb\.NewImage\.__proto__ has no attribute value \(undefined\)$/);
  });

  it.each(['__proto__', 'constructor', 'toString', 'hasOwnProperty'])(
    'converts an SDK image with the attribute %s into an own property',
    (name) => {
      // Prepare
      const image = Object.create(null) as Record<string, unknown>;
      Object.defineProperty(image, name, { value: { M: { [name]: { B: new Uint8Array([255]) } } }, enumerable: true });
      Object.defineProperty((image[name] as { M: Record<string, unknown> }).M, name, {
        value: { B: new Uint8Array([255]) },
        enumerable: true,
      });
      // Act
      const record = toLambdaRecord(sdkRecord(image), { streamArn, region: 'us-east-1' });
      // Assess
      const converted = Object.getOwnPropertyDescriptor(record.dynamodb.NewImage, name)?.value as { M: object };
      expect(Object.getOwnPropertyDescriptor(converted.M, name)?.value).toEqual({ B: '/w==' });
      expect(Object.getPrototypeOf(record.dynamodb.NewImage)).toBe(Object.prototype);
    },
  );
});
