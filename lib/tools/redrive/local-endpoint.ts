import { EnvName } from '../../runtime/env-names.js';
import type { ServerlessConfig } from '../../mapping/serverless-config.js';

/** DynamoDB Local's endpoint for the local tools: the one given, else serverless.yml's DYNAMODB_ENDPOINT, else the default port. */
export function localEndpointOf(config: ServerlessConfig, given?: string): string {
  if (given) return given;
  const declared = (config.provider.environment as Record<string, unknown> | undefined)?.[EnvName.dynamodbEndpoint];
  return typeof declared === 'string' && declared ? declared : 'http://127.0.0.1:8000';
}
