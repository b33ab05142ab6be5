import { EnvName } from '../runtime/env-names.js';
import type { FunctionSpec } from './function-spec.js';

/**
 * The environment serverless.yml declares for a function: provider `environment`, then the function's
 * own, as strings. Absent (null or undefined) values are left out, as Lambda has no such variable.
 */
export function declaredEnvironment(provider: Record<string, unknown>, fn: Record<string, unknown>): Record<string, string> {
  const environment: Record<string, string> = {};
  for (const source of [provider.environment, fn.environment]) {
    if (!source || typeof source !== 'object') continue;
    for (const [name, value] of Object.entries(source as Record<string, unknown>)) {
      if (value !== undefined && value !== null) environment[name] = String(value);
    }
  }
  return environment;
}

export interface FunctionEnvironmentOptions {
  region: string;
  /** DynamoDB Local's endpoint: overrides DYNAMODB_ENDPOINT so the handler talks to this stack's instance. */
  endpoint: string;
  /** The function's own access key id (local IAM knows the caller by it); default `local`. */
  accessKeyId?: string | undefined;
}

/**
 * The environment a function sees on Lambda: the reserved AWS_* variables, then provider and function
 * `environment` from serverless.yml. Nothing of the caller's own environment leaks in (no AWS profile,
 * no real credentials): the dummy credentials cannot reach AWS, and DynamoDB Local accepts them.
 */
export function functionEnvironment(
  spec: Pick<FunctionSpec, 'deployedName' | 'memorySizeMb' | 'runtime' | 'environment'>,
  options: FunctionEnvironmentOptions,
): Record<string, string> {
  const name = spec.deployedName;
  return {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    TZ: ':UTC',
    LANG: 'en_US.UTF-8',
    [EnvName.awsRegion]: options.region,
    [EnvName.awsDefaultRegion]: options.region,
    AWS_LAMBDA_FUNCTION_NAME: name,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(spec.memorySizeMb),
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${name}`,
    AWS_EXECUTION_ENV: `AWS_Lambda_${spec.runtime}`,
    [EnvName.awsAccessKeyId]: options.accessKeyId ?? 'local',
    [EnvName.awsSecretAccessKey]: 'local',
    AWS_SESSION_TOKEN: 'local',
    IS_OFFLINE: 'true',
    ...spec.environment,
    [EnvName.dynamodbEndpoint]: options.endpoint,
  };
}
