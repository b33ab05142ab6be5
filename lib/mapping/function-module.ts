import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigurationError } from '../runtime/errors.js';

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

/**
 * Imports a function's handler module (`handlerModule` is the handler path without its export, for
 * example `functions/books-stream`) from the project root, trying the source and built extensions.
 * Set the function's environment first: the module builds its clients and actions when imported.
 */
export async function importHandlerModule(root: string, handlerModule: string, functionName: string): Promise<Record<string, unknown>> {
  const file = ['.ts', '.js', '.mjs', '.cjs'].map((ext) => resolve(root, handlerModule + ext)).find((candidate) => existsSync(candidate));
  if (!file) throw new ConfigurationError(`The handler module ${handlerModule} of ${functionName} was not found under ${root}`);
  const module = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  // A CommonJS module imported from ESM may have its exports under `default` only.
  return { ...((module.default ?? {}) as Record<string, unknown>), ...module };
}
