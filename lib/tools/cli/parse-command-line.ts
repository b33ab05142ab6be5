import { type ParseArgsConfig, parseArgs } from 'node:util';
import { CommandUsageError } from '../../mapping/errors.js';

/**
 * `node:util` parseArgs for every command of the project: an argument it refuses (an unknown option, a missing
 * value) becomes a CommandUsageError that ends with the command's usage, so every CLI exits 2 with the same shape.
 */
export function parseCommandLine<const T extends ParseArgsConfig>(config: T, usage: string): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (error) {
    throw new CommandUsageError(`${(error as Error).message}\n\n${usage}`, { cause: error });
  }
}
