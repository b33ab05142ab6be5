import { parseCommandLine } from '../cli/parse-command-line.js';
import { createDynamoDBStreamsClient } from '../../mapping/streams-client.js';
import { SQSClient } from '@aws-sdk/client-sqs';
import { createDynamoDBClient } from '../../runtime/dynamodb/client.js';
import { AppError, ConfigurationError } from '../../runtime/errors.js';
import { DeadLetterNotFoundError } from '../../local/errors.js';
import { CommandUsageError } from '../../mapping/errors.js';
import { RecordsExpiredError, RedriveFailedError } from '../errors.js';
import { createFileDeadLetterStore } from '../../local/store/dead-letter-store.js';
import { readServerlessConfig } from '../../mapping/serverless-config.js';
import { localDeadLetterSource, sqsDeadLetterSource, type DeadLetterSource, type RedriveEntry } from './dead-letter-source.js';
import { functionSpec } from '../../mapping/function-spec.js';
import { handlerOf, loadFunction } from '../../mapping/load-function.js';
import { localEndpointOf } from './local-endpoint.js';
import { redriveCommand } from './redrive-command.js';
import { redriveEntry, type RedriveHandler } from './redrive.js';
import { projectPaths } from '../../mapping/project-paths.js';

export const REDRIVE_USAGE = `Usage: npm run redrive -- <function> [--list] [--entry ID | --all] [--from-item]
                           [--stage S] [--endpoint URL] [--region R] [--dir DIR]

Lists a function's dead-letter entries (failed batches: AWS's on-failure payload, metadata only) and,
once the cause is fixed, fetches each entry's records from the stream by shard and sequence range
(while they are within the stream's 24-hour retention) and runs them through the function's handler
again. An entry is removed only when all its records succeeded.

  <function>      booksStream, ordersStream, ... (a function of serverless.yml with a stream event)
  --list          list the entries (the default when neither --entry nor --all is given)
  --entry ID      redrive one entry (npm run dead-letters prints each entry's command)
  --all           redrive every entry, oldest first
  --from-item     for bad data: fix the item in its table first, then redrive with this flag. Instead of
                  replaying the stream's records, runs each item of the entry's records as it is NOW
                  (consistent read; gone means REMOVE), once per item, with the sequence number of the
                  item's last record in the entry, so nothing is counted twice and later changes still apply
  --stage S       default local: DynamoDB Local and the local dead-letter store (.local/dead-letters);
                  any other stage: AWS, the function's SQS on-failure queue, standard credential chain
  --endpoint URL  DynamoDB Local's endpoint (default: serverless.yml's DYNAMODB_ENDPOINT, or http://127.0.0.1:8000)
  --region R      AWS region (default: serverless.yml's)
  --dir DIR       local dead-letter store (default .local/dead-letters)
  -h, --help      this text

Exit codes: 0 done, 1 an entry is left (failed again, or its records expired) or an error, 2 usage, 130 interrupted.`;

export interface RedriveArguments {
  functionName: string;
  list: boolean;
  entryId?: string;
  all: boolean;
  fromItem: boolean;
  stage: string;
  endpoint?: string;
  region?: string;
  dir?: string;
}

/** Parses the command line; undefined means "print the usage". Throws CommandUsageError on bad input. */
export function parseRedriveArguments(argv: string[]): RedriveArguments | undefined {
  const parsed = parseCommandLine(
    {
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        list: { type: 'boolean' },
        all: { type: 'boolean' },
        entry: { type: 'string' },
        'from-item': { type: 'boolean' },
        stage: { type: 'string' },
        endpoint: { type: 'string' },
        region: { type: 'string' },
        dir: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    },
    REDRIVE_USAGE,
  );
  const { values, positionals } = parsed;
  if (values.help || positionals.length === 0) return undefined;
  if (positionals.length > 1) {
    throw new CommandUsageError(`Only one function at a time (got ${positionals.join(', ')})\n\n${REDRIVE_USAGE}`);
  }
  if (values.entry !== undefined && values.all) {
    throw new CommandUsageError(`Give either --entry ID or --all, not both\n\n${REDRIVE_USAGE}`);
  }
  if (values['from-item'] && values.entry === undefined && !values.all) {
    throw new CommandUsageError(`--from-item redrives entries: give --entry ID or --all with it\n\n${REDRIVE_USAGE}`);
  }
  return {
    functionName: positionals[0]!,
    list: values.list === true,
    all: values.all === true,
    fromItem: values['from-item'] === true,
    stage: values.stage ?? 'local',
    ...(values.entry !== undefined ? { entryId: values.entry } : {}),
    ...(values.endpoint !== undefined ? { endpoint: values.endpoint } : {}),
    ...(values.region !== undefined ? { region: values.region } : {}),
    ...(values.dir !== undefined ? { dir: values.dir } : {}),
  };
}

export interface RunRedriveOptions extends RedriveArguments {
  projectDir: string;
  /** Where messages go (stdout in the CLI). */
  write: (line: string) => void;
}

