import { isMap, isScalar, Pair, parseDocument, Scalar, type YAMLMap, type Document, type Node } from 'yaml';
import { findNameLimitViolations } from '../serverless-plugin/name-limits.cjs';
import type { StreamSpec } from './stream-spec.js';

/** The outcome of adding a stream to serverless.yml's text: the new text, or why it cannot be added. */
export type ServerlessAdditionResult = { kind: 'ok'; text: string; longestStage: number } | { kind: 'conflict'; problems: string[] };

// The mapping settings of the existing functions, spelled out (see README "Settings" for why each one).
const MAPPING_SETTINGS = {
  enabled: true,
  batchSize: 100,
  batchWindow: 0,
  startingPosition: 'TRIM_HORIZON',
  maximumRetryAttempts: 5,
  maximumRecordAgeInSeconds: 3600,
  bisectBatchOnFunctionError: true,
  parallelizationFactor: 1,
  functionResponseType: 'ReportBatchItemFailures',
};
// `local` must fit: it is the stage of `npm start` and `sls invoke local`.
const MIN_STAGE_ROOM = 'local'.length;

const tagged = (tag: '!GetAtt' | '!Sub', value: string): Scalar => Object.assign(new Scalar(value), { tag });
// Quoted as in the rest of the file: Serverless reads YAML 1.1, where a bare 2012-10-17 is a date.
const quoted = (value: string): Scalar => Object.assign(new Scalar(value), { type: Scalar.QUOTE_SINGLE });
const flow = (doc: Document, value: Record<string, unknown>): Node => Object.assign(doc.createNode(value) as YAMLMap, { flow: true });

/** A new entry of a map, with a blank line and a comment before it. */
function entry(doc: Document, key: string, value: Node, comment?: string): Pair {
  const keyNode = doc.createNode(key) as Scalar;
  keyNode.spaceBefore = true;
  if (comment) keyNode.commentBefore = comment;
  return new Pair(keyNode, value);
}

function functionNode(doc: Document, spec: StreamSpec): Node {
  const keys = Object.fromEntries(spec.keys.map((key) => [key.name, { [key.type]: [{ exists: true }] }]));
  const stream = doc.createNode({
    type: 'dynamodb',
    arn: null,
    ...MAPPING_SETTINGS,
    destinations: { onFailure: { arn: null, type: 'sqs' } },
  }) as YAMLMap;
  stream.set('arn', tagged('!GetAtt', `${spec.tableLogicalId}.StreamArn`));
  (stream.getIn(['destinations', 'onFailure']) as YAMLMap).set('arn', tagged('!GetAtt', `${spec.queueLogicalId}.Arn`));
  const filters = doc.createNode([{ dynamodb: { Keys: keys } }]);
  const filterPair = new Pair(doc.createNode('filterPatterns'), filters);
  (filterPair.key as Scalar).commentBefore =
    ` The filter states the table's contract: a record of ${spec.tableName.replace('-${sls:stage}', '')} carries its key.`;
  stream.items.push(filterPair);
  return doc.createNode({
    handler: spec.handlerPath,
    description: `Dispatches every change of the ${spec.pascal} table to its actions.`,
    role: spec.roleLogicalId,
    events: [{ stream }],
  });
}

