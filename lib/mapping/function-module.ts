import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { handlerFileOf, type FunctionSpec } from './function-spec.js';

/**
 * Imports a function's handler module from the project root, from its source file (found with the one
 * extension list of function-spec.ts). Set the function's environment first: the module builds its
 * clients and actions when imported. Throws ConfigurationError when the file does not exist.
 */
export async function importHandlerModule(root: string, spec: Pick<FunctionSpec, 'key' | 'handler'>): Promise<Record<string, unknown>> {
  const file = join(root, handlerFileOf(spec));
  const module = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  // A CommonJS module imported from ESM may have its exports under `default` only.
  return { ...((module.default ?? {}) as Record<string, unknown>), ...module };
}
