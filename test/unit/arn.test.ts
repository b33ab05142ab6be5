import { describe, expect, it } from 'vitest';
import {
  accountOfArn,
  bucketArn,
  formatArn,
  functionArn,
  indexArn,
  logGroupArn,
  parseArn,
  parseDynamoDBArn,
  parseStreamArn,
  queueArn,
  regionOfArn,
  resourceNameOfArn,
  roleArn,
  roleNameOfArn,
  serviceOfArn,
  streamArn,
  streamLabelOf,
  tableArn,
  tableNameFromStreamArn,
  tableNameOfArn,
  topicArn,
  withScope,
} from '../../lib/runtime/arn.js';

const scope = { region: 'eu-west-1', accountId: '123456789012' };
const LABEL = '2026-01-01T00:00:00.000';
const BOOKS_STREAM = `arn:aws:dynamodb:eu-west-1:123456789012:table/books-local/stream/${LABEL}`;
// A table name may hold dots, dashes and underscores; a 255-character one is legal.
const LONG_TABLE = `t.${'x'.repeat(251)}_-`;

describe('building ARNs', () => {
  it.each([
    ['table', tableArn(scope, 'books-local'), 'arn:aws:dynamodb:eu-west-1:123456789012:table/books-local'],
    ['index', indexArn(scope, 'books-local', 'byAuthor'), 'arn:aws:dynamodb:eu-west-1:123456789012:table/books-local/index/byAuthor'],
    ['stream', streamArn(scope, 'books-local', LABEL), BOOKS_STREAM],
    ['any stream (policy)', streamArn(scope, 'books-local', '*'), 'arn:aws:dynamodb:eu-west-1:123456789012:table/books-local/stream/*'],
    ['function', functionArn(scope, 'svc-local-booksStream'), 'arn:aws:lambda:eu-west-1:123456789012:function:svc-local-booksStream'],
    ['queue', queueArn(scope, 'dlq'), 'arn:aws:sqs:eu-west-1:123456789012:dlq'],
    ['topic', topicArn(scope, 'alerts'), 'arn:aws:sns:eu-west-1:123456789012:alerts'],
    ['bucket (global, no account)', bucketArn(scope, 'failures'), 'arn:aws:s3:::failures'],
    ['role (global, no region)', roleArn(scope, 'books-role'), 'arn:aws:iam::123456789012:role/books-role'],
    ['log group', logGroupArn(scope, '/aws/lambda/f'), 'arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/f:*'],
    ['table in another partition', tableArn({ ...scope, partition: 'aws-cn' }, 't'), 'arn:aws-cn:dynamodb:eu-west-1:123456789012:table/t'],
  ])('%s', (_name, built, expected) => {
    // Act / Assess
    expect(built).toBe(expected);
  });

  it.each([
    ['table', tableArn(scope, LONG_TABLE)],
    ['stream', streamArn(scope, LONG_TABLE, LABEL)],
    ['queue', queueArn(scope, 'a-queue')],
    ['log group with colons in its resource', logGroupArn(scope, 'g')],
  ])('parses what it builds back to the same text: %s', (_name, text) => {
    // Act
    const parsed = parseArn(text);
    // Assess
    expect(parsed).toBeDefined();
    expect(formatArn(parsed!)).toBe(text);
  });
});

describe('parsing DynamoDB ARNs', () => {
  it.each([
    ['stream', BOOKS_STREAM, { tableName: 'books-local', kind: 'stream', sub: LABEL }],
    ['table', 'arn:aws:dynamodb:eu-west-1:1:table/books-local', { tableName: 'books-local', kind: 'table' }],
    [
      'index',
      'arn:aws:dynamodb:eu-west-1:1:table/books-local/index/byAuthor',
      { tableName: 'books-local', kind: 'index', sub: 'byAuthor' },
    ],
    [
      'DynamoDB Local',
      `arn:aws:dynamodb:ddblocal:000000000000:table/${LONG_TABLE}/stream/${LABEL}`,
      { tableName: LONG_TABLE, kind: 'stream', region: 'ddblocal' },
    ],
  ])('%s', (_name, text, expected) => {
    // Act / Assess
    expect(parseDynamoDBArn(text)).toMatchObject(expected);
  });

  it.each([
    ['an SQS ARN', 'arn:aws:sqs:eu-west-1:1:table/x'],
    ['a table name', 'books-local'],
    ['an empty text', ''],
    ['no resource', 'arn:aws:dynamodb:eu-west-1:1:'],
    ['a backup', 'arn:aws:dynamodb:eu-west-1:1:table/t/backup/01'],
  ])('is undefined for %s', (_name, text) => {
    // Act / Assess
    expect(parseDynamoDBArn(text)).toBeUndefined();
  });
});

