import { describe, expect, it } from 'vitest';
import { IamPolicyError } from '../../lib/local/errors.js';
import { evaluateAccess, type AccessDecision } from '../../lib/local/iam/evaluate-access.js';
import { resolveIntrinsic, type IntrinsicContext } from '../../lib/local/iam/intrinsics.js';
import { parsePolicyStatements, type IamRole } from '../../lib/local/iam/policy.js';

const RESOURCES: IntrinsicContext['resources'] = {
  Stats: { Type: 'AWS::DynamoDB::Table', Properties: { TableName: 'author-stats-local' } },
  Books: { Type: 'AWS::DynamoDB::Table', Properties: { TableName: 'books-local' } },
  Dlq: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'books-dlq' } },
  Topic: { Type: 'AWS::SNS::Topic', Properties: { TopicName: 'alerts' } },
};
const CONTEXT: IntrinsicContext = { region: 'us-east-1', accountId: '000000000000', resources: RESOURCES };
const TABLE = (name: string) => `arn:aws:dynamodb:us-east-1:000000000000:table/${name}`;

/** A role of the given statements, parsed as serverless.yml would hold them. */
const role = (...statements: Record<string, unknown>[]): IamRole => ({
  name: 'TestRole',
  statements: parsePolicyStatements({ Version: '2012-10-17', Statement: statements }, 'TestRole/test', CONTEXT, 'test'),
});

const allow = (Action: unknown, Resource: unknown, extra: Record<string, unknown> = {}) => ({
  Effect: 'Allow',
  Action,
  Resource,
  ...extra,
});
const deny = (Action: unknown, Resource: unknown, extra: Record<string, unknown> = {}) => ({ Effect: 'Deny', Action, Resource, ...extra });

