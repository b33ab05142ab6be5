import { AppError } from '../../runtime/errors.js';
import { CommandUsageError } from '../../local/errors.js';
import { parseRedriveArguments, REDRIVE_USAGE, runRedrive } from '../redrive/run-redrive.js';
import { projectRoot } from '../../mapping/project-paths.js';

// `npm run redrive -- <function> [--list] [--entry ID | --all] [--from-item] [--stage S] [--endpoint URL]`: see REDRIVE_USAGE.

const projectDir = projectRoot;

async function main(): Promise<number> {
  const args = parseRedriveArguments(process.argv.slice(2));
  if (!args) {
    process.stdout.write(`${REDRIVE_USAGE}\n`);
    return 0;
  }
  // An entry is removed only after its records succeeded, and the actions are idempotent: stopping mid-entry loses nothing.
  process.once('SIGINT', () => process.exit(130));
  return runRedrive({ ...args, projectDir, write: (line) => process.stdout.write(`${line}\n`) });
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof AppError ? `${error.name}: ${error.message}` : String((error as Error)?.stack ?? error)}\n`);
    process.exit(error instanceof CommandUsageError ? 2 : 1);
  },
);
