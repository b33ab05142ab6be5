import { resolve } from 'node:path';
import { AppError } from '../errors.js';
import { parseRedriveArguments, REDRIVE_USAGE, runRedrive } from '../redrive/run-redrive.js';

// `npm run redrive -- <function> [--list] [--entry ID | --all] [--stage S] [--endpoint URL]`: see REDRIVE_USAGE.

const projectDir = resolve(__dirname, '..', '..');

async function main(): Promise<number> {
  const args = parseRedriveArguments(process.argv.slice(2));
  if (!args) {
    process.stdout.write(`${REDRIVE_USAGE}\n`);
    return 0;
  }
  return runRedrive({ ...args, projectDir, write: (line) => process.stdout.write(`${line}\n`) });
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof AppError ? `${error.name}: ${error.message}` : String((error as Error)?.stack ?? error)}\n`);
    process.exit(error instanceof AppError ? 1 : 2);
  },
);