describe('evaluateAccess', () => {
  it.each<[string, IamRole, string, string, AccessDecision['kind']]>([
    [
      'an exact Allow',
      role(allow('dynamodb:UpdateItem', TABLE('author-stats-local'))),
      'dynamodb:UpdateItem',
      TABLE('author-stats-local'),
      'allowed',
    ],
    ['no statement: default deny', role(), 'dynamodb:GetItem', TABLE('t'), 'implicitly-denied'],
    [
      'another action only',
      role(allow(['dynamodb:PutItem', 'dynamodb:GetItem'], TABLE('author-stats-local'))),
      'dynamodb:UpdateItem',
      TABLE('author-stats-local'),
      'implicitly-denied',
    ],
    [
      'another table only',
      role(allow('dynamodb:UpdateItem', TABLE('other'))),
      'dynamodb:UpdateItem',
      TABLE('author-stats-local'),
      'implicitly-denied',
    ],
    [
      'Deny wins over Allow',
      role(allow('dynamodb:*', '*'), deny('dynamodb:DeleteItem', TABLE('t'))),
      'dynamodb:DeleteItem',
      TABLE('t'),
      'explicitly-denied',
    ],
    [
      'Deny written first still wins',
      role(deny('dynamodb:DeleteItem', '*'), allow('*', '*')),
      'dynamodb:DeleteItem',
      TABLE('t'),
      'explicitly-denied',
    ],
    [
      'a Deny of another action leaves the Allow',
      role(allow('dynamodb:*', '*'), deny('dynamodb:DeleteItem', '*')),
      'dynamodb:PutItem',
      TABLE('t'),
      'allowed',
    ],
    ['action prefix wildcard', role(allow('dynamodb:Get*', TABLE('t'))), 'dynamodb:GetItem', TABLE('t'), 'allowed'],
    ['action prefix wildcard, other action', role(allow('dynamodb:Get*', TABLE('t'))), 'dynamodb:PutItem', TABLE('t'), 'implicitly-denied'],
    ['action ? wildcard', role(allow('dynamodb:?etItem', TABLE('t'))), 'dynamodb:GetItem', TABLE('t'), 'allowed'],
    ['actions ignore case', role(allow('DynamoDB:getitem', TABLE('t'))), 'dynamodb:GetItem', TABLE('t'), 'allowed'],
    ['"*" action', role(allow('*', TABLE('t'))), 'dynamodb:Scan', TABLE('t'), 'allowed'],
    [
      'Fn::Join in Action',
      role(allow({ 'Fn::Join': ['', ['dynamodb:Delete', 'Item']] }, '*')),
      'dynamodb:DeleteItem',
      TABLE('t'),
      'allowed',
    ],
    [
      'NotAction leaves out its own',
      role({ Effect: 'Allow', NotAction: 'dynamodb:DeleteItem', Resource: '*' }),
      'dynamodb:DeleteItem',
      TABLE('t'),
      'implicitly-denied',
    ],
    [
      'NotAction grants others',
      role({ Effect: 'Allow', NotAction: 'dynamodb:DeleteItem', Resource: '*' }),
      'dynamodb:PutItem',
      TABLE('t'),
      'allowed',
    ],
    [
      'NotResource leaves out its own',
      role({ Effect: 'Allow', Action: 'dynamodb:*', NotResource: TABLE('secret') }),
      'dynamodb:GetItem',
      TABLE('secret'),
      'implicitly-denied',
    ],
    [
      'NotResource grants others',
      role({ Effect: 'Allow', Action: 'dynamodb:*', NotResource: TABLE('secret') }),
      'dynamodb:GetItem',
      TABLE('t'),
      'allowed',
    ],
    [
      'Deny with NotResource',
      role(allow('*', '*'), { Effect: 'Deny', Action: 'dynamodb:*', NotResource: TABLE('t') }),
      'dynamodb:GetItem',
      TABLE('u'),
      'explicitly-denied',
    ],
    ['resources are case-sensitive', role(allow('dynamodb:GetItem', TABLE('T'))), 'dynamodb:GetItem', TABLE('t'), 'implicitly-denied'],
    [
      'resource wildcard over tables',
      role(allow('dynamodb:GetItem', 'arn:aws:dynamodb:*:*:table/books-*')),
      'dynamodb:GetItem',
      TABLE('books-local'),
      'allowed',
    ],
    [
      'resource ? wildcard',
      role(allow('dynamodb:GetItem', 'arn:aws:dynamodb:us-east-1:000000000000:table/t?')),
      'dynamodb:GetItem',
      TABLE('t1'),
      'allowed',
    ],
    [
      'resource ? wants one character',
      role(allow('dynamodb:GetItem', 'arn:aws:dynamodb:us-east-1:000000000000:table/t?')),
      'dynamodb:GetItem',
      TABLE('t12'),
      'implicitly-denied',
    ],
    [
      'a table ARN does not grant its index',
      role(allow('dynamodb:Query', TABLE('books-local'))),
      'dynamodb:Query',
      `${TABLE('books-local')}/index/byAuthor`,
      'implicitly-denied',
    ],
    [
      'an index ARN grants the index',
      role(allow('dynamodb:Query', `${TABLE('books-local')}/index/*`)),
      'dynamodb:Query',
      `${TABLE('books-local')}/index/byAuthor`,
      'allowed',
    ],
    [
      '!GetAtt X.Arn',
      role(allow('dynamodb:UpdateItem', { 'Fn::GetAtt': ['Stats', 'Arn'] })),
      'dynamodb:UpdateItem',
      TABLE('author-stats-local'),
      'allowed',
    ],
    [
      'GetAtt string form',
      role(allow('dynamodb:UpdateItem', { 'Fn::GetAtt': 'Stats.Arn' })),
      'dynamodb:UpdateItem',
      TABLE('author-stats-local'),
      'allowed',
    ],
    [
      'Fn::Sub of an attribute and /index/*',
      role(allow('dynamodb:Query', { 'Fn::Sub': '${Books.Arn}/index/*' })),
      'dynamodb:Query',
      `${TABLE('books-local')}/index/byAuthor`,
      'allowed',
    ],
    [
      "StreamArn matches DynamoDB Local's label",
      role(allow('dynamodb:GetRecords', { 'Fn::GetAtt': ['Books', 'StreamArn'] })),
      'dynamodb:GetRecords',
      `${TABLE('books-local')}/stream/2026-11-30T07:18:44.843`,
      'allowed',
    ],
    [
      'StreamArn is not the table',
      role(allow('dynamodb:GetItem', { 'Fn::GetAtt': ['Books', 'StreamArn'] })),
      'dynamodb:GetItem',
      TABLE('books-local'),
      'implicitly-denied',
    ],
    [
      'an Allow with a Condition grants nothing locally',
      role(allow('dynamodb:*', '*', { Condition: { Bool: { 'aws:SecureTransport': 'true' } } })),
      'dynamodb:GetItem',
      TABLE('t'),
      'implicitly-denied',
    ],
    [
      'a Deny with a Condition always applies locally',
      role(allow('*', '*'), deny('dynamodb:GetItem', '*', { Condition: { StringEquals: { 'aws:SourceVpc': 'vpc-1' } } })),
      'dynamodb:GetItem',
      TABLE('t'),
      'explicitly-denied',
    ],
    ['an empty Condition is no condition', role(allow('dynamodb:*', '*', { Condition: {} })), 'dynamodb:GetItem', TABLE('t'), 'allowed'],
    [
      '"*" resource covers actions without a resource type',
      role(allow('dynamodb:ListStreams', '*')),
      'dynamodb:ListStreams',
      '*',
      'allowed',
    ],
    [
      'a stream ARN does not grant ListStreams (no resource type)',
      role(allow('dynamodb:ListStreams', { 'Fn::GetAtt': ['Books', 'StreamArn'] })),
      'dynamodb:ListStreams',
      '*',
      'implicitly-denied',
    ],
    [
      'SQS queue ARN from GetAtt',
      role(allow('sqs:SendMessage', { 'Fn::GetAtt': ['Dlq', 'Arn'] })),
      'sqs:SendMessage',
      'arn:aws:sqs:us-east-1:000000000000:books-dlq',
      'allowed',
    ],
    [
      'SNS topic ARN from Ref',
      role(allow('sns:Publish', { Ref: 'Topic' })),
      'sns:Publish',
      'arn:aws:sns:us-east-1:000000000000:alerts',
      'allowed',
    ],
  ])('%s', (_name, subject, action, resource, expected) => {
    // Act
    const decision = evaluateAccess(subject, { action, resource });
    // Assess
    expect(decision.kind).toBe(expected);
  });

  it('names the statement that denies', () => {
    // Prepare
    const subject = role(allow('*', '*'), { Sid: 'NoDeletes', ...deny('dynamodb:DeleteItem', '*') });
    // Act
    const decision = evaluateAccess(subject, { action: 'dynamodb:DeleteItem', resource: TABLE('t') });
    // Assess
    expect(decision).toMatchObject({ kind: 'explicitly-denied', statement: { label: 'TestRole/test/NoDeletes', effect: 'Deny' } });
  });
});

