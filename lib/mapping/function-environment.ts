import { declaredEnvironment } from './function-module.js';

/** The account id DynamoDB Local puts in its ARNs; the local stack uses it everywhere. */
export const LOCAL_ACCOUNT_ID = '000000000000';

export interface FunctionEnvironmentOptions {
  service: string;
  stage: string;
  region: string;
  provider: Record<string, unknown>;
  functionName: string;
  fn: Record<string, unknown>;
  /** DynamoDB Local's endpoint: overrides DYNAMODB_ENDPOINT so the handler talks to this stack's instance. */
  endpoint: string;
  /** The function's own access key id (local IAM knows the caller by it); default `local`. */
  accessKeyId?: string | undefined;
}

/** Deployed function name, as Serverless names it: service-stage-function (or the function's own `name`). */
export const deployedFunctionName = (service: string, stage: string, functionName: string, fn: Record<string, unknown>): string =>
  typeof fn.name === 'string' && fn.name ? fn.name : `${service}-${stage}-${functionName}`;

/**
 * The environment a function sees on Lambda: the reserved AWS_* variables, then provider and function
 * `environment` from serverless.yml. Nothing of the caller's own environment leaks in (no AWS profile,
 * no real credentials): the dummy credentials cannot reach AWS, and DynamoDB Local accepts them.
 */
export function functionEnvironment(options: FunctionEnvironmentOptions): Record<string, string> {
  const { fn } = options;
  const name = deployedFunctionName(options.service, options.stage, options.functionName, fn);
  const memory = Number(fn.memorySize ?? options.provider.memorySize ?? 1024);
  return {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    TZ: ':UTC',
    LANG: 'en_US.UTF-8',
    AWS_REGION: options.region,
    AWS_DEFAULT_REGION: options.region,
    AWS_LAMBDA_FUNCTION_NAME: name,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(memory),
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${name}`,
    AWS_EXECUTION_ENV: `AWS_Lambda_${String(fn.runtime ?? options.provider.runtime ?? 'nodejs22.x')}`,
    AWS_ACCESS_KEY_ID: options.accessKeyId ?? 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_SESSION_TOKEN: 'local',
    IS_OFFLINE: 'true',
    ...declaredEnvironment(options.provider, fn),
    DYNAMODB_ENDPOINT: options.endpoint,
  };
}