function tableNode(doc: Document, spec: StreamSpec): Node {
  const properties = doc.createNode({
    TableName: spec.tableName,
    BillingMode: 'PAY_PER_REQUEST',
    DeletionProtectionEnabled: true,
  }) as YAMLMap;
  properties.set(
    'AttributeDefinitions',
    doc.createNode(spec.keys.map((key) => flow(doc, { AttributeName: key.name, AttributeType: key.type }))),
  );
  properties.set(
    'KeySchema',
    doc.createNode(spec.keys.map((key, index) => flow(doc, { AttributeName: key.name, KeyType: index === 0 ? 'HASH' : 'RANGE' }))),
  );
  for (const [key, value] of Object.entries({
    StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
    SSESpecification: { SSEEnabled: true },
    PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
  })) {
    properties.set(key, doc.createNode(value));
  }
  const table = doc.createNode({ Type: 'AWS::DynamoDB::Table', DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' }) as YAMLMap;
  table.set('Properties', properties);
  return table;
}

function queueNode(doc: Document, spec: StreamSpec): Node {
  return doc.createNode({
    Type: 'AWS::SQS::Queue',
    DeletionPolicy: 'Retain',
    UpdateReplacePolicy: 'Retain',
    Properties: {
      QueueName: `\${self:service}-\${sls:stage}-${spec.kebab}-stream-dlq`,
      MessageRetentionPeriod: 1209600,
      SqsManagedSseEnabled: true,
    },
  });
}

/** The function's own role: its log group, its table's stream, ListStreams (no resource type), its queue. Nothing else. */
function roleNode(doc: Document, spec: StreamSpec): Node {
  const statement = (sid: string, actions: string[], resource: unknown, comment?: string) => {
    const node = doc.createNode({ Sid: sid, Effect: 'Allow', Action: null, Resource: null }) as YAMLMap;
    node.set('Action', flow(doc, actions as unknown as Record<string, unknown>));
    node.set('Resource', resource);
    if (comment) node.commentBefore = comment;
    return node;
  };
  const logGroup =
    `arn:\${AWS::Partition}:logs:\${AWS::Region}:\${AWS::AccountId}:` +
    `log-group:/aws/lambda/\${self:service}-\${sls:stage}-${spec.functionName}:*`;
  const statements = [
    statement('WriteOwnLogs', ['logs:CreateLogStream', 'logs:PutLogEvents'], tagged('!Sub', logGroup)),
    statement(
      'ReadOwnStream',
      ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'],
      tagged('!GetAtt', `${spec.tableLogicalId}.StreamArn`),
    ),
    statement(
      'ListStreams',
      ['dynamodb:ListStreams'],
      quoted('*'),
      ' ListStreams has no resource type in IAM: on a stream ARN it grants nothing. It lists stream ARNs, no data.',
    ),
    statement('SendToOwnDeadLetterQueue', ['sqs:SendMessage'], tagged('!GetAtt', `${spec.queueLogicalId}.Arn`)),
  ];
  const document = doc.createNode({ Version: quoted('2012-10-17'), Statement: null }) as YAMLMap;
  const list = doc.createNode([]) as unknown as { items: unknown[] };
  list.items.push(...statements);
  document.set('Statement', list);
  const policy = doc.createNode({ PolicyName: `${spec.kebab}-stream`, PolicyDocument: null }) as YAMLMap;
  policy.set('PolicyDocument', document);
  policy.commentBefore = ' Only the log action runs; an action that writes a table adds its grant here (see docs/your-own-stream.md).';
  const role = doc.createNode({
    Type: 'AWS::IAM::Role',
    Properties: {
      AssumeRolePolicyDocument: {
        Version: quoted('2012-10-17'),
        Statement: [{ Effect: 'Allow', Principal: flow(doc, { Service: 'lambda.amazonaws.com' }), Action: 'sts:AssumeRole' }],
      },
      Policies: [],
    },
  }) as YAMLMap;
  (role.getIn(['Properties', 'Policies']) as unknown as { items: unknown[] }).items.push(policy);
  return role;
}

const scalarText = (node: unknown): string | undefined => (isScalar(node) ? String(node.value) : undefined);

/**
 * Adds the stream's table, function, role and dead-letter queue to serverless.yml's text with the yaml Document
 * API, so every existing line, comment and layout stays as it was. Refuses (changing nothing) when any of them
 * exists already, or when the names leave no room for a stage within AWS's limits.
 */
export function addStreamToServerless(text: string, spec: StreamSpec): ServerlessAdditionResult {
  const doc = parseDocument(text, { logLevel: 'silent' });
  if (doc.errors.length > 0) return { kind: 'conflict', problems: [`serverless.yml does not parse: ${doc.errors[0]!.message}`] };
  const functions = doc.get('functions');
  const resources = doc.getIn(['resources', 'Resources']);
  if (!isMap(functions) || !isMap(resources))
    return { kind: 'conflict', problems: ['serverless.yml has no `functions` map or no `resources.Resources` map'] };
  const problems: string[] = [];
  if (functions.has(spec.functionName)) problems.push(`serverless.yml already has a function ${spec.functionName}`);
  for (const id of [spec.tableLogicalId, spec.roleLogicalId, spec.queueLogicalId]) {
    if (resources.has(id)) problems.push(`serverless.yml already has a resource ${id}`);
  }
  for (const pair of resources.items) {
    const name = scalarText(isMap(pair.value) ? pair.value.getIn(['Properties', 'TableName'], true) : undefined);
    if (name === spec.tableName) problems.push(`serverless.yml: ${scalarText(pair.key)} already uses the table name ${spec.tableName}`);
  }
  const service = scalarText(doc.get('service', true)) ?? '';
  const longestStage = Math.min(
    64 - `${service}--${spec.functionName}`.length,
    80 - `${service}--${spec.kebab}-stream-dlq`.length,
    255 - `${spec.kebab}-`.length,
  );
  if (longestStage < MIN_STAGE_ROOM) {
    const stage = 'x'.repeat(MIN_STAGE_ROOM);
    const violations = findNameLimitViolations(
      [
        { kind: 'function', name: `${service}-${stage}-${spec.functionName}`, source: 'the new function' },
        { kind: 'queue', name: `${service}-${stage}-${spec.kebab}-stream-dlq`, source: 'the new queue' },
      ],
      stage,
    );
    problems.push(`The name ${spec.kebab} is too long: ${violations.map((v) => v.message).join(' ')}`);
  }
  if (problems.length > 0) return { kind: 'conflict', problems };

  functions.items.push(entry(doc, spec.functionName, functionNode(doc, spec)));
  resources.items.push(
    entry(
      doc,
      spec.tableLogicalId,
      tableNode(doc, spec),
      ` ---- ${spec.kebab} stream (added by npm run new-stream) ${'-'.repeat(Math.max(3, 40 - spec.kebab.length))}`,
    ),
    entry(doc, spec.queueLogicalId, queueNode(doc, spec)),
    entry(doc, spec.roleLogicalId, roleNode(doc, spec)),
  );
  return { kind: 'ok', text: doc.toString(), longestStage };
}

/** True when serverless.yml's text survives a parse and print unchanged, so an edit keeps every other line as it is. */
export const roundTripsUnchanged = (text: string): boolean => parseDocument(text, { logLevel: 'silent' }).toString() === text;
