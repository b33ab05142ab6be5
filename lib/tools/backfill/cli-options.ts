import { parseCommandLine } from '../cli/parse-command-line.js';
import { CommandUsageError } from '../../mapping/errors.js';
import { projectPaths } from '../../mapping/project-paths.js';

export const BACKFILL_USAGE = `Usage: npm run backfill -- <function> [options]
  <function>             booksStream, ordersStream (or books-stream, orders-stream)
  --stage NAME           stage of serverless.yml (default local)
  --region NAME          AWS region (default: provider.region of serverless.yml)
  --endpoint URL         DynamoDB endpoint (default for stage local: DynamoDB Local at
                         $DYNAMODB_ENDPOINT or http://127.0.0.1:8000; other stages: AWS, standard credential chain)
  --segments N           parallel scan segments, TotalSegments (default 4, or the saved run's)
  --concurrency N        segments scanned at once (default min(segments, 4))
  --page-size N          Scan Limit per request (default 100)
  --batch-size N         changes handed to the actions per batch (default 25)
  --rate N               at most N items per second (default no limit)
  --dry-run              count the items only: no actions, nothing saved
  --restart              forget the saved position and start from the beginning
  --state-file PATH      where positions are saved (default .local/backfill/<function>-<stage>.json)
  --interval SECONDS     seconds between progress lines when not on a terminal (default 5)
  --log-level LEVEL      level of the actions' log lines, to stdout (default warn)
  -h, --help             this text`;

export interface BackfillCliOptions {
  functionName: string;
  stage: string;
  region: string | undefined;
  endpoint: string | undefined;
  segments: number | undefined;
  concurrency: number | undefined;
  pageSize: number | undefined;
  batchSize: number | undefined;
  rate: number | undefined;
  dryRun: boolean;
  restart: boolean;
  statePath: string;
  intervalMs: number;
  logLevel: string;
}

const positiveInteger = (name: string, text: string | undefined, max = 1_000_000): number | undefined => {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new CommandUsageError(`--${name} must be an integer from 1 to ${max}, got "${text}".\n${BACKFILL_USAGE}`);
  }
  return value;
};

const positiveNumber = (name: string, text: string | undefined): number | undefined => {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!(value > 0) || !Number.isFinite(value)) {
    throw new CommandUsageError(`--${name} must be a positive number, got "${text}".\n${BACKFILL_USAGE}`);
  }
  return value;
};

/** Parses the command line of `npm run backfill`; undefined means help was asked for. Throws CommandUsageError. */
export function parseBackfillArguments(argv: string[], projectDir: string): BackfillCliOptions | undefined {
  const parsed = parseCommandLine(
    {
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        stage: { type: 'string' },
        region: { type: 'string' },
        endpoint: { type: 'string' },
        segments: { type: 'string' },
        concurrency: { type: 'string' },
        'page-size': { type: 'string' },
        'batch-size': { type: 'string' },
        rate: { type: 'string' },
        'dry-run': { type: 'boolean' },
        restart: { type: 'boolean' },
        'state-file': { type: 'string' },
        interval: { type: 'string' },
        'log-level': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    },
    BACKFILL_USAGE,
  );
  const { values, positionals } = parsed;
  if (values.help) return undefined;
  if (positionals.length !== 1) throw new CommandUsageError(`Name exactly one function to backfill.\n${BACKFILL_USAGE}`);
  const functionName = positionals[0]!;
  const stage = values.stage ?? 'local';
  if (!/^[A-Za-z0-9-]+$/.test(stage)) throw new CommandUsageError(`--stage must be letters, digits and dashes, got "${stage}"`);
  return {
    functionName,
    stage,
    region: values.region,
    endpoint: values.endpoint,
    segments: positiveInteger('segments', values.segments),
    concurrency: positiveInteger('concurrency', values.concurrency, 1000),
    pageSize: positiveInteger('page-size', values['page-size'], 10_000),
    batchSize: positiveInteger('batch-size', values['batch-size'], 10_000),
    rate: positiveNumber('rate', values.rate),
    dryRun: values['dry-run'] === true,
    restart: values.restart === true,
    statePath: values['state-file'] ?? projectPaths(projectDir).backfillState(functionName, stage),
    intervalMs: Math.round((positiveNumber('interval', values.interval) ?? 5) * 1000),
    logLevel: values['log-level'] ?? 'warn',
  };
}
