import type { CreateTableCommandInput, Projection } from '@aws-sdk/client-dynamodb';
import { ConfigurationError } from '../runtime/errors.js';
import type { CloudFormationResource } from './serverless-config.js';

/** A table as this project creates it: the CreateTable input plus what CreateTable cannot say. */
export interface TableDefinition {
  /** The resource's logical id in serverless.yml (for example `BooksTable`). */
  logicalId: string;
  create: CreateTableCommandInput;
  /** Attribute enabled as TTL after creation, when the definition asks for it. */
  ttlAttribute?: string;
  pointInTimeRecovery: boolean;
}

type Props = Record<string, unknown>;

const asArray = (value: unknown): Props[] => (Array.isArray(value) ? (value as Props[]) : []);

function requireString(props: Props, key: string, logicalId: string): string {
  const value = props[key];
  if (typeof value !== 'string' || value === '') {
    throw new ConfigurationError(
      `serverless.yml: ${logicalId}.Properties.${key} must be a literal string (got ${JSON.stringify(value)}); ` +
        `keep table names literal, for example books-\${sls:stage}`,
    );
  }
  return value;
}

function throughput(value: unknown): { ReadCapacityUnits: number; WriteCapacityUnits: number } | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const p = value as Props;
  return { ReadCapacityUnits: Number(p.ReadCapacityUnits), WriteCapacityUnits: Number(p.WriteCapacityUnits) };
}

/** Turns an `AWS::DynamoDB::Table` resource into the input DynamoDB's CreateTable takes. */
export function tableDefinitionFromResource(logicalId: string, resource: CloudFormationResource): TableDefinition {
  if (resource.Type !== 'AWS::DynamoDB::Table') {
    throw new ConfigurationError(`serverless.yml: ${logicalId} is a ${resource.Type}, not an AWS::DynamoDB::Table`);
  }
  const props = resource.Properties ?? {};
  const tableName = requireString(props, 'TableName', logicalId);
  const billingMode = (props.BillingMode as string | undefined) ?? 'PROVISIONED';
  const provisioned = billingMode === 'PROVISIONED';
  const tableThroughput = throughput(props.ProvisionedThroughput);
  if (provisioned && !tableThroughput) {
    throw new ConfigurationError(`serverless.yml: ${logicalId} has BillingMode PROVISIONED but no ProvisionedThroughput`);
  }
  const keySchema = asArray(props.KeySchema).map((k) => ({
    AttributeName: String(k.AttributeName),
    KeyType: String(k.KeyType) as 'HASH' | 'RANGE',
  }));
  if (keySchema.length === 0) throw new ConfigurationError(`serverless.yml: ${logicalId} has no KeySchema`);
  const create: CreateTableCommandInput = {
    TableName: tableName,
    BillingMode: billingMode as 'PROVISIONED' | 'PAY_PER_REQUEST',
    AttributeDefinitions: asArray(props.AttributeDefinitions).map((a) => ({
      AttributeName: String(a.AttributeName),
      AttributeType: String(a.AttributeType) as 'S' | 'N' | 'B',
    })),
    KeySchema: keySchema,
  };
  if (provisioned) create.ProvisionedThroughput = tableThroughput;
  const gsis = asArray(props.GlobalSecondaryIndexes);
  if (gsis.length > 0) {
    create.GlobalSecondaryIndexes = gsis.map((index) => ({
      IndexName: String(index.IndexName),
      KeySchema: asArray(index.KeySchema).map((k) => ({
        AttributeName: String(k.AttributeName),
        KeyType: String(k.KeyType) as 'HASH' | 'RANGE',
      })),
      Projection: (index.Projection as Projection | undefined) ?? { ProjectionType: 'ALL' },
      ...(provisioned ? { ProvisionedThroughput: throughput(index.ProvisionedThroughput) ?? tableThroughput } : {}),
    }));
  }
  const lsis = asArray(props.LocalSecondaryIndexes);
  if (lsis.length > 0) {
    create.LocalSecondaryIndexes = lsis.map((index) => ({
      IndexName: String(index.IndexName),
      KeySchema: asArray(index.KeySchema).map((k) => ({
        AttributeName: String(k.AttributeName),
        KeyType: String(k.KeyType) as 'HASH' | 'RANGE',
      })),
      Projection: (index.Projection as Projection | undefined) ?? { ProjectionType: 'ALL' },
    }));
  }
  const stream = props.StreamSpecification as Props | undefined;
  if (stream?.StreamViewType) {
    create.StreamSpecification = { StreamEnabled: true, StreamViewType: String(stream.StreamViewType) as 'NEW_AND_OLD_IMAGES' };
  }
  const sse = props.SSESpecification as Props | undefined;
  if (sse?.SSEEnabled === true) {
    create.SSESpecification = {
      Enabled: true,
      ...(sse.SSEType ? { SSEType: String(sse.SSEType) as 'KMS' } : {}),
      ...(sse.KMSMasterKeyId ? { KMSMasterKeyId: String(sse.KMSMasterKeyId) } : {}),
    };
  }
  const ttl = props.TimeToLiveSpecification as Props | undefined;
  const pitr = props.PointInTimeRecoverySpecification as Props | undefined;
  return {
    logicalId,
    create,
    ...(ttl?.Enabled === true && typeof ttl.AttributeName === 'string' ? { ttlAttribute: ttl.AttributeName } : {}),
    pointInTimeRecovery: pitr?.PointInTimeRecoveryEnabled === true,
  };
}

/** Every `AWS::DynamoDB::Table` among the resources, in declaration order. */
export function tableDefinitions(resources: Record<string, CloudFormationResource>): TableDefinition[] {
  return Object.entries(resources)
    .filter(([, resource]) => resource?.Type === 'AWS::DynamoDB::Table')
    .map(([logicalId, resource]) => tableDefinitionFromResource(logicalId, resource));
}
