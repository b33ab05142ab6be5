import { createDynamoDBStreamsClient } from '../dynamodb/streams-client.js';
import { SQSClient } from '@aws-sdk/client-sqs';
import { join } from 'node:path';
import { createDynamoDBClient } from '../dynamodb/client.js';
import { AppError, ConfigurationError, DeadLetterNotFoundError, RecordsExpiredError, RedriveFailedError } from '../errors.js';
import { createFileDeadLetterStore } from '../offline/store/dead-letter-store.js';
import { readServerlessConfig } from '../tables/serverless-config.js';
import { localDeadLetterSource, sqsDeadLetterSource, type DeadLetterSource, type RedriveEntry } from './dead-letter-source.js';
import { loadFunction, streamSettingsOf } from './load-function.js';
import { redriveEntry } from './redrive.js';

export const REDRIVE_USAGE = `Usage: npm run redrive -- <function> [--list] [--entry ID | --all] [--stage S] [--endpoint URL] [--region R] [--dir DIR]

Lists a function's dead-letter entries (failed batches: AWS's on-failure payload, metadata only) and,
once the cause is fixed, fetches each entry's records from the stream by shard and sequence range
(while they are within the stream's 24-hour retention) and runs them through the function's handler
again. An entry is removed only when all its records succeeded.

  <function>      booksStream, ordersStream, ... (a function of serverless.yml with a stream event)
  --list          list the entries (the default when neither --entry nor --all is given)
  --entry ID      redrive one entry
  --all           redrive every entry, oldest first
  --stage S       default local: DynamoDB Local and the local dead-letter store (.local/dead-letters);
                  any other stage: AWS, the function's SQS on-failure queue, standard credential chain
  --endpoint URL  DynamoDB Local's endpoint (default: serverless.yml's DYNAMODB_ENDPOINT, or http://127.0.0.1:8000)
  --region R      AWS region (default: serverless.yml's)
  --dir DIR       local dead-letter store (default .local/dead-letters)`;

export interface RedriveArguments {
  functionName: string;
  list: boolean;
  entryId?: string;
  all: boolean;
  stage: string;
  endpoint?: string;
  region?: string;
  dir?: string;
}

/** Parses the command line; undefined means "print the usage". Throws ConfigurationError on bad input. */
export function parseRedriveArguments(argv: string[]): RedriveArguments | undefined {
  const args: Partial<RedriveArguments> & { list: boolean; all: boolean; stage: string } = { list: false, all: false, stage: 'local' };
  for (let i = 0; i < argv.length; i += 1) {
    const raw = argv[i]!;
    const [flag, inline] = raw.startsWith('--') && raw.includes('=') ? [raw.slice(0, raw.indexOf('=')), raw.slice(raw.indexOf('=') + 1)] : [raw, undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined || v.startsWith('--')) throw new ConfigurationError(`${flag} needs a value\n\n${REDRIVE_USAGE}`);
      return v;
    };
    switch (flag) {
      case '-h':
      case '--help':
        return undefined;
      case '--list':
        args.list = true;
        break;
      case '--all':
        args.all = true;
        break;
      case '--entry':
        args.entryId = value();
        break;
      case '--stage':
        args.stage = value();
        break;
      case '--endpoint':
        args.endpoint = value();
        break;
      case '--region':
        args.region = value();
        break;
      case '--dir':
        args.dir = value();
        break;
      default:
        if (flag.startsWith('-')) throw new ConfigurationError(`Unknown option ${flag}\n\n${REDRIVE_USAGE}`);
        if (args.functionName) throw new ConfigurationError(`Only one function at a time (got ${args.functionName} and ${flag})`);
        args.functionName = flag;
    }
  }
  if (!args.functionName) return undefined;
  if (args.entryId && args.all) throw new ConfigurationError('Give either --entry ID or --all, not both');
  return args as RedriveArguments;
}

export interface RunRedriveOptions extends RedriveArguments {
  projectDir: string;
  /** Where messages go (stdout in the CLI). */
  write: (line: string) => void;
}

