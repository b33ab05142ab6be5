import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { SERVERLESS_DEFAULTS } from './serverless-defaults.js';

/**
 * The one place Streams clients are made (a file of its own, so the functions' bundles never carry the
 * Streams SDK). A local endpoint gets dummy credentials and few retries: the callers have their own
 * recovery, and DynamoDB Local being down should show at once.
 */
export function createDynamoDBStreamsClient(
  options: { endpoint?: string | undefined; region?: string | undefined } = {},
): DynamoDBStreamsClient {
  const region = options.region || SERVERLESS_DEFAULTS.region;
  if (!options.endpoint) return new DynamoDBStreamsClient({ region });
  return new DynamoDBStreamsClient({
    endpoint: options.endpoint,
    region,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 2,
  });
}
