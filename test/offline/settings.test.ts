import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../lib/runtime/errors.js';
import { settingsFromStreamEvent } from '../../lib/mapping/settings.js';
import { functionSpec } from '../../lib/mapping/function-spec.js';
import { readServerlessConfig } from '../../lib/mapping/serverless-config.js';
import { SERVERLESS_DEFAULT_TIMEOUT_SECONDS, SERVERLESS_STREAM_DEFAULTS } from '../factories/mapping-settings.js';

const resources = {
  BooksTable: {
    Type: 'AWS::DynamoDB::Table',
    Properties: { TableName: 'books-x', StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' } },
  },
  PlainTable: { Type: 'AWS::DynamoDB::Table', Properties: { TableName: 'plain-x' } },
  Queue: { Type: 'AWS::SQS::Queue', Properties: {} },
  FailedBatches: { Type: 'AWS::S3::Bucket', Properties: {} },
};
const booksArn = { 'Fn::GetAtt': ['BooksTable', 'StreamArn'] };
const stream = (fields: Record<string, unknown>) => ({ stream: { type: 'dynamodb', arn: booksArn, ...fields } });

describe('settingsFromStreamEvent', () => {
  it.each(['booksStream', 'ordersStream'])('converts the stream event of %s in serverless.yml', (name) => {
    // Prepare: expectations come from the file itself, so the test follows serverless.yml as it changes.
    const config = readServerlessConfig({ stage: 'unit' });
    const fn = config.functions[name]!;
    const event = (fn.events as Array<{ stream: Record<string, any> }>)[0]!;
    const stream = event.stream;
    const logicalId = stream.arn['Fn::GetAtt'][0] as string;
    // Act
    const settings = settingsFromStreamEvent(name, fn, event, config.resources, { timeoutSeconds: 60 });
    // Assess
    expect(settings).toEqual({
      functionName: name,
      tableName: config.resources[logicalId]!.Properties!.TableName,
      enabled: stream.enabled ?? true,
      batchSize: stream.batchSize ?? 10,
      batchWindowSeconds: stream.batchWindow ?? 0,
      startingPosition: stream.startingPosition ?? 'TRIM_HORIZON',
      maximumRetryAttempts: stream.maximumRetryAttempts ?? -1,
      maximumRecordAgeInSeconds: stream.maximumRecordAgeInSeconds ?? -1,
      bisectBatchOnFunctionError: stream.bisectBatchOnFunctionError ?? false,
      parallelizationFactor: stream.parallelizationFactor ?? 1,
      tumblingWindowInSeconds: stream.tumblingWindowInSeconds ?? 0,
      reportBatchItemFailures: stream.functionResponseType === 'ReportBatchItemFailures',
      filterPatterns: stream.filterPatterns ?? [],
      onFailureDestination: stream.destinations.onFailure.arn['Fn::GetAtt'][0],
      onFailureDestinationType: 'sqs',
      functionTimeoutSeconds: fn.timeout ?? 60,
    });
    expect(settings!.tableName).toBe(`${name === 'booksStream' ? 'books' : 'orders'}-unit`);
  });

  it('applies the defaults Serverless compiles', () => {
    const settings = settingsFromStreamEvent('f', {}, { stream: { type: 'dynamodb', arn: booksArn } }, resources);
    expect(settings).toMatchObject({ ...SERVERLESS_STREAM_DEFAULTS, functionTimeoutSeconds: SERVERLESS_DEFAULT_TIMEOUT_SECONDS });
    expect(settings?.onFailureDestination).toBeUndefined();
  });

  it.each([
    ['a literal stream ARN', { stream: 'arn:aws:dynamodb:us-east-1:123456789012:table/books-x/stream/2020-01-01T00:00:00.000' }, 'books-x'],
    ['GetAtt in dotted form', { stream: { type: 'dynamodb', arn: { 'Fn::GetAtt': 'BooksTable.StreamArn' } } }, 'books-x'],
  ])('resolves the table from %s', (_name, event, tableName) => {
    expect(settingsFromStreamEvent('f', {}, event, resources)?.tableName).toBe(tableName);
  });

  it.each([
    ['an http event', { http: { path: '/' } }],
    ['a kinesis stream', { stream: { type: 'kinesis', arn: 'arn:aws:kinesis:us-east-1:1:stream/s' } }],
    ['a kinesis ARN string', { stream: 'arn:aws:kinesis:us-east-1:1:stream/s' }],
  ])('returns undefined for %s', (_name, event) => {
    expect(settingsFromStreamEvent('f', {}, event, resources)).toBeUndefined();
  });

  it.each([
    [
      'unknown logical id',
      { stream: { type: 'dynamodb', arn: { 'Fn::GetAtt': ['NopeTable', 'StreamArn'] } } },
      'arn refers to "NopeTable", which is not in resources',
    ],
    [
      'unknown table in an ARN',
      { stream: 'arn:aws:dynamodb:us-east-1:1:table/nope/stream/x' },
      'names table "nope", which is not an AWS::DynamoDB::Table',
    ],
    [
      'a table without a stream',
      { stream: { type: 'dynamodb', arn: { 'Fn::GetAtt': ['PlainTable', 'StreamArn'] } } },
      'has no StreamSpecification',
    ],
    [
      'GetAtt of Arn instead of StreamArn',
      { stream: { type: 'dynamodb', arn: { 'Fn::GetAtt': ['BooksTable', 'Arn'] } } },
      'needs !GetAtt BooksTable.StreamArn',
    ],
    [
      'a GetAtt of a queue',
      { stream: { type: 'dynamodb', arn: { 'Fn::GetAtt': ['Queue', 'StreamArn'] } } },
      'a AWS::SQS::Queue, not an AWS::DynamoDB::Table',
    ],
    ['a GetAtt without type', { stream: { arn: booksArn } }, 'type must be "dynamodb"'],
    ['batchSize 0', stream({ batchSize: 0 }), 'batchSize is 0; allowed: 1 to 10000'],
    ['batchSize 10001', stream({ batchSize: 10_001 }), 'batchSize is 10001'],
    ['batchSize not an integer', stream({ batchSize: '10' }), 'batchSize must be an integer'],
    ['batchWindow 301', stream({ batchWindow: 301 }), 'batchWindow is 301; allowed: 0 to 300'],
    ['maximumRetryAttempts -2', stream({ maximumRetryAttempts: -2 }), 'maximumRetryAttempts is -2; allowed: -1 or 0 to 10000'],
    ['maximumRetryAttempts 10001', stream({ maximumRetryAttempts: 10_001 }), 'maximumRetryAttempts is 10001'],
    [
      'maximumRecordAgeInSeconds 59',
      stream({ maximumRecordAgeInSeconds: 59 }),
      'maximumRecordAgeInSeconds is 59; allowed: -1 or 60 to 604800',
    ],
    ['maximumRecordAgeInSeconds 604801', stream({ maximumRecordAgeInSeconds: 604_801 }), 'maximumRecordAgeInSeconds is 604801'],
    ['parallelizationFactor 11', stream({ parallelizationFactor: 11 }), 'parallelizationFactor is 11; allowed: 1 to 10'],
    ['parallelizationFactor 0', stream({ parallelizationFactor: 0 }), 'parallelizationFactor is 0'],
    ['tumblingWindowInSeconds 901', stream({ tumblingWindowInSeconds: 901 }), 'tumblingWindowInSeconds is 901; allowed: 0 to 900'],
    ['startingPosition AT_TIMESTAMP', stream({ startingPosition: 'AT_TIMESTAMP' }), 'startingPosition must be TRIM_HORIZON or LATEST'],
    [
      'a bad functionResponseType',
      stream({ functionResponseType: 'ReportItemFailures' }),
      'functionResponseType must be ReportBatchItemFailures',
    ],
    ['enabled as a string', stream({ enabled: 'false' }), 'enabled must be true or false'],
    [
      'six filter patterns',
      stream({ filterPatterns: Array.from({ length: 6 }, () => ({ eventName: ['INSERT'] })) }),
      'has 6 patterns; Lambda allows at most 5',
    ],
    [
      'an invalid filter pattern',
      stream({ filterPatterns: [{ eventName: 'INSERT' }] }),
      'filterPatterns pattern 1.eventName must be a list',
    ],
    [
      'a bad destination type',
      stream({ destinations: { onFailure: { arn: 'arn:aws:sqs:us-east-1:1:q', type: 'lambda' } } }),
      'destinations.onFailure.type must be sqs, sns or s3',
    ],
    [
      'an on-failure ARN of no destination kind',
      stream({ destinations: { onFailure: 'arn:aws:lambda:us-east-1:1:function:f' } }),
      'is not an SQS queue, SNS topic or S3 bucket ARN',
    ],
    [
      'a type that contradicts the ARN',
      stream({ destinations: { onFailure: { arn: 'arn:aws:s3:::failed-batches', type: 'sqs' } } }),
      'destinations.onFailure.type is sqs, but arn:aws:s3:::failed-batches is an s3 destination',
    ],
  ])('rejects %s, naming the function and the setting', (_name, event, message) => {
    expect(() => settingsFromStreamEvent('booksStream', {}, event, resources)).toThrow(ConfigurationError);
    expect(() => settingsFromStreamEvent('booksStream', {}, event, resources)).toThrow(`function "booksStream", stream event: `);
    expect(() => settingsFromStreamEvent('booksStream', {}, event, resources)).toThrow(message);
  });

  it.each([
    ['maximumRetryAttempts -1', { maximumRetryAttempts: -1 }, 'maximumRetryAttempts', -1],
    ['maximumRecordAgeInSeconds -1', { maximumRecordAgeInSeconds: -1 }, 'maximumRecordAgeInSeconds', -1],
    ['maximumRecordAgeInSeconds 60', { maximumRecordAgeInSeconds: 60 }, 'maximumRecordAgeInSeconds', 60],
    ['batchSize 10000', { batchSize: 10_000 }, 'batchSize', 10_000],
    ['enabled false', { enabled: false }, 'enabled', false],
    ['startingPosition LATEST', { startingPosition: 'LATEST' }, 'startingPosition', 'LATEST'],
    ['a filter pattern as JSON text', { filterPatterns: ['{"eventName":["INSERT"]}'] }, 'filterPatterns', [{ eventName: ['INSERT'] }]],
    [
      'a destination ARN',
      { destinations: { onFailure: 'arn:aws:sqs:us-east-1:1:q' } },
      'onFailureDestination',
      'arn:aws:sqs:us-east-1:1:q',
    ],
    [
      'an S3 bucket ARN',
      { destinations: { onFailure: { arn: 'arn:aws:s3:::failed-batches', type: 's3' } } },
      'onFailureDestination',
      'arn:aws:s3:::failed-batches',
    ],
    [
      'an S3 bucket ARN, typed from the ARN',
      { destinations: { onFailure: 'arn:aws:s3:::failed-batches' } },
      'onFailureDestinationType',
      's3',
    ],
    [
      'a GetAtt of an S3 bucket, typed from the resource',
      { destinations: { onFailure: { arn: { 'Fn::GetAtt': ['FailedBatches', 'Arn'] } } } },
      'onFailureDestinationType',
      's3',
    ],
    [
      'an SNS topic ARN, typed from the ARN',
      { destinations: { onFailure: 'arn:aws:sns:us-east-1:1:t' } },
      'onFailureDestinationType',
      'sns',
    ],
  ])('accepts %s', (_name, fields, key, value) => {
    expect(settingsFromStreamEvent('f', {}, stream(fields), resources)?.[key as 'batchSize']).toEqual(value);
  });
});

describe('functionSpec stream mappings', () => {
  it.each([
    ['the service, stage and key', 'local', {}, 'ddb-streams-local-booksStream'],
    ['the service, another stage and key', 'prod', {}, 'ddb-streams-prod-booksStream'],
    ["the function's own name", 'local', { name: 'custom-books' }, 'custom-books'],
  ])('names the deployed function by %s', (_label, stage, override, expected) => {
    // Prepare
    const config = readServerlessConfig({ stage });
    const functions = { ...config.functions, booksStream: { ...config.functions.booksStream!, ...override } };
    // Act
    const [settings] = functionSpec({ ...config, functions }, 'booksStream').streamMappings;
    // Assess
    expect(config.service).toBe('ddb-streams');
    expect(settings).toMatchObject({ functionName: 'booksStream', deployedName: expected });
  });
});
