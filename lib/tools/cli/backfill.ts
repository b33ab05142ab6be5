import { BACKFILL_USAGE, parseBackfillArguments } from '../backfill/cli-options.js';
import { loadFunctionActions } from '../backfill/load-actions.js';
import { createProgressReporter } from '../backfill/progress.js';
import { runBackfill } from '../backfill/run-backfill.js';
import { resolveBackfillSource } from '../backfill/source.js';
import { createDynamoDBClient } from '../../runtime/dynamodb/client.js';
import { EnvName } from '../../runtime/env-names.js';
import { createLogger } from '../../runtime/logging/logger.js';
import { readServerlessConfig } from '../../mapping/serverless-config.js';
import { projectRoot } from '../../mapping/project-paths.js';
import { EXIT, runCli, type CliContext } from './run-cli.js';

// `npm run backfill -- <function> [options]`: runs a function's actions on every item of its source table.

const projectDir = projectRoot;

async function main({ argv, signal }: CliContext): Promise<number> {
  const options = parseBackfillArguments(argv, projectDir);
  if (!options) {
    process.stdout.write(`${BACKFILL_USAGE}\n`);
    return EXIT.ok;
  }
  const config = readServerlessConfig({ stage: options.stage, ...(options.region ? { region: options.region } : {}) });
  const source = resolveBackfillSource(config, options.functionName);
  const region = config.region;
  // For stage local, serverless.yml's DYNAMODB_ENDPOINT is DynamoDB Local; for other stages it is empty: AWS.
  const endpoint = options.endpoint ?? (source.environment[EnvName.dynamodbEndpoint] || undefined);
  const client = createDynamoDBClient({ endpoint, region });

  const where = endpoint ? endpoint : `AWS ${region}`;
  process.stderr.write(`${options.dryRun ? 'Counting' : 'Backfilling'} ${source.tableName} (${where}) for ${source.functionName}\n`);
  const actions = options.dryRun
    ? []
    : (await loadFunctionActions(source, { endpoint, region, overrides: { [EnvName.dynamodbEndpoint]: endpoint ?? '' } })).actions;
  if (!options.dryRun) process.stderr.write(`Actions: ${actions.map((a) => a.name).join(', ')}; state ${options.statePath}\n`);
  const stopping = () =>
    process.stderr.write('\nStopping: finishing the batches under way and saving the position (Ctrl-C again to quit at once)\n');
  if (signal.aborted) stopping();
  else signal.addEventListener('abort', stopping, { once: true });

  const progress = createProgressReporter({ label: source.functionName, intervalMs: options.intervalMs });
  const result = await runBackfill({
    client,
    source,
    actions,
    logger: createLogger({ level: options.logLevel, fields: { function: source.functionName, backfill: true } }),
    segments: options.segments,
    concurrency: options.concurrency,
    pageSize: options.pageSize,
    batchSize: options.batchSize,
    rate: options.rate,
    dryRun: options.dryRun,
    restart: options.restart,
    statePath: options.statePath,
    signal,
    progress,
    region,
  });
  const snapshot = {
    done: result.totalItems,
    total: undefined,
    rate: result.durationMs > 0 ? result.items / (result.durationMs / 1000) : 0,
    etaSeconds: undefined,
    segmentsDone: result.segmentsDone,
    totalSegments: result.totalSegments,
  };
  const messages = {
    completed: `completed: ${result.items} items in this run, ${result.totalItems} in all${result.resumed ? ' (resumed)' : ''}`,
    counted: `dry run: ${result.items} items would be backfilled`,
    interrupted: `interrupted: position saved to ${options.statePath}; run the same command again to continue`,
    'already-complete': `already complete (${result.totalItems} items); run with --restart to backfill again`,
  };
  progress.finish(snapshot, messages[result.outcome]);
  return result.outcome === 'interrupted' ? EXIT.interrupted : EXIT.ok;
}

runCli(main, { interrupt: 'abort-then-exit' });