const describeEntry = (entry: RedriveEntry, functionName: string, stage: string): string => {
  const { requestContext, DDBStreamBatchInfo: info, timestamp } = entry.payload;
  return (
    `${entry.id}\n    ${requestContext.condition} after ${requestContext.approximateInvokeCount} invocation(s), at ${timestamp}\n` +
    `    ${info.batchSize} record(s) of ${info.shardId}: ${info.startSequenceNumber}..${info.endSequenceNumber} ` +
    `(written ${info.approximateArrivalOfFirstRecord}..${info.approximateArrivalOfLastRecord})\n` +
    `    bad data: fix the item, then run: ${redriveCommand(functionName, entry.id, { fromItem: true, stage })}\n` +
    `    other cause, fixed: ${redriveCommand(functionName, entry.id, { fromItem: false, stage })}`
  );
};

/** Runs `npm run redrive`; returns the exit code (0 all good, 1 something left to do). */
export async function runRedrive(options: RunRedriveOptions): Promise<number> {
  const { write } = options;
  const config = readServerlessConfig({ stage: options.stage, ...(options.region ? { region: options.region } : {}) });
  const spec = functionSpec(config, options.functionName, { projectDir: options.projectDir, withStreamEvent: true });
  const settings = spec.streamMappings[0]!;
  const local = options.stage === 'local' || options.endpoint !== undefined;
  const endpoint = local ? localEndpointOf(config, options.endpoint) : undefined;

  let source: DeadLetterSource;
  if (local) {
    const dir = options.dir ?? projectPaths(options.projectDir).deadLetters;
    source = localDeadLetterSource(createFileDeadLetterStore({ dir }), options.functionName, dir);
  } else {
    const queueName = spec.onFailure?.type === 'sqs' ? spec.onFailure.name : undefined;
    if (!queueName)
      throw new ConfigurationError(
        `function "${options.functionName}" has no SQS on-failure destination in serverless.yml, so there is no queue to read`,
      );
    source = sqsDeadLetterSource({ sqs: new SQSClient({ region: config.region }), queueName });
  }

  const entries = await source.list();
  const redriving = options.all || options.entryId !== undefined;
  if (!redriving || options.list) {
    write(
      entries.length === 0
        ? `No dead letters for ${options.functionName} in ${source.description}.`
        : `${entries.length} dead letter(s) for ${options.functionName} in ${source.description}:`,
    );
    for (const entry of entries) write(`  ${describeEntry(entry, options.functionName, options.stage)}`);
    if (!redriving) return 0;
  }

  const chosen = options.all ? entries : entries.filter((entry) => entry.id === options.entryId);
  if (options.entryId && chosen.length === 0)
    throw new DeadLetterNotFoundError(
      `No dead letter "${options.entryId}" for ${options.functionName} in ${source.description}; run with --list to see which exist`,
    );
  if (chosen.length === 0) {
    write(`Nothing to redrive for ${options.functionName}.`);
    return 0;
  }

  const handler = handlerOf(
    await loadFunction(spec, { projectDir: options.projectDir, region: config.region, endpoint }),
  ) as RedriveHandler;
  const streams = createDynamoDBStreamsClient({ endpoint, region: config.region });
  const localDynamoDB = endpoint ? createDynamoDBClient({ endpoint, region: config.region }) : undefined;
  const tableReader = options.fromItem ? (localDynamoDB ?? createDynamoDBClient({ region: config.region })) : undefined;
  let failed = 0;
  for (const entry of chosen) {
    try {
      const result = await redriveEntry({
        entry,
        streams,
        handler,
        ...(localDynamoDB ? { localDynamoDB } : {}),
        batchSize: settings.batchSize,
        filterPatterns: settings.filterPatterns,
        timeoutMs: settings.functionTimeoutSeconds * 1000,
        ...(tableReader ? { fromItem: { dynamodb: tableReader } } : {}),
      });
      await source.remove(entry);
      const asItems = result.items === undefined ? '' : ` (as ${result.items} item(s) read from the table now)`;
      const ran = `${result.delivered}${asItems}`;
      write(
        `REDRIVEN ${entry.id}: ${result.records} record(s) read from the stream, ${ran} run through ${options.functionName} ` +
          `in ${result.invocations} invocation(s); entry removed`,
      );
    } catch (error) {
      if (error instanceof RecordsExpiredError) {
        failed += 1;
        write(`EXPIRED ${entry.id}: ${error.message}`);
      } else if (error instanceof RedriveFailedError) {
        failed += 1;
        write(`FAILED ${entry.id}: ${error.message}`);
        const command = redriveCommand(options.functionName, entry.id, { fromItem: true, stage: options.stage });
        write(`    bad data: fix the item, then run: ${command}`);
      } else if (error instanceof AppError) {
        failed += 1;
        write(`FAILED ${entry.id}: ${error.name}: ${error.message}`);
      } else throw error;
    }
  }
  return failed === 0 ? 0 : 1;
}
