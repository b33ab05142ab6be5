import { existsSync, rmSync, watch, type FSWatcher } from 'node:fs';
import { join, relative } from 'node:path';
import { context, type BuildContext, type BuildOptions } from 'esbuild';
import { ConfigurationError } from '../../runtime/errors.js';
import { HandlerBuildError } from '../errors.js';
import type { Logger } from '../../runtime/logging/logger.js';
import { projectPaths } from '../../mapping/project-paths.js';
import { handlerFileOf, type FunctionSpec } from '../../mapping/function-spec.js';

/** Where a function's handler lives, from its `handler` setting (`functions/books-stream.handler`). */
export interface HandlerEntry {
  functionName: string;
  /** Source file relative to the project (functions/books-stream.ts). */
  source: string;
  /** Export to call (`handler`). */
  exportName: string;
}

// Options serverless-esbuild takes for itself; everything else in custom.esbuild goes to esbuild.
const SERVERLESS_ESBUILD_ONLY = new Set([
  'exclude',
  'packager',
  'packagerOptions',
  'packagePath',
  'watch',
  'keepOutputDirectory',
  'installExtraArgs',
  'outputWorkFolder',
  'outputBuildFolder',
  'nativeZip',
  'skipBuild',
  'skipRebuild',
  'skipBuildExcludeFns',
  'concurrency',
  'zipConcurrency',
  'config',
  'disposeContext',
  'outputFileExtension',
  'stripEntryResolveExtensions',
  'plugins',
  'nodeExternals',
]);

/**
 * Each function's handler source file, found as serverless-esbuild finds it (see HANDLER_EXTENSIONS).
 * Throws ConfigurationError for a missing one.
 */
export function handlerEntries(specs: readonly Pick<FunctionSpec, 'key' | 'handler'>[]): HandlerEntry[] {
  return specs.map((spec) => ({ functionName: spec.key, source: handlerFileOf(spec), exportName: spec.handler.export }));
}

/** esbuild options equal to what serverless-esbuild derives from `custom.esbuild`. */
export function esbuildOptionsFrom(custom: Record<string, unknown> | undefined): BuildOptions {
  const options: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(custom ?? {})) if (!SERVERLESS_ESBUILD_ONLY.has(key)) options[key] = value;
  const exclude = custom?.exclude;
  // serverless-esbuild marks `exclude` as external; its default leaves the runtime's aws-sdk out.
  const external = Array.isArray(exclude) ? exclude.filter((e) => e !== '*') : ['aws-sdk'];
  options.external = [...new Set([...((options.external as string[] | undefined) ?? []), ...(external as string[])])];
  return { bundle: true, platform: 'node', target: 'node22', ...(options as BuildOptions) };
}

export interface HandlerBuild {
  /** Built file of a function's handler. */
  fileOf(functionName: string): string;
  outDir: string;
  /** Stops watching and releases esbuild. */
  dispose(): Promise<void>;
}

export interface HandlerBuildOptions {
  projectDir: string;
  entries: HandlerEntry[];
  esbuild: BuildOptions;
  /** Output folder, wiped first; default `.esbuild/.local-stack` (git-ignored, beside serverless-esbuild's own). */
  outDir?: string;
  /** Folders (relative to projectDir) whose changes trigger a rebuild; none: no watching. */
  watch?: string[];
  logger: Logger;
  /** Called after each successful rebuild (not the first build). */
  onRebuild?: () => void;
}

/**
 * Builds every handler once, with the options `sls deploy` uses, then rebuilds when a source file
 * under the watched folders changes. A failed rebuild keeps the previous code and says why.
 */
export async function buildHandlers(options: HandlerBuildOptions): Promise<HandlerBuild> {
  const outDir = options.outDir ?? projectPaths(options.projectDir).localBuild;
  rmSync(outDir, { recursive: true, force: true });
  const entryPoints = Object.fromEntries(
    options.entries.map((entry) => [entry.source.replace(/\.[^.]+$/, ''), join(options.projectDir, entry.source)]),
  );
  let ctx: BuildContext;
  try {
    ctx = await context({
      ...options.esbuild,
      entryPoints,
      outdir: outDir,
      outExtension: { '.js': '.js' },
      absWorkingDir: options.projectDir,
      logLevel: 'silent',
      write: true,
    });
    await ctx.rebuild();
  } catch (error) {
    throw new HandlerBuildError(`Building the handlers failed: ${describeBuildError(error)}. Fix the source and start again.`, {
      cause: error,
    });
  }
  const watchers: FSWatcher[] = [];
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const rebuild = (changed: string) => {
    running = running.then(async () => {
      const started = Date.now();
      try {
        await ctx.rebuild();
        options.logger.info('rebuilt handlers', { changed, durationMs: Date.now() - started });
        options.onRebuild?.();
      } catch (error) {
        options.logger.error('rebuild failed; the previous code keeps running', { changed, error: describeBuildError(error) });
      }
    });
  };
  for (const folder of options.watch ?? []) {
    const path = join(options.projectDir, folder);
    if (!existsSync(path)) continue;
    const watcher = watch(path, { recursive: true }, (_event, file) => {
      const name = String(file ?? '');
      if (!/\.(c|m)?(t|j)s$/.test(name) || name.endsWith('.test.ts')) return;
      clearTimeout(timer);
      timer = setTimeout(() => rebuild(relative(options.projectDir, join(path, name))), 50);
    });
    watchers.push(watcher);
  }
  const files = new Map(options.entries.map((entry) => [entry.functionName, join(outDir, entry.source.replace(/\.[^.]+$/, '.js'))]));
  return {
    outDir,
    fileOf(functionName) {
      const file = files.get(functionName);
      if (!file) throw new ConfigurationError(`No handler was built for function ${functionName}`);
      return file;
    },
    async dispose() {
      clearTimeout(timer);
      for (const watcher of watchers) watcher.close();
      await running;
      await ctx.dispose();
    },
  };
}

function describeBuildError(error: unknown): string {
  const errors = (error as { errors?: { text: string; location?: { file: string; line: number } }[] }).errors;
  if (Array.isArray(errors) && errors.length > 0) {
    return errors.map((e) => (e.location ? `${e.location.file}:${e.location.line}: ${e.text}` : e.text)).join('; ');
  }
  return error instanceof Error ? error.message : String(error);
}