describe('resolveIntrinsic', () => {
  it.each<[string, unknown, string]>([
    ['a literal', 'arn:aws:s3:::b', 'arn:aws:s3:::b'],
    [
      'Fn::Sub with pseudo parameters',
      { 'Fn::Sub': 'arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/x:*' },
      'arn:aws:logs:us-east-1:000000000000:log-group:/x:*',
    ],
    [
      'Fn::Sub with its own variables',
      { 'Fn::Sub': ['${T}/index/${I}', { T: { 'Fn::GetAtt': ['Books', 'Arn'] }, I: 'byAuthor' }] },
      `${TABLE('books-local')}/index/byAuthor`,
    ],
    ['Fn::Sub keeps ${!Literal}', { 'Fn::Sub': 'a-${!Literal}' }, 'a-${Literal}'],
    [
      'Fn::Join',
      { 'Fn::Join': ['', ['arn:aws:dynamodb:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':table/', { Ref: 'Stats' }]] },
      TABLE('author-stats-local'),
    ],
    ['Fn::Select', { 'Fn::Select': [1, ['a', { Ref: 'Stats' }]] }, 'author-stats-local'],
    ['StreamArn', { 'Fn::GetAtt': ['Books', 'StreamArn'] }, `${TABLE('books-local')}/stream/*`],
    ['queue Ref is its URL', { Ref: 'Dlq' }, 'https://sqs.us-east-1.amazonaws.com/000000000000/books-dlq'],
  ])('%s', (_name, value, expected) => {
    // Act
    const resolved = resolveIntrinsic(value, CONTEXT, 'test');
    // Assess
    expect(resolved).toBe(expected);
  });

  it.each<[string, unknown, string]>([
    ['an unknown logical id', { 'Fn::GetAtt': ['Nope', 'Arn'] }, 'Statement[0].Resource[0] refers to "Nope"'],
    ['an unsupported function', { 'Fn::ImportValue': 'x' }, 'Statement[0].Resource[0] uses Fn::ImportValue'],
    ['an unknown attribute', { 'Fn::GetAtt': ['Books', 'Whatever'] }, 'Statement[0].Resource[0] asks for Fn::GetAtt .Whatever'],
  ])('refuses %s, naming the path', (_name, value, path) => {
    // Act
    const parse = () =>
      parsePolicyStatements(
        { Statement: [allow('dynamodb:GetItem', value)] },
        'R',
        CONTEXT,
        'resources.R.Properties.Policies[0].PolicyDocument',
      );
    // Assess
    expect(parse).toThrow(IamPolicyError);
    expect(parse).toThrow(`resources.R.Properties.Policies[0].PolicyDocument.${path}`);
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['Effect', { Effect: 'Maybe', Action: '*', Resource: '*' }, 'Effect must be Allow or Deny'],
    ['Action and NotAction', { Effect: 'Allow', Action: '*', NotAction: 'x:Y', Resource: '*' }, 'exactly one of Action and NotAction'],
    ['no Resource', { Effect: 'Allow', Action: '*' }, 'exactly one of Resource and NotResource'],
    ['an action without a service', { Effect: 'Allow', Action: 'GetItem', Resource: '*' }, 'is not service:Action'],
  ])('refuses a statement with a bad %s', (_name, statement, problem) => {
    // Act
    const parse = () => parsePolicyStatements({ Statement: [statement] }, 'R', CONTEXT, 'doc');
    // Assess
    expect(parse).toThrow(IamPolicyError);
    expect(parse).toThrow(problem);
  });
});
