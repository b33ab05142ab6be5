import { parseCommandLine } from './parse-command-line.js';
import { CommandUsageError } from '../../mapping/errors.js';
import { formatSoakReport, runSoak } from '../soak/run-soak.js';
import { EXIT, runCli, type CliContext } from './run-cli.js';

// `npm run soak -- [--writes N] [--writers N] [--fault-rate R] [--no-restart] [--retries N] [--batch-size N] [--seed N]`:
// the full-size fault-injection soak on a local stack of its own (see lib/tools/soak/run-soak.ts).

const USAGE = `Usage: npm run soak -- [options]
  --writes N       total writes to Books and Orders (default 3000)
  --writers N      concurrent writers (default 8)
  --fault-rate R   probability that a handler's DynamoDB call fails, retries included (default 0.1)
  --retries N      maximumRetryAttempts of the soak's mappings (default 20; serverless.yml says 5)
  --batch-size N   batchSize of the soak's mappings (default 10; serverless.yml says 100)
  --no-restart     do not restart DynamoDB Local mid-run
  --seed N         seed of the writers' random choices (default 42)`;

interface SoakCliOptions {
  writes: number;
  writers: number;
  faultRate: number;
  restart: boolean;
  maximumRetryAttempts: number;
  batchSize: number;
  seed: number;
}

/** Parses the soak's command line; undefined means help was asked for. Throws CommandUsageError. */
function parseSoakArguments(argv: string[]): SoakCliOptions | undefined {
  const { values } = parseCommandLine(
    {
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        writes: { type: 'string' },
        writers: { type: 'string' },
        'fault-rate': { type: 'string' },
        retries: { type: 'string' },
        'batch-size': { type: 'string' },
        seed: { type: 'string' },
        'no-restart': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    },
    USAGE,
  );
  if (values.help) return undefined;
  const number = (flag: string, text: string | undefined, fallback: number, min: number, max: number): number => {
    if (text === undefined) return fallback;
    const value = Number(text);
    if (!(value >= min && value <= max)) throw new CommandUsageError(`--${flag} must be a number from ${min} to ${max}\n\n${USAGE}`);
    return value;
  };
  return {
    writes: number('writes', values.writes, 3000, 1, 1_000_000),
    writers: number('writers', values.writers, 8, 1, 64),
    faultRate: number('fault-rate', values['fault-rate'], 0.1, 0, 0.9),
    maximumRetryAttempts: number('retries', values.retries, 20, 0, 10_000),
    batchSize: number('batch-size', values['batch-size'], 10, 1, 10_000),
    seed: number('seed', values.seed, 42, 0, 2 ** 31),
    restart: values['no-restart'] !== true,
  };
}

async function main({ argv }: CliContext): Promise<number> {
  const options = parseSoakArguments(argv);
  if (!options) {
    process.stdout.write(`${USAGE}\n`);
    return EXIT.ok;
  }
  const started = Date.now();
  const report = await runSoak({
    ...options,
    progress: (line) => process.stdout.write(`[${((Date.now() - started) / 1000).toFixed(1)} s] ${line}\n`),
  });
  process.stdout.write(`${formatSoakReport(report)}\n`);
  return report.ok ? EXIT.ok : EXIT.failure;
}

runCli(main);
