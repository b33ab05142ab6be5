import { bucketArn, logGroupArn, queueArn, roleArn, streamArn, tableArn, topicArn } from '../../runtime/arn.js';
import type { CloudFormationResource } from '../../mapping/serverless-config.js';
import { IamPolicyError } from '../errors.js';

/** Where the local stack pretends to be: its account, region and partition. */
export interface IntrinsicContext {
  region: string;
  accountId: string;
  partition?: string;
  /** `resources.Resources` of serverless.yml. */
  resources: Record<string, CloudFormationResource>;
  /** For `AWS::StackName`: service-stage, as Serverless names the stack. */
  stackName?: string;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

const fail = (path: string, problem: string): never => {
  throw new IamPolicyError(
    `${path} ${problem}; write it as a literal ARN or one of Ref, Fn::GetAtt, Fn::Join, Fn::Sub, Fn::Select (or start with --no-iam)`,
  );
};

const pseudo = (name: string, context: IntrinsicContext): string | undefined =>
  ({
    'AWS::Region': context.region,
    'AWS::AccountId': context.accountId,
    'AWS::Partition': context.partition ?? 'aws',
    'AWS::URLSuffix': 'amazonaws.com',
    'AWS::StackName': context.stackName,
  })[name];

const literalName = (resource: CloudFormationResource, property: string, logicalId: string): string => {
  const value = resource.Properties?.[property];
  // CloudFormation generates a name when none is given; locally the logical id stands in for it.
  return typeof value === 'string' && value ? value : logicalId;
};

/** What `Ref` and `Fn::GetAtt` give for the resource types a stream function's role refers to. */
function attribute(logicalId: string, name: string, context: IntrinsicContext, path: string): string {
  const pseudoValue = name === 'Ref' ? pseudo(logicalId, context) : undefined;
  if (pseudoValue !== undefined) return pseudoValue;
  const resource = context.resources[logicalId];
  if (!resource) return fail(path, `refers to "${logicalId}", which is not in resources.Resources`);
  const { region, accountId } = context;
  const scope = { region, accountId, partition: context.partition };
  switch (resource.Type) {
    case 'AWS::DynamoDB::Table': {
      const table = literalName(resource, 'TableName', logicalId);
      if (name === 'Ref') return table;
      if (name === 'Arn') return tableArn(scope, table);
      // The label is the stream's creation time, unknown before the table exists: any label of this table.
      if (name === 'StreamArn') return streamArn(scope, table, '*');
      break;
    }
    case 'AWS::SQS::Queue': {
      const queue = literalName(resource, 'QueueName', logicalId);
      if (name === 'Arn') return queueArn(scope, queue);
      if (name === 'QueueName') return queue;
      if (name === 'Ref' || name === 'QueueUrl') return `https://sqs.${region}.amazonaws.com/${accountId}/${queue}`;
      break;
    }
    case 'AWS::SNS::Topic': {
      const topic = literalName(resource, 'TopicName', logicalId);
      if (name === 'Ref' || name === 'TopicArn') return topicArn(scope, topic);
      if (name === 'TopicName') return topic;
      break;
    }
    case 'AWS::S3::Bucket': {
      const bucket = literalName(resource, 'BucketName', logicalId);
      if (name === 'Ref') return bucket;
      if (name === 'Arn') return bucketArn(scope, bucket);
      break;
    }
    case 'AWS::IAM::Role': {
      const role = literalName(resource, 'RoleName', logicalId);
      if (name === 'Ref') return role;
      if (name === 'Arn') return roleArn(scope, role);
      break;
    }
    case 'AWS::Logs::LogGroup': {
      const group = literalName(resource, 'LogGroupName', logicalId);
      if (name === 'Ref') return group;
      if (name === 'Arn') return logGroupArn(scope, group);
      break;
    }
    default:
      break;
  }
  return fail(
    path,
    `asks for ${name === 'Ref' ? 'Ref' : `Fn::GetAtt .${name}`} of "${logicalId}", a ${resource.Type}, which local IAM cannot resolve`,
  );
}

function substitute(template: string, variables: Record<string, unknown>, context: IntrinsicContext, path: string): string {
  // ${!Literal} is CloudFormation's escape for a literal ${Literal}.
  return template.replace(/\$\{(!?)([^}]*)\}/g, (_whole, bang: string, name: string) => {
    if (bang) return `\${${name}}`;
    if (name in variables) return resolveIntrinsic(variables[name], context, `${path}.${name}`);
    const dot = name.indexOf('.');
    if (dot > 0 && !name.startsWith('AWS::')) return attribute(name.slice(0, dot), name.slice(dot + 1), context, path);
    return attribute(name, 'Ref', context, path);
  });
}

