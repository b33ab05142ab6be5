import { parseRedriveArguments, REDRIVE_USAGE, runRedrive } from '../redrive/run-redrive.js';
import { projectRoot } from '../../mapping/project-paths.js';
import { EXIT, runCli, type CliContext } from './run-cli.js';

// `npm run redrive -- <function> [--list] [--entry ID | --all] [--from-item] [--stage S] [--endpoint URL]`: see REDRIVE_USAGE.

const projectDir = projectRoot;

async function main({ argv }: CliContext): Promise<number> {
  const args = parseRedriveArguments(argv);
  if (!args) {
    process.stdout.write(`${REDRIVE_USAGE}\n`);
    return EXIT.ok;
  }
  return runRedrive({ ...args, projectDir, write: (line) => process.stdout.write(`${line}\n`) });
}

// An entry is removed only after its records succeeded, and the actions are idempotent: stopping mid-entry loses nothing.
runCli(main, { interrupt: 'exit' });
