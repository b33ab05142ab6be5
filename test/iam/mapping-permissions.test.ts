import { describe, expect, it } from 'vitest';
import { functionRoles } from '../../lib/local/iam/function-roles.js';
import { checkMappingPermissions, type MappingPermissionProblem } from '../../lib/local/iam/mapping-permissions.js';
import { parsePolicyStatements, type IamRole } from '../../lib/local/iam/policy.js';
import { readServerlessConfig } from '../../lib/mapping/serverless-config.js';

const CONTEXT = { region: 'us-east-1', accountId: '000000000000', resources: {} };
const STREAM = 'arn:aws:dynamodb:us-east-1:000000000000:table/books-local/stream/2026-11-30T07:18:44.843';
const QUEUE = 'arn:aws:sqs:us-east-1:000000000000:books-dlq';
const READS = ['dynamodb:DescribeStream', 'dynamodb:GetShardIterator', 'dynamodb:GetRecords'];

const role = (...statements: Record<string, unknown>[]): IamRole => ({
  name: 'StreamRole',
  statements: parsePolicyStatements({ Statement: statements }, 'StreamRole/p', CONTEXT, 'test'),
});

const streamPattern = 'arn:aws:dynamodb:us-east-1:000000000000:table/books-local/stream/*';
const problemsOf = (subject: IamRole) =>
  checkMappingPermissions(subject, { functionName: 'booksStream', streamArn: STREAM, destinationArn: QUEUE });
const summary = (problems: MappingPermissionProblem[]) => problems.map((p) => `${p.severity} ${p.action} ${p.resource}`);

describe('checkMappingPermissions', () => {
  it.each<[string, IamRole, string[]]>([
    [
      'everything granted',
      role(
        { Effect: 'Allow', Action: READS, Resource: streamPattern },
        { Effect: 'Allow', Action: 'dynamodb:ListStreams', Resource: '*' },
        { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: QUEUE },
      ),
      [],
    ],
    [
      'no GetRecords on the stream',
      role(
        { Effect: 'Allow', Action: ['dynamodb:DescribeStream', 'dynamodb:GetShardIterator'], Resource: streamPattern },
        { Effect: 'Allow', Action: 'dynamodb:ListStreams', Resource: '*' },
        { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: QUEUE },
      ),
      [`error dynamodb:GetRecords ${STREAM}`],
    ],
    [
      "reads granted on another table's stream",
      role(
        { Effect: 'Allow', Action: [...READS, 'dynamodb:ListStreams'], Resource: '*' },
        { Effect: 'Deny', Action: READS, Resource: streamPattern },
        { Effect: 'Allow', Action: 'sqs:*', Resource: '*' },
      ),
      READS.map((action) => `error ${action} ${STREAM}`),
    ],
    [
      'no send to the destination',
      role({ Effect: 'Allow', Action: READS, Resource: streamPattern }, { Effect: 'Allow', Action: 'dynamodb:ListStreams', Resource: '*' }),
      [`error sqs:SendMessage ${QUEUE}`],
    ],
    [
      'ListStreams scoped to the stream only (it has no resource type): a warning',
      role(
        { Effect: 'Allow', Action: [...READS, 'dynamodb:ListStreams'], Resource: streamPattern },
        { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: QUEUE },
      ),
      ['warning dynamodb:ListStreams *'],
    ],
  ])('%s', (_name, subject, expected) => {
    // Act
    const problems = problemsOf(subject);
    // Assess
    expect(summary(problems)).toEqual(expected);
  });

  it('names the function, the role, the action and the stream in its message', () => {
    // Prepare
    const subject = role({ Effect: 'Allow', Action: ['dynamodb:DescribeStream', 'dynamodb:GetShardIterator'], Resource: streamPattern });
    // Act
    const [problem] = problemsOf(subject);
    // Assess
    expect(problem).toMatchObject({ functionName: 'booksStream', roleName: 'StreamRole', action: 'dynamodb:GetRecords', resource: STREAM });
    expect(problem!.message).toContain('booksStream');
    expect(problem!.message).toContain('dynamodb:GetRecords');
    expect(problem!.message).toContain(STREAM);
  });

  it('finds no error in the roles serverless.yml ships, for the stream and queue each function uses', () => {
    // Prepare
    const config = readServerlessConfig({ stage: 'local' });
    const { identities } = functionRoles(config, { region: config.region, accountId: '000000000000' });
    const mappings = [
      { functionName: 'booksStream', table: 'books-local', queue: 'ddb-streams-local-books-stream-dlq' },
      { functionName: 'ordersStream', table: 'orders-local', queue: 'ddb-streams-local-orders-stream-dlq' },
    ];
    // Act
    const problems = mappings.flatMap(({ functionName, table, queue }) =>
      checkMappingPermissions(identities.get(functionName)!.role, {
        functionName,
        streamArn: `arn:aws:dynamodb:us-east-1:000000000000:table/${table}/stream/2026-11-30T07:18:44.843`,
        destinationArn: `arn:aws:sqs:us-east-1:000000000000:${queue}`,
      }),
    );
    // Assess: the roles' names come from resources, and they grant everything the mapping needs (ListStreams on "*").
    expect([...identities.values()].map((i) => [i.functionName, i.role.name, i.deployedName])).toEqual([
      ['booksStream', 'BooksStreamRole', 'ddb-streams-local-booksStream'],
      ['ordersStream', 'OrdersStreamRole', 'ddb-streams-local-ordersStream'],
    ]);
    expect(summary(problems)).toEqual([]);
  });
});

