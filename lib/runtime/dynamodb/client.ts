import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EnvName } from '../env-names.js';

export interface DynamoDBClientOptions {
  /** DynamoDB Local's URL; empty or absent means AWS. */
  endpoint?: string | undefined;
  region?: string | undefined;
  /**
   * Access key id for a local endpoint (default `local`): the local stack gives each function its own, and
   * its IAM proxy knows the caller by it. Ignored on AWS, where the credential chain applies.
   */
  accessKeyId?: string | undefined;
}

/**
 * The one place clients are made. A local endpoint gets static dummy credentials, so nothing ever
 * looks for an AWS account when talking to DynamoDB Local.
 */
export function createDynamoDBClient(options: DynamoDBClientOptions = {}): DynamoDBClient {
  const endpoint = options.endpoint || undefined;
  return new DynamoDBClient({
    region: options.region || 'us-east-1',
    ...(endpoint
      ? { endpoint, credentials: { accessKeyId: options.accessKeyId || 'local', secretAccessKey: 'local' }, maxAttempts: 5 }
      : {}),
  });
}

/** The client of a function, from the environment Lambda (or the local stack) gives it: endpoint, region, key id. */
export const functionDynamoDBClient = (env: Readonly<Record<string, string | undefined>>): DynamoDBClient =>
  createDynamoDBClient({
    endpoint: env[EnvName.dynamodbEndpoint],
    region: env[EnvName.awsRegion],
    accessKeyId: env[EnvName.awsAccessKeyId],
  });
