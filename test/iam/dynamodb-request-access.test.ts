import { describe, expect, it } from 'vitest';
import { requiredAccess } from '../../lib/local/iam/dynamodb-request-access.js';
import type { AccessRequest } from '../../lib/local/iam/evaluate-access.js';

const ARNS = { region: 'us-east-1', accountId: '000000000000' };
const TABLE = (name: string) => `arn:aws:dynamodb:us-east-1:000000000000:table/${name}`;
const STREAM = `${TABLE('books-local')}/stream/2026-11-30T07:18:44.843`;
const LOCAL_STREAM = 'arn:aws:dynamodb:ddblocal:000000000000:table/books-local/stream/2026-11-30T07:18:44.843';
const on = (action: string, resource: string): AccessRequest => ({ action: `dynamodb:${action}`, resource });

describe('requiredAccess', () => {
  it.each<[string, string, unknown, AccessRequest[]]>([
    ['GetItem', 'DynamoDB_20120810.GetItem', { TableName: 'books-local', Key: {} }, [on('GetItem', TABLE('books-local'))]],
    ['UpdateItem', 'DynamoDB_20120810.UpdateItem', { TableName: 'author-stats-local' }, [on('UpdateItem', TABLE('author-stats-local'))]],
    ['a table given by ARN', 'DynamoDB_20120810.PutItem', { TableName: TABLE('t') }, [on('PutItem', TABLE('t'))]],
    ['Query on the table', 'DynamoDB_20120810.Query', { TableName: 'books-local' }, [on('Query', TABLE('books-local'))]],
    [
      'Query on an index',
      'DynamoDB_20120810.Query',
      { TableName: 'books-local', IndexName: 'byAuthor' },
      [on('Query', `${TABLE('books-local')}/index/byAuthor`)],
    ],
    [
      'Scan on an index',
      'DynamoDB_20120810.Scan',
      { TableName: 'orders-local', IndexName: 'byStatus' },
      [on('Scan', `${TABLE('orders-local')}/index/byStatus`)],
    ],
    [
      'TransactWriteItems: each item its own action and table, in order',
      'DynamoDB_20120810.TransactWriteItems',
      {
        TransactItems: [
          { Put: { TableName: 'ledger' } },
          { Update: { TableName: 'stats' } },
          { Delete: { TableName: 'old' } },
          { ConditionCheck: { TableName: 'guard' } },
        ],
      },
      [
        on('PutItem', TABLE('ledger')),
        on('UpdateItem', TABLE('stats')),
        on('DeleteItem', TABLE('old')),
        on('ConditionCheckItem', TABLE('guard')),
      ],
    ],
    [
      'TransactGetItems: GetItem per item',
      'DynamoDB_20120810.TransactGetItems',
      { TransactItems: [{ Get: { TableName: 'a' } }, { Get: { TableName: 'b' } }] },
      [on('GetItem', TABLE('a')), on('GetItem', TABLE('b'))],
    ],
    [
      'BatchWriteItem: BatchWriteItem on each table',
      'DynamoDB_20120810.BatchWriteItem',
      { RequestItems: { a: [{ PutRequest: {} }], b: [{ DeleteRequest: {} }] } },
      [on('BatchWriteItem', TABLE('a')), on('BatchWriteItem', TABLE('b'))],
    ],
    [
      'BatchGetItem: BatchGetItem on each table',
      'DynamoDB_20120810.BatchGetItem',
      { RequestItems: { a: {}, b: {} } },
      [on('BatchGetItem', TABLE('a')), on('BatchGetItem', TABLE('b'))],
    ],
    [
      'a table named __proto__',
      'DynamoDB_20120810.BatchGetItem',
      JSON.parse('{"RequestItems":{"__proto__":{}}}'),
      [on('BatchGetItem', TABLE('__proto__'))],
    ],
    ['ListTables has no resource type', 'DynamoDB_20120810.ListTables', {}, [on('ListTables', '*')]],
    ['ListStreams has no resource type', 'DynamoDBStreams_20120810.ListStreams', { TableName: 'books-local' }, [on('ListStreams', '*')]],
    [
      "DescribeStream: the stream ARN in the stack's region",
      'DynamoDBStreams_20120810.DescribeStream',
      { StreamArn: LOCAL_STREAM },
      [on('DescribeStream', STREAM)],
    ],
    [
      'GetShardIterator',
      'DynamoDBStreams_20120810.GetShardIterator',
      { StreamArn: LOCAL_STREAM, ShardId: 's' },
      [on('GetShardIterator', STREAM)],
    ],
    [
      'GetRecords: the stream of the iterator',
      'DynamoDBStreams_20120810.GetRecords',
      { ShardIterator: `${LOCAL_STREAM}|001|c2hhcmQ=` },
      [on('GetRecords', STREAM)],
    ],
    ['DescribeTable', 'DynamoDB_20120810.DescribeTable', { TableName: 'books-local' }, [on('DescribeTable', TABLE('books-local'))]],
    [
      'PartiQL SELECT on an index',
      'DynamoDB_20120810.ExecuteStatement',
      { Statement: 'SELECT * FROM "books-local"."byAuthor" WHERE author = ?' },
      [on('PartiQLSelect', `${TABLE('books-local')}/index/byAuthor`)],
    ],
    [
      'PartiQL INSERT',
      'DynamoDB_20120810.ExecuteStatement',
      { Statement: 'INSERT INTO "a""b" VALUE {}' },
      [on('PartiQLInsert', TABLE('a"b'))],
    ],
    [
      'PartiQL transaction: each statement',
      'DynamoDB_20120810.ExecuteTransaction',
      { TransactStatements: [{ Statement: 'UPDATE t SET x = 1' }, { Statement: 'DELETE FROM "u" WHERE k = 1' }] },
      [on('PartiQLUpdate', TABLE('t')), on('PartiQLDelete', TABLE('u'))],
    ],
    ['an operation without a table: *', 'DynamoDB_20120810.DescribeEndpoints', {}, [on('DescribeEndpoints', '*')]],
  ])('%s', (_name, target, body, expected) => {
    // Act
    const access = requiredAccess(target, body, ARNS);
    // Assess
    expect(access).toEqual(expected);
  });
});
