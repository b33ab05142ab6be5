import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { renderMarkdown, type BenchResults } from './report/render.js';
import { evaluateTargets } from './report/targets.js';

/*
 * `npm run bench`: bundles every table with esbuild (as serverless-esbuild bundles the functions, so the
 * code measured is the code deployed, not tsx's on-the-fly transform), runs each table in a child process
 * of its own, one after the other, and writes bench/results/latest.json and latest.md.
 * BENCH_QUICK=1 runs fewer rounds; BENCH_TABLES=end-to-end,memory runs only those tables.
 */
const BENCH = __dirname;
const OUT = join(BENCH, '.build');
const RESULTS = join(BENCH, 'results');
const TABLES = ['end-to-end', 'handler-only', 'memory', 'cold-start', 'local-stack'] as const;

function machine() {
  const cpuinfo = existsSync('/proc/cpuinfo') ? readFileSync('/proc/cpuinfo', 'utf8') : '';
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? cpus()[0]?.model ?? 'unknown';
  return { cpu: model, cores: cpus().length, node: process.version, platform: `${process.platform} ${process.arch}`, date: new Date().toISOString() };
}

async function main() {
  const started = Date.now();
  const only = process.env.BENCH_TABLES?.split(',').filter(Boolean);
  const tables = TABLES.filter((t) => !only || only.includes(t));
  mkdirSync(OUT, { recursive: true });
  mkdirSync(RESULTS, { recursive: true });
  await build({
    entryPoints: [...tables.map((t) => join(BENCH, 'tables', `${t}.ts`)), ...(tables.includes('memory') ? [join(BENCH, 'tables', 'memory-worker.ts')] : [])],
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
  for (const table of tables) {
    process.stderr.write(`bench: ${table}\n`);
    const out = join(OUT, `${table}.result.json`);
    const child = spawnSync(process.execPath, ['--expose-gc', join(OUT, `${table}.cjs`), out], { stdio: 'inherit', cwd: resolve(BENCH, '..') });
    if (child.status !== 0) {
      results[table] = { error: `exited with ${child.status ?? child.signal}` };
      continue;
    }
    results[table] = JSON.parse(readFileSync(out, 'utf8'));
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