describe('functionRoles', () => {
  const config = (
    provider: Record<string, unknown>,
    fn: Record<string, unknown>,
    resources: Record<string, { Type: string; Properties?: Record<string, unknown> }> = {},
  ) => ({
    service: 'svc',
    stage: 'local',
    region: 'us-east-1',
    provider,
    functions: { worker: { handler: 'h.handler', ...fn } },
    resources: {
      Source: {
        Type: 'AWS::DynamoDB::Table',
        Properties: { TableName: 'source-local', StreamSpecification: { StreamViewType: 'KEYS_ONLY' } },
      },
      ...resources,
    },
  });
  const stream = { stream: { type: 'dynamodb', arn: { 'Fn::GetAtt': ['Source', 'StreamArn'] } } };

  it('gives a function without role the default role: provider.iam.role.statements and what Serverless adds for its stream', () => {
    // Prepare
    const input = config(
      { iam: { role: { statements: [{ Effect: 'Allow', Action: 'dynamodb:PutItem', Resource: { 'Fn::GetAtt': ['Source', 'Arn'] } }] } } },
      { events: [stream] },
    );
    // Act
    const { identities } = functionRoles(input, { region: 'us-east-1', accountId: '000000000000' });
    const role = identities.get('worker')!.role;
    // Assess
    expect(role.name).toBe('svc-local-us-east-1-lambdaRole');
    expect(
      checkMappingPermissions(role, {
        functionName: 'worker',
        streamArn: 'arn:aws:dynamodb:us-east-1:000000000000:table/source-local/stream/L',
      }),
    ).toEqual([expect.objectContaining({ severity: 'warning', action: 'dynamodb:ListStreams' })]);
    expect(role.statements[0]).toMatchObject({
      effect: 'Allow',
      actions: ['dynamodb:PutItem'],
      resources: ['arn:aws:dynamodb:us-east-1:000000000000:table/source-local'],
    });
  });

  it('adds AWS::IAM::Policy resources attached to the role, and warns about Conditions and managed policies', () => {
    // Prepare
    const input = config(
      {},
      { role: 'Custom' },
      {
        Custom: {
          Type: 'AWS::IAM::Role',
          Properties: {
            RoleName: 'custom-role',
            ManagedPolicyArns: ['arn:aws:iam::aws:policy/service-role/AWSLambdaDynamoDBExecutionRole'],
            Policies: [
              {
                PolicyName: 'p',
                PolicyDocument: {
                  Statement: [
                    { Sid: 'OnlyTls', Effect: 'Allow', Action: '*', Resource: '*', Condition: { Bool: { 'aws:SecureTransport': 'true' } } },
                  ],
                },
              },
            ],
          },
        },
        Extra: {
          Type: 'AWS::IAM::Policy',
          Properties: {
            Roles: [{ Ref: 'Custom' }],
            PolicyDocument: { Statement: [{ Effect: 'Deny', Action: 'dynamodb:DeleteItem', Resource: '*' }] },
          },
        },
      },
    );
    // Act
    const { identities, warnings } = functionRoles(input, { region: 'us-east-1', accountId: '000000000000' });
    // Assess
    expect(identities.get('worker')!.role.name).toBe('custom-role');
    expect(identities.get('worker')!.role.statements.map((s) => [s.label, s.effect, s.conditional])).toEqual([
      ['Custom/p/OnlyTls', 'Allow', true],
      ['Extra/Statement[0]', 'Deny', false],
    ]);
    expect(warnings).toHaveLength(2);
    expect(warnings.some((w) => w.includes('Custom/p/OnlyTls'))).toBe(true);
    expect(warnings.some((w) => w.includes('ManagedPolicyArns'))).toBe(true);
  });

  it('leaves a function whose role is defined outside serverless.yml unchecked, with a warning', () => {
    // Prepare
    const input = config({}, { role: 'arn:aws:iam::123456789012:role/elsewhere' });
    // Act
    const { identities, warnings } = functionRoles(input, { region: 'us-east-1', accountId: '000000000000' });
    // Assess
    expect(identities.has('worker')).toBe(false);
    expect(warnings).toEqual([expect.stringContaining('function worker')]);
  });
});
