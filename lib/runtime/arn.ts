/**
 * Amazon Resource Names, parsed and built in one place: `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`.
 * The resource part may itself hold colons (a log group's `log-group:NAME:*`), so only the first five split.
 */
export interface Arn {
  partition: string;
  service: string;
  /** Empty for global services (IAM, S3). */
  region: string;
  /** Empty for S3 buckets. */
  accountId: string;
  resource: string;
}

/** Where an ARN lives: the partition defaults to `aws`. */
export interface ArnScope {
  partition?: string | undefined;
  region: string;
  accountId: string;
}

const ARN = /^arn:([^:]+):([^:]+):([^:]*):([^:]*):(.+)$/s;
// Table names are 3 to 255 of [A-Za-z0-9_.-]; a stream label is the stream's creation time (or `*` in a policy).
const TABLE_RESOURCE = /^table\/([^/]+)(?:\/(index|stream)\/(.+))?$/s;

/** The parts of an ARN, or undefined when the text is not one. */
export function parseArn(text: string): Arn | undefined {
  const match = ARN.exec(text);
  if (!match) return undefined;
  const [, partition, service, region, accountId, resource] = match as unknown as [string, string, string, string, string, string];
  return { partition, service, region, accountId, resource };
}

/** The text of an ARN. */
export const formatArn = (arn: Arn): string => `arn:${arn.partition}:${arn.service}:${arn.region}:${arn.accountId}:${arn.resource}`;

const build = (scope: ArnScope, service: string, resource: string, global: { region?: boolean; account?: boolean } = {}): string =>
  formatArn({
    partition: scope.partition ?? 'aws',
    service,
    region: global.region ? '' : scope.region,
    accountId: global.account ? '' : scope.accountId,
    resource,
  });

/** `arn:aws:dynamodb:REGION:ACCOUNT:table/NAME`. */
export const tableArn = (scope: ArnScope, tableName: string): string => build(scope, 'dynamodb', `table/${tableName}`);
/** `arn:aws:dynamodb:REGION:ACCOUNT:table/NAME/index/INDEX`. */
export const indexArn = (scope: ArnScope, tableName: string, indexName: string): string =>
  build(scope, 'dynamodb', `table/${tableName}/index/${indexName}`);
/** `arn:aws:dynamodb:REGION:ACCOUNT:table/NAME/stream/LABEL`; the label `*` stands for any stream of the table (in policies). */
export const streamArn = (scope: ArnScope, tableName: string, label: string): string =>
  build(scope, 'dynamodb', `table/${tableName}/stream/${label}`);
/** `arn:aws:lambda:REGION:ACCOUNT:function:NAME`. */
export const functionArn = (scope: ArnScope, functionName: string): string => build(scope, 'lambda', `function:${functionName}`);
/** `arn:aws:sqs:REGION:ACCOUNT:NAME`. */
export const queueArn = (scope: ArnScope, queueName: string): string => build(scope, 'sqs', queueName);
/** `arn:aws:sns:REGION:ACCOUNT:NAME`. */
export const topicArn = (scope: ArnScope, topicName: string): string => build(scope, 'sns', topicName);
/** `arn:aws:s3:::NAME`: buckets are global. */
export const bucketArn = (scope: Partial<ArnScope>, bucketName: string): string =>
  formatArn({ partition: scope.partition ?? 'aws', service: 's3', region: '', accountId: '', resource: bucketName });
/** `arn:aws:iam::ACCOUNT:role/NAME`: IAM is global. */
export const roleArn = (scope: ArnScope, roleName: string): string => build(scope, 'iam', `role/${roleName}`, { region: true });
/** `arn:aws:logs:REGION:ACCOUNT:log-group:NAME:*`. */
export const logGroupArn = (scope: ArnScope, groupName: string): string => build(scope, 'logs', `log-group:${groupName}:*`);

