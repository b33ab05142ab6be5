import { DEAD_LETTERS_USAGE, parseDeadLettersArguments, runDeadLetters } from '../redrive/run-dead-letters.js';
import { projectRoot } from '../../mapping/project-paths.js';
import { EXIT, runCli, type CliContext } from './run-cli.js';

// `npm run dead-letters -- [function] [--json] [--show ID] [--remove ID] [--dir DIR] [--endpoint URL]`: the local
// stack's on-failure destination, where batches go when retries or record age run out. See DEAD_LETTERS_USAGE.

const projectDir = projectRoot;

async function main({ argv }: CliContext): Promise<number> {
  const args = parseDeadLettersArguments(argv);
  if (!args) {
    process.stdout.write(`${DEAD_LETTERS_USAGE}\n`);
    return EXIT.ok;
  }
  return runDeadLetters({ ...args, projectDir, write: (text) => process.stdout.write(text), warn: (text) => process.stderr.write(text) });
}

runCli(main);
