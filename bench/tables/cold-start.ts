import { esbuildOptionsFrom } from '../../lib/local/runner/handler-build.js';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build, type BuildOptions } from 'esbuild';
import { parse } from 'yaml';
import { readServerlessConfig } from '../../lib/mapping/serverless-config.js';
import { handlerFileOf, readFunctionSpecs } from '../../lib/mapping/function-spec.js';
import { createRandom } from '../generate/random.js';
import { log, QUICK, tableMain } from '../harness/table-main.js';

/*
 * Table 4, cold start: each function bundled as serverless-esbuild bundles it for deploy (custom.esbuild of
 * serverless.yml, with minify: true), then the time to start a fresh node process that loads the bundle,
 * against `node -e 0` in the same environment.
 */
const ROOT = resolve(__dirname, '..', '..');
const STAGE = 'bench';

/** custom.esbuild of serverless.yml, as serverless-esbuild passes it to esbuild (its own keys removed). */
function deployBuildOptions(): BuildOptions {
  // Only `custom` is read here; CloudFormation tags elsewhere in the file are irrelevant to it.
  const doc = parse(readFileSync(join(ROOT, 'serverless.yml'), 'utf8'), { logLevel: 'silent' }) as {
    custom: { esbuild: Record<string, unknown> };
  };
  return { ...esbuildOptionsFrom(doc.custom.esbuild), minify: true };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
};

function timeNode(args: string[], env: NodeJS.ProcessEnv, cwd: string): number {
  const started = process.hrtime.bigint();
  const child = spawnSync(process.execPath, args, { env, cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (child.status !== 0) throw new Error(`node ${args.join(' ')} failed: ${child.stderr.toString().slice(0, 500)}`);
  return ms;
}

tableMain('cold-start', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-cold-'));
  try {
    const config = readServerlessConfig({ stage: STAGE, env: {} });
    const options = deployBuildOptions();
    const runs = QUICK ? 5 : 15;
    const random = createRandom(7);
    const functions = [];
    for (const spec of readFunctionSpecs(config, { projectDir: ROOT })) {
      const name = spec.key;
      const entry = join(ROOT, handlerFileOf(spec));
      const outdir = join(dir, name);
      await build({ ...options, entryPoints: [entry], outdir, logLevel: 'error' });
      const bundle = join(outdir, `${basename(spec.handler.module)}.js`);
      const js = readFileSync(bundle);
      const mapBytes = options.sourcemap ? statSync(`${bundle}.map`).size : 0;
      const zipApprox = gzipSync(Buffer.concat([js, options.sourcemap ? readFileSync(`${bundle}.map`) : Buffer.alloc(0)]), {
        level: 6,
      }).length;
      // The environment Lambda gives the function (provider + function environment, stage `bench`).
      const env: NodeJS.ProcessEnv = {
        PATH: process.env.PATH,
        AWS_REGION: config.region,
        ...spec.environment,
      };
      const noMapsEnv = { ...env, NODE_OPTIONS: '' };
      const load = `require(${JSON.stringify(bundle)})`;
      const commands = {
        empty: ['-e', '0'],
        bundle: ['-e', load],
      };
      const times = { empty: [] as number[], bundle: [] as number[], bundleNoSourceMaps: [] as number[] };
      timeNode(commands.bundle, env, outdir); // warm the file cache
      for (let i = 0; i < runs; i++) {
        for (const kind of random.shuffle(['empty', 'bundle', 'bundleNoSourceMaps'] as const)) {
          times[kind].push(
            timeNode(kind === 'empty' ? commands.empty : commands.bundle, kind === 'bundleNoSourceMaps' ? noMapsEnv : env, outdir),
          );
        }
      }
      const result = {
        function: name,
        handler: spec.handler.text,
        bundleBytes: js.length,
        sourceMapBytes: mapBytes,
        zipBytesApprox: zipApprox,
        runs,
        nodeEmptyMs: median(times.empty),
        loadMs: median(times.bundle),
        loadNoSourceMapsMs: median(times.bundleNoSourceMaps),
        loadOverEmptyMs: median(times.bundle) - median(times.empty),
        loadNoSourceMapsOverEmptyMs: median(times.bundleNoSourceMaps) - median(times.empty),
        nodeOptions: env.NODE_OPTIONS ?? '',
      };
      log(
        `cold start ${name}: ${(js.length / 1024).toFixed(1)} KiB, ` +
          `load ${result.loadMs.toFixed(1)} ms vs node -e 0 ${result.nodeEmptyMs.toFixed(1)} ms`,
      );
      functions.push(result);
    }
    return { buildOptions: { ...options, entryPoints: undefined }, functions };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
