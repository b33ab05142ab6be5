import { parseCommandLine } from '../cli/parse-command-line.js';
import { relative, resolve } from 'node:path';
import { createDynamoDBClient } from '../../runtime/dynamodb/client.js';
import { createDynamoDBStreamsClient } from '../../mapping/streams-client.js';
import { functionSpec } from '../../mapping/function-spec.js';
import { createFileDeadLetterStore, type DeadLetterEntry } from '../../local/store/dead-letter-store.js';
import { readServerlessConfig } from '../../mapping/serverless-config.js';
import { firstFailingRecord, type FirstFailingRecord } from './first-failing-record.js';
import { localEndpointOf } from './local-endpoint.js';
import { redriveCommand } from './redrive-command.js';
import { projectPaths } from '../../mapping/project-paths.js';
import { CommandUsageError } from '../../mapping/errors.js';

export const DEAD_LETTERS_USAGE = `Usage: npm run dead-letters -- [function] [--json] [--show ID] [--remove ID] [--dir DIR] [--endpoint URL]

Lists the local stack's dead letters (batches given up on when retries or record age ran out), oldest
first: why each failed, the keys of its first failing record (read from the stream), and the exact
redrive command for it.

  function        only this function's entries (booksStream, ordersStream, ...)
  --json          the entries as JSON (the payload AWS would send to SQS/SNS, plus id, function and firstFailingRecord)
  --show ID       one entry's payload
  --remove ID     delete one entry (after reprocessing it)
  --dir DIR       store folder (default .local/dead-letters)
  --endpoint URL  DynamoDB Local, to read the failing records' keys from the stream
                  (default: serverless.yml's DYNAMODB_ENDPOINT, or http://127.0.0.1:8000)
  -h, --help      this text

Exit codes: 0 done, 1 error, 2 usage (unknown option or function), 130 interrupted.`;

export interface DeadLettersArguments {
  functionName?: string;
  json: boolean;
  show?: string;
  remove?: string;
  dir?: string;
  endpoint?: string;
}

/** Parses the command line of `npm run dead-letters`; undefined means "print the usage". Throws CommandUsageError. */
export function parseDeadLettersArguments(argv: string[]): DeadLettersArguments | undefined {
  const parsed = parseCommandLine(
    {
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        json: { type: 'boolean' },
        show: { type: 'string' },
        remove: { type: 'string' },
        dir: { type: 'string' },
        endpoint: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    },
    DEAD_LETTERS_USAGE,
  );
  const { values, positionals } = parsed;
  if (values.help) return undefined;
  if (positionals.length > 1) {
    throw new CommandUsageError(`Name at most one function (got ${positionals.join(', ')})\n\n${DEAD_LETTERS_USAGE}`);
  }
  return {
    json: values.json === true,
    ...(positionals[0] !== undefined ? { functionName: positionals[0] } : {}),
    ...(values.show !== undefined ? { show: values.show } : {}),
    ...(values.remove !== undefined ? { remove: values.remove } : {}),
    ...(values.dir !== undefined ? { dir: values.dir } : {}),
    ...(values.endpoint !== undefined ? { endpoint: values.endpoint } : {}),
  };
}

/**
 * Why the batch failed, as far as the entry knows. AWS's on-failure payload has no field for the
 * error's name and message, and the local engine stores that payload as it is, so neither is
 * recorded: the entry says how the invocation failed and where the error was logged.
 */
function failureOf(entry: DeadLetterEntry): string {
  const { functionError } = entry.payload.responseContext;
  const start = entry.payload.DDBStreamBatchInfo.startSequenceNumber;
  const how =
    entry.payload.requestContext.condition === 'RecordAgeExceeded'
      ? "the records grew older than the mapping's maximum record age before they succeeded"
      : functionError
        ? `the whole invocation failed (functionError ${functionError}: the handler threw or timed out)`
        : `the function reported record ${start} as failed in its batch response`;
  return (
    `${how}; the error's name and message are not recorded in the entry (the on-failure payload has no field for them): ` +
    `see the function's error log line with sequenceNumber ${start} (fields errorName, errorMessage)`
  );
}

const describeFirst = (first: FirstFailingRecord | undefined): string =>
  first === undefined
    ? 'not looked up'
    : first.kind === 'found'
      ? `${first.sequenceNumber} ${first.eventName}, keys ${JSON.stringify(first.keys)}`
      : `keys unknown: ${first.reason}`;