/** A DynamoDB ARN: a table's, one of its indexes' or one of its streams'. */
export interface DynamoDBArn extends Arn {
  tableName: string;
  kind: 'table' | 'index' | 'stream';
  /** The index name or the stream label; absent for a table ARN. */
  sub?: string;
}

/** The parts of a DynamoDB table, index or stream ARN, or undefined for anything else. */
export function parseDynamoDBArn(text: string): DynamoDBArn | undefined {
  const arn = parseArn(text);
  if (arn?.service !== 'dynamodb') return undefined;
  const match = TABLE_RESOURCE.exec(arn.resource);
  if (!match) return undefined;
  const [, tableName, kind, sub] = match as unknown as [string, string, 'index' | 'stream' | undefined, string | undefined];
  return { ...arn, tableName, kind: kind ?? 'table', ...(sub !== undefined ? { sub } : {}) };
}

/** A DynamoDB stream ARN's parts. */
export interface StreamArnParts extends Arn {
  tableName: string;
  /** The stream's label (its creation time on AWS). */
  label: string;
}

/** The parts of a DynamoDB stream ARN, or undefined when the text is not one (a table ARN, for instance, is not). */
export function parseStreamArn(text: string): StreamArnParts | undefined {
  const arn = parseDynamoDBArn(text);
  if (arn?.kind !== 'stream' || arn.sub === undefined) return undefined;
  const { sub, kind: _kind, ...rest } = arn;
  return { ...rest, label: sub };
}

/**
 * The table name in a DynamoDB stream ARN (`arn:aws:dynamodb:<region>:<account>:table/<name>/stream/<label>`),
 * or undefined when the text is not a stream ARN (a table ARN, for instance, is not).
 */
export const tableNameFromStreamArn = (text: string): string | undefined => parseStreamArn(text)?.tableName;

/** The table a DynamoDB table, index or stream ARN names, or undefined. */
export const tableNameOfArn = (text: string | undefined): string | undefined =>
  text === undefined ? undefined : parseDynamoDBArn(text)?.tableName;

/** The label of a stream ARN (the part after `/stream/`), or undefined when the text is not a stream ARN. */
export const streamLabelOf = (text: string): string | undefined => parseStreamArn(text)?.label;

/** The region an ARN names, or undefined when the text is not an ARN or names none (IAM, S3). */
export const regionOfArn = (text: string): string | undefined => parseArn(text)?.region || undefined;

/** The account an ARN names, or undefined when the text is not an ARN or names none (S3). */
export const accountOfArn = (text: string): string | undefined => parseArn(text)?.accountId || undefined;

/** The service an ARN belongs to (`sqs`, `sns`, `s3`, `dynamodb`...), or undefined when the text is not an ARN. */
export const serviceOfArn = (text: string): string | undefined => parseArn(text)?.service;

/**
 * The name an SQS queue, SNS topic or S3 bucket ARN gives its resource (the last part), or undefined for
 * other ARNs and for text that is not an ARN.
 */
export function resourceNameOfArn(text: string): string | undefined {
  const arn = parseArn(text);
  if (!arn || !['sqs', 'sns', 's3'].includes(arn.service)) return undefined;
  return arn.resource;
}

/** The role name of an IAM role ARN (`arn:aws:iam::ACCOUNT:role/PATH/NAME`), or undefined. */
export function roleNameOfArn(text: string): string | undefined {
  const arn = parseArn(text);
  if (arn?.service !== 'iam' || !arn.resource.startsWith('role/')) return undefined;
  return arn.resource.slice(arn.resource.lastIndexOf('/') + 1) || undefined;
}

/** The same ARN with another region and account (those given); text that is not an ARN comes back unchanged. */
export function withScope(text: string, scope: { region?: string | undefined; accountId?: string | undefined }): string {
  const arn = parseArn(text);
  if (!arn) return text;
  return formatArn({ ...arn, region: scope.region ?? arn.region, accountId: scope.accountId ?? arn.accountId });
}