/**
 * A CloudFormation value as CloudFormation would resolve it for the local account and region: a string,
 * `Ref`, `Fn::GetAtt` (list or `X.Arn` string form), `Fn::Join`, `Fn::Sub`, `Fn::Select`. A table's
 * StreamArn is the pattern `…:table/T/stream/*`. Throws IamPolicyError naming `path` for anything else.
 */
export function resolveIntrinsic(value: unknown, context: IntrinsicContext, path: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  if (!isRecord(value) || Object.keys(value).length !== 1)
    return fail(path, `is ${JSON.stringify(value)}, not a string or an intrinsic function`);
  const [[fn, argument]] = Object.entries(value) as [[string, unknown]];
  switch (fn) {
    case 'Ref':
      if (typeof argument !== 'string') return fail(path, 'has a Ref that is not a name');
      return attribute(argument, 'Ref', context, path);
    case 'Fn::GetAtt': {
      const parts =
        typeof argument === 'string' ? [argument.slice(0, argument.indexOf('.')), argument.slice(argument.indexOf('.') + 1)] : argument;
      if (!Array.isArray(parts) || parts.length !== 2 || typeof parts[0] !== 'string' || typeof parts[1] !== 'string' || !parts[0]) {
        return fail(path, `has Fn::GetAtt ${JSON.stringify(argument)}, not [LogicalId, Attribute]`);
      }
      return attribute(parts[0], parts[1], context, path);
    }
    case 'Fn::Join': {
      if (!Array.isArray(argument) || argument.length !== 2 || typeof argument[0] !== 'string' || !Array.isArray(argument[1])) {
        return fail(path, 'has Fn::Join that is not [delimiter, [values]]');
      }
      const [delimiter, parts] = argument as [string, unknown[]];
      return parts.map((part, index) => resolveIntrinsic(part, context, `${path}.Fn::Join[1][${index}]`)).join(delimiter);
    }
    case 'Fn::Sub': {
      if (typeof argument === 'string') return substitute(argument, {}, context, `${path}.Fn::Sub`);
      if (Array.isArray(argument) && typeof argument[0] === 'string' && (argument.length === 1 || isRecord(argument[1]))) {
        return substitute(argument[0], (argument[1] ?? {}) as Record<string, unknown>, context, `${path}.Fn::Sub`);
      }
      return fail(path, 'has Fn::Sub that is not a string or [string, {variables}]');
    }
    case 'Fn::Select': {
      if (!Array.isArray(argument) || argument.length !== 2 || !Array.isArray(argument[1]))
        return fail(path, 'has Fn::Select that is not [index, [values]]');
      const index = Number(resolveIntrinsic(argument[0], context, `${path}.Fn::Select[0]`));
      const list = argument[1] as unknown[];
      if (!Number.isInteger(index) || index < 0 || index >= list.length)
        return fail(path, `has Fn::Select index ${String(argument[0])} outside its list`);
      return resolveIntrinsic(list[index], context, `${path}.Fn::Select[1][${index}]`);
    }
    default:
      return fail(path, `uses ${fn}`);
  }
}