/** What `npm run dead-letters` prints for one entry. */
export function describeDeadLetter(entry: DeadLetterEntry, first: FirstFailingRecord | undefined): string {
  const info = entry.payload.DDBStreamBatchInfo;
  const context = entry.payload.requestContext;
  return [
    `${entry.id}  (${entry.functionName})`,
    `  ${entry.payload.timestamp}  ${context.condition} after ${context.approximateInvokeCount} invocation(s)`,
    `  error: ${failureOf(entry)}`,
    `  first failing record: ${describeFirst(first)}`,
    `  ${info.batchSize} record(s), shard ${info.shardId}, sequence ${info.startSequenceNumber} .. ${info.endSequenceNumber}`,
    `  stream ${info.streamArn}${entry.destination ? `, destination ${entry.destination}` : ''}`,
    `  bad data: fix the item, then run: ${redriveCommand(entry.functionName, entry.id, { fromItem: true })}`,
    `  other cause, fixed: ${redriveCommand(entry.functionName, entry.id, { fromItem: false })}`,
  ].join('\n');
}

export interface RunDeadLettersOptions extends DeadLettersArguments {
  projectDir: string;
  /** Where output goes (stdout in the CLI). */
  write: (text: string) => void;
  /** Where problems with single entries go (stderr in the CLI). */
  warn?: (text: string) => void;
}

/** Runs `npm run dead-letters`; returns the exit code. */
export async function runDeadLetters(options: RunDeadLettersOptions): Promise<number> {
  const { write } = options;
  const dir = options.dir ? resolve(options.dir) : projectPaths(options.projectDir).deadLetters;
  const store = createFileDeadLetterStore({ dir });
  if (options.show) {
    write(`${JSON.stringify(await store.get(options.show), null, 2)}\n`);
    return 0;
  }
  if (options.remove) {
    await store.get(options.remove);
    await store.remove(options.remove);
    write(`Removed ${options.remove}\n`);
    return 0;
  }
  const config = readServerlessConfig({ stage: 'local' });
  // Throws CommandUsageError naming the functions with a stream event.
  if (options.functionName !== undefined) functionSpec(config, options.functionName, { withStreamEvent: true });
  const { entries, unreadable } = await store.listing(options.functionName);
  // Named (and exit 1), so one bad file neither hides the other entries nor goes unnoticed.
  for (const bad of unreadable) (options.warn ?? write)(`Unreadable dead letter ${bad.file}: ${bad.reason}\n`);
  const status = unreadable.length > 0 ? 1 : 0;
  const endpoint = localEndpointOf(config, options.endpoint);
  const streams = createDynamoDBStreamsClient({ endpoint, region: config.region });
  const localDynamoDB = createDynamoDBClient({ endpoint, region: config.region });
  const firsts: FirstFailingRecord[] = [];
  let unreachable: FirstFailingRecord | undefined;
  for (const entry of entries) {
    // One unreachable DynamoDB Local is enough to know: the other entries are not tried again.
    const first = unreachable ?? (await firstFailingRecord({ id: entry.id, payload: entry.payload }, { streams, localDynamoDB }));
    if (first.kind === 'unreachable' && !unreachable) {
      const hint = `is DynamoDB Local running at ${endpoint}? (npm start, or --endpoint URL)`;
      unreachable = { kind: 'unreachable', reason: `${first.reason}; ${hint}` };
    }
    firsts.push(unreachable ?? first);
  }
  streams.destroy();
  localDynamoDB.destroy();

  if (options.json) {
    write(
      `${JSON.stringify(
        entries.map((entry, i) => ({ ...entry, firstFailingRecord: firsts[i] })),
        null,
        2,
      )}\n`,
    );
    return status;
  }
  const shown = relative(process.cwd(), dir);
  const where = shown === '' ? '.' : shown.startsWith('..') ? dir : shown;
  const whose = options.functionName ? ` for ${options.functionName}` : '';
  if (entries.length === 0) {
    write(`No dead letters${whose} in ${where}/\n`);
    return status;
  }
  write(`${entries.length} dead letter(s)${whose} in ${where}/ (oldest first)\n\n`);
  write(`${entries.map((entry, i) => describeDeadLetter(entry, firsts[i])).join('\n\n')}\n`);
  return status;
}
