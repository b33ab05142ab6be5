import { join, relative, resolve } from 'node:path';
import { AppError, ConfigurationError } from '../errors.js';
import { createFileDeadLetterStore, type DeadLetterEntry } from '../offline/store/dead-letter-store.js';

// `npm run dead-letters -- [function] [--json] [--show ID] [--remove ID] [--dir DIR]`: the local stack's
// on-failure destination, where batches go when retries or record age run out.

const USAGE = `Usage: npm run dead-letters -- [function] [--json] [--show ID] [--remove ID] [--dir DIR]
  function      only this function's entries (booksStream, ordersStream, ...)
  --json        the entries as JSON (the payload AWS would send to SQS/SNS, plus id and function)
  --show ID     one entry's payload
  --remove ID   delete one entry (after reprocessing it)
  --dir DIR     store folder (default .local/dead-letters)`;

const projectDir = resolve(__dirname, '..', '..');

interface Arguments {
  functionName?: string;
  json: boolean;
  show?: string;
  remove?: string;
  dir: string;
}

function parse(argv: string[]): Arguments | undefined {
  const args: Arguments = { json: false, dir: join(projectDir, '.local', 'dead-letters') };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i]!;
    const next = () => {
      const value = argv[++i];
      if (!value) throw new ConfigurationError(`${arg} needs a value.\n${USAGE}`);
      return value;
    };
    if (arg === '-h' || arg === '--help') return undefined;
    else if (arg === '--json') args.json = true;
    else if (arg === '--show') args.show = next();
    else if (arg === '--remove') args.remove = next();
    else if (arg === '--dir') args.dir = resolve(next());
    else if (arg.startsWith('-')) throw new ConfigurationError(`Unknown option ${arg}.\n${USAGE}`);
    else args.functionName = arg;
  }
  return args;
}

/** One line per entry: what failed, why, and which stream range to fetch again. */
export function formatEntry(entry: DeadLetterEntry): string {
  const info = entry.payload.DDBStreamBatchInfo;
  const context = entry.payload.requestContext;
  return [
    entry.id,
    `  ${entry.payload.timestamp}  ${context.condition} after ${context.approximateInvokeCount} invocation(s)${entry.payload.responseContext.functionError ? ` (${entry.payload.responseContext.functionError})` : ''}`,
    `  ${info.batchSize} record(s), shard ${info.shardId}, sequence ${info.startSequenceNumber} .. ${info.endSequenceNumber}`,
    `  stream ${info.streamArn}${entry.destination ? `, destination ${entry.destination}` : ''}`,
  ].join('\n');
}

async function main(): Promise<void> {
  const args = parse(process.argv.slice(2));
  if (!args) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const store = createFileDeadLetterStore({ dir: args.dir });
  if (args.show) {
    process.stdout.write(`${JSON.stringify(await store.get(args.show), null, 2)}\n`);
    return;
  }
  if (args.remove) {
    await store.get(args.remove);
    await store.remove(args.remove);
    process.stdout.write(`Removed ${args.remove}\n`);
    return;
  }
  const { entries, unreadable } = await store.listing(args.functionName);
  // Named on stderr (and exit 1), so one bad file neither hides the others nor goes unnoticed.
  for (const bad of unreadable) process.stderr.write(`Unreadable dead letter ${bad.file}: ${bad.reason}\n`);
  if (unreadable.length > 0) process.exitCode = 1;
  if (args.json) {
    process.stdout.write(`${JSON.stringify(entries, null, 2)}\n`);
    return;
  }
  const shown = relative(process.cwd(), args.dir);
  const where = shown === '' ? '.' : shown.startsWith('..') ? args.dir : shown;
  if (entries.length === 0) {
    process.stdout.write(`No dead letters${args.functionName ? ` for ${args.functionName}` : ''} in ${where}/\n`);
    return;
  }
  process.stdout.write(`${entries.length} dead letter(s)${args.functionName ? ` for ${args.functionName}` : ''} in ${where}/ (oldest first)\n\n`);
  process.stdout.write(`${entries.map(formatEntry).join('\n\n')}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof AppError ? `${error.name}: ${error.message}` : (error as Error)?.stack ?? String(error)}\n`);
  process.exit(1);
});
