import { DynamoDBClient } from '@aws-sdk/client-dynamodb';

export interface DynamoDBClientOptions {
  /** DynamoDB Local's URL; empty or absent means AWS. */
  endpoint?: string | undefined;
  region?: string | undefined;
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
      ? { endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 5 }
      : {}),
  });
}
