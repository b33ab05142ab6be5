import { writeFileSync } from 'node:fs';

/** Whether a shorter run was asked for (BENCH_QUICK=1): fewer rounds, for trying the bench out. */
export const QUICK = process.env.BENCH_QUICK === '1';

/**
 * Runs one table in this process and writes its result as JSON to the path given as the first argument,
 * where the orchestrator (bench/run.ts) picks it up.
 */
export function tableMain(name: string, body: () => Promise<unknown>): void {
  const out = process.argv[2];
  if (!out) throw new Error(`usage: node ${name}.cjs <result.json>`);
  const started = Date.now();
  body().then(
    (result) => {
      writeFileSync(out, JSON.stringify({ table: name, seconds: (Date.now() - started) / 1000, result }, null, 2));
    },
    (error: unknown) => {
      console.error(`bench table ${name} failed:`, error);
      process.exitCode = 1;
    },
  );
}

export const log = (message: string) => process.stderr.write(`  ${message}\n`);
