import { AppError } from '../../runtime/errors.js';
import { CommandUsageError } from '../../local/errors.js';
import { DEAD_LETTERS_USAGE, parseDeadLettersArguments, runDeadLetters } from '../redrive/run-dead-letters.js';
import { projectRoot } from '../../mapping/project-paths.js';

// `npm run dead-letters -- [function] [--json] [--show ID] [--remove ID] [--dir DIR] [--endpoint URL]`: the local
// stack's on-failure destination, where batches go when retries or record age run out. See DEAD_LETTERS_USAGE.

const projectDir = projectRoot;

async function main(): Promise<number> {
  const args = parseDeadLettersArguments(process.argv.slice(2));
  if (!args) {
    process.stdout.write(`${DEAD_LETTERS_USAGE}\n`);
    return 0;
  }
  process.once('SIGINT', () => process.exit(130));
  return runDeadLetters({ ...args, projectDir, write: (text) => process.stdout.write(text), warn: (text) => process.stderr.write(text) });
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof AppError ? `${error.name}: ${error.message}` : ((error as Error)?.stack ?? String(error))}\n`);
    process.exit(error instanceof CommandUsageError ? 2 : 1);
  },
);
