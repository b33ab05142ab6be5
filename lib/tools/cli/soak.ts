import { AppError, ConfigurationError } from '../../runtime/errors.js';
import { formatSoakReport, runSoak } from '../soak/run-soak.js';

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

function parse(argv: string[]) {
  const options = { writes: 3000, writers: 8, faultRate: 0.1, restart: true, maximumRetryAttempts: 20, batchSize: 10, seed: 42 };
  for (let i = 0; i < argv.length; i += 1) {
    const flag = argv[i]!;
    const number = (min: number, max: number) => {
      const value = Number(argv[++i]);
      if (!(value >= min && value <= max)) throw new ConfigurationError(`${flag} must be a number from ${min} to ${max}\n\n${USAGE}`);
      return value;
    };
    if (flag === '--writes') options.writes = number(1, 1_000_000);
    else if (flag === '--writers') options.writers = number(1, 64);
    else if (flag === '--fault-rate') options.faultRate = number(0, 0.9);
    else if (flag === '--retries') options.maximumRetryAttempts = number(0, 10_000);
    else if (flag === '--batch-size') options.batchSize = number(1, 10_000);
    else if (flag === '--seed') options.seed = number(0, 2 ** 31);
    else if (flag === '--no-restart') options.restart = false;
    else if (flag === '-h' || flag === '--help') return undefined;
    else throw new ConfigurationError(`Unknown option ${flag}\n\n${USAGE}`);
  }
  return options;
}

async function main(): Promise<number> {
  const options = parse(process.argv.slice(2));
  if (!options) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const started = Date.now();
  const report = await runSoak({ ...options, progress: (line) => process.stdout.write(`[${((Date.now() - started) / 1000).toFixed(1)} s] ${line}\n`) });
  process.stdout.write(`${formatSoakReport(report)}\n`);
  return report.ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof AppError ? `${error.name}: ${error.message}` : String((error as Error)?.stack ?? error)}\n`);
    process.exit(2);
  },
);
