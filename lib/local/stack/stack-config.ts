import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { readServerlessConfig, type ServerlessConfig } from '../../mapping/serverless-config.js';
import { functionSpec, type FunctionSpec } from '../../mapping/function-spec.js';
import { SERVERLESS_DEFAULTS } from '../../mapping/serverless-defaults.js';

/** What the local stack needs from serverless.yml, with variables resolved (by Serverless or by readServerlessConfig). */
export interface StackConfig extends ServerlessConfig {
  /** `custom.esbuild`: the options serverless-esbuild builds with. */
  esbuild: Record<string, unknown> | undefined;
}

/** Reads the stack's configuration from the project's serverless.yml, outside Serverless. */
export function loadStackConfig(options: { projectDir: string; stage?: string; env?: NodeJS.ProcessEnv }): StackConfig {
  const path = join(options.projectDir, 'serverless.yml');
  const config = readServerlessConfig({
    path,
    stage: options.stage ?? SERVERLESS_DEFAULTS.stage,
    ...(options.env ? { env: options.env } : {}),
  });
  // custom.esbuild holds literal options only; read it without the CloudFormation tags elsewhere in the file.
  const document = parseDocument(readFileSync(path, 'utf8'), { logLevel: 'silent' });
  const esbuild = document.getIn(['custom', 'esbuild']) as { toJSON(): unknown } | undefined;
  return { ...config, esbuild: esbuild ? (esbuild.toJSON() as Record<string, unknown>) : undefined };
}

/**
 * The functions the stack runs: those with a stream event (of `only`, when given), read and validated
 * before anything starts, so a misconfiguration stops the stack before a JVM or a build does.
 */
export function stackFunctionSpecs(config: StackConfig, projectDir: string, only?: readonly string[]): FunctionSpec[] {
  return Object.keys(config.functions)
    .filter((key) => !only || only.includes(key))
    .map((key) => functionSpec(config, key, { projectDir }))
    .filter((spec) => spec.streamMappings.length > 0);
}
