import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { createRandom } from './generate/random.js';
import { renderMarkdown } from './report/render.js';
import { evaluateTargets } from './report/targets.js';
import type { BenchResults, TableEnvelope, TimingRun } from './report/types.js';

/*
 * `npm run bench`: bundles every table with esbuild (as serverless-esbuild bundles the functions, so the
 * code measured is the code deployed, not tsx's on-the-fly transform), runs each table in a child process
 * of its own, one after the other, and writes bench/results/latest.json and latest.md.
 * BENCH_QUICK=1 runs fewer rounds; BENCH_TABLES=end-to-end,memory runs only those tables.
 */
const BENCH = __dirname;
const OUT = join(BENCH, '.build');
const RESULTS = join(BENCH, 'results');
const TABLES = ['end-to-end', 'handler-only', 'memory', 'cold-start', 'local-stack', 'batch-actions'] as const;
/** Tables that run from source through tsx: they find DynamoDB Local's jar (and the stack its worker) next to lib/. */
const FROM_SOURCE: readonly string[] = ['local-stack', 'batch-actions'];

function machine() {
  const cpuinfo = existsSync('/proc/cpuinfo') ? readFileSync('/proc/cpuinfo', 'utf8') : '';
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? cpus()[0]?.model ?? 'unknown';
  return {
    cpu: model,
    cores: cpus().length,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    date: new Date().toISOString(),
  };
}

/** The timing tables, and the variants each runs alone after the side-by-side run. */
const TIMING_VARIANTS: Partial<Record<(typeof TABLES)[number], string[]>> = {
  'end-to-end': ['floor', 'util-loop', 'powertools', 'dispatcher-images', 'dispatcher'],
  'handler-only': ['util-loop', 'powertools', 'dispatcher-images', 'dispatcher'],
};

/** Runs one table in a child process of its own; undefined when it failed. */
function runTable(table: string, variant?: string): TableEnvelope<unknown> | undefined {
  process.stderr.write(`bench: ${table}${variant ? ` (${variant} alone)` : ''}\n`);
  const out = join(OUT, `${table}${variant ? `.${variant}` : ''}.result.json`);
  rmSync(out, { force: true });
  // The local stack runs from source: it finds its worker and DynamoDB Local's jar next to its own files.
  const script = FROM_SOURCE.includes(table) ? ['--import', 'tsx', join(BENCH, 'tables', `${table}.ts`)] : [join(OUT, `${table}.cjs`)];
  const args = ['--expose-gc', ...script, out, ...(variant ? [variant] : [])];
  const child = spawnSync(process.execPath, args, { stdio: 'inherit', cwd: resolve(BENCH, '..') });
  if (child.status !== 0 || !existsSync(out)) return undefined;
  return JSON.parse(readFileSync(out, 'utf8')) as TableEnvelope<unknown>;
}

/** The single-variant runs of one table as one run: per size, the variants side by side in the result. */
function mergeIsolated(runs: TimingRun[]): TimingRun {
  const [first] = runs;
  return {
    ...first!,
    sizes: first!.sizes.map((size, i) => ({ ...size, variants: runs.flatMap((r) => r.sizes[i]!.variants) })),
  };
}

/** BENCH_RENDER_ONLY=1: re-render latest.md (and the targets) from latest.json without measuring. */
function renderOnly() {
  const bench = JSON.parse(readFileSync(join(RESULTS, 'latest.json'), 'utf8')) as BenchResults;
  bench.targets = evaluateTargets(bench);
  writeFileSync(join(RESULTS, 'latest.json'), `${JSON.stringify(bench, null, 2)}\n`);
  writeFileSync(join(RESULTS, 'latest.md'), renderMarkdown(bench));
  process.stdout.write(renderMarkdown(bench));
}

async function main() {
  if (process.env.BENCH_RENDER_ONLY === '1') return renderOnly();
  const started = Date.now();
  const only = process.env.BENCH_TABLES?.split(',').filter(Boolean);
  const tables = TABLES.filter((t) => !only || only.includes(t));
  mkdirSync(OUT, { recursive: true });
  mkdirSync(RESULTS, { recursive: true });
  await build({
    entryPoints: [
      ...tables.filter((t) => !FROM_SOURCE.includes(t)).map((t) => join(BENCH, 'tables', `${t}.ts`)),
      ...(tables.includes('memory') ? [join(BENCH, 'tables', 'memory-worker.ts')] : []),
    ],
    outdir: OUT,
    outExtension: { '.js': '.cjs' },
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: `node${process.versions.node.split('.')[0]}`,
    minify: false,
    sourcemap: 'inline',
    // esbuild carries a native binary (the cold-start table calls it); mitata's Bun-only import is never taken on Node.
    external: ['esbuild', 'bun:jsc'],
    logLevel: 'warning',
  });
  const env = machine();
  const loadBefore = loadavg();
  const results: Record<string, unknown> = {};
  const order = createRandom(Date.now() >>> 0);
  for (const table of tables) {
    const tableStarted = Date.now();
    const timing = TIMING_VARIANTS[table];
    if (!timing) {
      results[table] = runTable(table) ?? { error: 'the table process failed; see the output above' };
      continue;
    }
    // Side by side in one process, then each variant alone (in shuffled order): see README for why both.
    const sideBySide = runTable(table);
    const runs = new Map(order.shuffle(timing).map((id) => [id, runTable(table, id)] as const));
    const alone = timing.map((id) => runs.get(id));
    const isolated = alone.every((e) => e !== undefined) ? mergeIsolated(alone.map((e) => e!.result as TimingRun)) : undefined;
    results[table] = { table, seconds: (Date.now() - tableStarted) / 1000, result: { sideBySide: sideBySide?.result, isolated } };
  }
  const bench: BenchResults = {
    machine: { ...env, loadAverageBefore: loadBefore, loadAverageAfter: loadavg() },
    seconds: (Date.now() - started) / 1000,
    tables: results,
    targets: [],
  };
  bench.targets = evaluateTargets(bench);
  // A partial run (BENCH_TABLES) does not overwrite the full results.
  const name = only ? 'partial' : 'latest';
  writeFileSync(join(RESULTS, `${name}.json`), `${JSON.stringify(bench, null, 2)}\n`);
  writeFileSync(join(RESULTS, `${name}.md`), renderMarkdown(bench));
  process.stdout.write(renderMarkdown(bench));
  process.stderr.write(`bench: done in ${bench.seconds.toFixed(0)} s; wrote bench/results/${name}.json and ${name}.md\n`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