const describeEntry = (entry: RedriveEntry): string => {
  const { requestContext, DDBStreamBatchInfo: info, timestamp } = entry.payload;
  return (
    `${entry.id}\n    ${requestContext.condition} after ${requestContext.approximateInvokeCount} invocation(s), at ${timestamp}\n` +
    `    ${info.batchSize} record(s) of ${info.shardId}: ${info.startSequenceNumber}..${info.endSequenceNumber} (written ${info.approximateArrivalOfFirstRecord}..${info.approximateArrivalOfLastRecord})`
  );
};

/** Runs `npm run redrive`; returns the exit code (0 all good, 1 something left to do). */
export async function runRedrive(options: RunRedriveOptions): Promise<number> {
  const { write } = options;
  const config = readServerlessConfig({ stage: options.stage, ...(options.region ? { region: options.region } : {}) });
  const settings = streamSettingsOf(config, options.functionName);
  const local = options.stage === 'local' || options.endpoint !== undefined;
  const ymlEndpoint = (config.provider.environment as Record<string, unknown> | undefined)?.DYNAMODB_ENDPOINT;
  const endpoint = local ? (options.endpoint ?? (typeof ymlEndpoint === 'string' && ymlEndpoint ? ymlEndpoint : 'http://127.0.0.1:8000')) : undefined;

  let source: DeadLetterSource;
  if (local) {
    const dir = options.dir ?? join(options.projectDir, '.local', 'dead-letters');
    source = localDeadLetterSource(createFileDeadLetterStore({ dir }), options.functionName, dir);
  } else {
    const destination = settings.onFailureDestination;
    const queueName = destination?.startsWith('arn:') ? destination.split(':').pop() : (config.resources[destination ?? '']?.Properties?.QueueName as string | undefined);
    if (!queueName) throw new ConfigurationError(`function "${options.functionName}" has no SQS on-failure destination in serverless.yml, so there is no queue to read`);
    source = sqsDeadLetterSource({ sqs: new SQSClient({ region: config.region }), queueName });
  }

  const entries = await source.list();
  const redriving = options.all || options.entryId !== undefined;
  if (!redriving || options.list) {
    write(entries.length === 0 ? `No dead letters for ${options.functionName} in ${source.description}.` : `${entries.length} dead letter(s) for ${options.functionName} in ${source.description}:`);
    for (const entry of entries) write(`  ${describeEntry(entry)}`);
    if (!redriving) {
      if (entries.length > 0) write(`Fix the cause, then: npm run redrive -- ${options.functionName} --entry <ID> (or --all)`);
      return 0;
    }
  }

  const chosen = options.all ? entries : entries.filter((entry) => entry.id === options.entryId);
  if (options.entryId && chosen.length === 0) throw new DeadLetterNotFoundError(`No dead letter "${options.entryId}" for ${options.functionName} in ${source.description}; run with --list to see which exist`);
  if (chosen.length === 0) {
    write(`Nothing to redrive for ${options.functionName}.`);
    return 0;
  }

  const fn = await loadFunction({ projectDir: options.projectDir, config, functionName: options.functionName, ...(endpoint ? { endpoint } : {}) });
  const streams = createDynamoDBStreamsClient({ endpoint, region: config.region });
  const localDynamoDB = endpoint ? createDynamoDBClient({ endpoint, region: config.region }) : undefined;
  let failed = 0;
  for (const entry of chosen) {
    try {
      const result = await redriveEntry({
        entry,
        streams,
        handler: fn.handler,
        ...(localDynamoDB ? { localDynamoDB } : {}),
        batchSize: settings.batchSize,
        filterPatterns: settings.filterPatterns,
        timeoutMs: settings.functionTimeoutSeconds * 1000,
      });
      await source.remove(entry);
      write(
        `REDRIVEN ${entry.id}: ${result.records} record(s) read from the stream, ${result.delivered} run through ${options.functionName} in ${result.invocations} invocation(s); entry removed`,
      );
    } catch (error) {
      if (error instanceof RecordsExpiredError) {
        failed += 1;
        write(`EXPIRED ${entry.id}: ${error.message}`);
      } else if (error instanceof RedriveFailedError) {
        failed += 1;
        write(`FAILED ${entry.id}: ${error.message}`);
      } else if (error instanceof AppError) {
        failed += 1;
        write(`FAILED ${entry.id}: ${error.name}: ${error.message}`);
      } else throw error;
    }
  }
  return failed === 0 ? 0 : 1;
}