describe('parseStreamArn and its parts', () => {
  it.each([
    ['AWS', BOOKS_STREAM, { tableName: 'books-local', label: LABEL, region: 'eu-west-1', accountId: '123456789012', partition: 'aws' }],
    [
      'China',
      `arn:aws-cn:dynamodb:cn-north-1:1:table/t/stream/${LABEL}`,
      { tableName: 't', label: LABEL, region: 'cn-north-1', partition: 'aws-cn' },
    ],
    ['a label with slashes', 'arn:aws:dynamodb:r:1:table/t/stream/a/b', { tableName: 't', label: 'a/b' }],
  ])('%s', (_name, text, expected) => {
    // Act / Assess
    expect(parseStreamArn(text)).toMatchObject(expected);
    expect(tableNameFromStreamArn(text)).toBe(expected.tableName);
    expect(streamLabelOf(text)).toBe(expected.label);
  });

  it.each([
    ['a table ARN', 'arn:aws:dynamodb:eu-west-1:1:table/t'],
    ['an index ARN', 'arn:aws:dynamodb:eu-west-1:1:table/t/index/i'],
    ['a Kinesis ARN', 'arn:aws:kinesis:eu-west-1:1:stream/s'],
    ['text', 'table/t/stream/x'],
  ])('is undefined for %s', (_name, text) => {
    // Act / Assess
    expect(parseStreamArn(text)).toBeUndefined();
    expect(tableNameFromStreamArn(text)).toBeUndefined();
    expect(streamLabelOf(text)).toBeUndefined();
  });

  it.each([
    ['stream', BOOKS_STREAM, 'books-local'],
    ['table', 'arn:aws:dynamodb:r:1:table/books-local', 'books-local'],
    ['index', 'arn:aws:dynamodb:r:1:table/books-local/index/i', 'books-local'],
    ['queue', 'arn:aws:sqs:r:1:q', undefined],
    ['nothing', undefined, undefined],
  ])('tableNameOfArn of a %s ARN', (_name, text, expected) => {
    // Act / Assess
    expect(tableNameOfArn(text)).toBe(expected);
  });
});

describe('region, account, service and names', () => {
  it.each([
    [BOOKS_STREAM, 'eu-west-1', '123456789012', 'dynamodb'],
    ['arn:aws:s3:::bucket', undefined, undefined, 's3'],
    ['arn:aws:iam::123456789012:role/r', undefined, '123456789012', 'iam'],
    ['not an arn', undefined, undefined, undefined],
  ])('%s', (text, region, account, service) => {
    // Act / Assess
    expect([regionOfArn(text), accountOfArn(text), serviceOfArn(text)]).toEqual([region, account, service]);
  });

  it.each([
    ['arn:aws:sqs:eu-west-1:1:books-dlq', 'books-dlq'],
    ['arn:aws:sns:eu-west-1:1:alerts', 'alerts'],
    ['arn:aws:s3:::failures', 'failures'],
    [BOOKS_STREAM, undefined],
    ['books-dlq', undefined],
  ])('resourceNameOfArn(%s)', (text, expected) => {
    // Act / Assess
    expect(resourceNameOfArn(text)).toBe(expected);
  });

  it.each([
    ['arn:aws:iam::1:role/books-role', 'books-role'],
    ['arn:aws:iam::1:role/service-role/path/books-role', 'books-role'],
    ['arn:aws:iam::1:user/someone', undefined],
    ['arn:aws:sqs:r:1:role/x', undefined],
  ])('roleNameOfArn(%s)', (text, expected) => {
    // Act / Assess
    expect(roleNameOfArn(text)).toBe(expected);
  });

  it.each([
    [
      'both',
      { region: 'us-east-1', accountId: '000000000000' },
      `arn:aws:dynamodb:us-east-1:000000000000:table/books-local/stream/${LABEL}`,
    ],
    ['region only', { region: 'us-east-1' }, `arn:aws:dynamodb:us-east-1:123456789012:table/books-local/stream/${LABEL}`],
    ['nothing', {}, BOOKS_STREAM],
  ])('withScope: %s', (_name, newScope, expected) => {
    // Act / Assess
    expect(withScope(BOOKS_STREAM, newScope)).toBe(expected);
  });

  it('withScope leaves text that is not an ARN as it is', () => {
    // Act / Assess
    expect(withScope('books-local', { region: 'r' })).toBe('books-local');
  });
});
