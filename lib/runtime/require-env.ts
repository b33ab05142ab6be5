import { ConfigurationError } from './errors.js';

/** Reads a required setting from an environment (the caller passes process.env, from functions/ only). */
export function requireEnv(env: Record<string, string | undefined>, name: string): string {
  const value = env[name];
  if (value === undefined || value === '') {
    throw new ConfigurationError(
      `The environment variable ${name} is not set; declare it under the function's environment in serverless.yml`,
    );
  }
  return value;
}
