import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import * as dataErrors from '../../lib/data/errors.js';
import * as localErrors from '../../lib/local/errors.js';
import * as mappingErrors from '../../lib/mapping/errors.js';
import * as runtimeErrors from '../../lib/runtime/errors.js';
import * as toolsErrors from '../../lib/tools/errors.js';

// Logs, tools and tests group errors by `name`; a bundler that renames classes must not change it.

const projectDir = resolve(__dirname, '..', '..');
const modules = {
  'lib/runtime/errors.ts': runtimeErrors,
  'lib/mapping/errors.ts': mappingErrors,
  'lib/data/errors.ts': dataErrors,
  'lib/local/errors.ts': localErrors,
  'lib/tools/errors.ts': toolsErrors,
} as const;
/** The one abstract base: it has no name of its own, each subclass writes one. */
const ABSTRACT = new Set(['AppError']);

type ErrorClass = new (...args: unknown[]) => Error;
const isErrorClass = (value: unknown): value is ErrorClass =>
  typeof value === 'function' && (value as { prototype?: unknown }).prototype instanceof Error;

const classes: Array<[string, string, ErrorClass]> = Object.entries(modules).flatMap(([file, exports]) =>
  Object.entries(exports)
    .filter((entry): entry is [string, ErrorClass] => isErrorClass(entry[1]) && !ABSTRACT.has(entry[0]))
    .map(([name, errorClass]): [string, string, ErrorClass] => [file, name, errorClass]),
);

describe('error classes of the five layers', () => {
  it('finds the classes of every module', () => {
    // Assess
    for (const file of Object.keys(modules)) expect(classes.filter(([owner]) => owner === file).length, file).toBeGreaterThan(0);
    expect(classes.length).toBeGreaterThanOrEqual(36);
  });

  it.each(classes)('%s %s: name is the class name, it is an AppError and keeps a cause', (_file, exportName, errorClass) => {
    // Prepare: dummy arguments; every position gets the options, so whichever one a constructor reads has the cause.
    const cause = new Error('underlying');
    const options = { cause };

    // Act
    const plain = new errorClass('x', 'x', 'x', 'x', 'x');
    const withCause = new errorClass(options, options, options, options, options, options);

    // Assess
    expect(plain.name).toBe(exportName);
    expect(plain).toBeInstanceOf(runtimeErrors.AppError);
    expect(Object.hasOwn(plain, 'name')).toBe(true);
    expect(withCause.cause).toBe(cause);
    expect(withCause.name).toBe(exportName);
  });

  it('keeps every name through an esbuild bundle with minify: true', async () => {
    // Prepare: an entry that constructs each class of each module and prints the names it sees.
    const contents = [
      ...Object.keys(modules).map((file, i) => `import * as m${i} from './${file}';`),
      `const skip = new Set(${JSON.stringify([...ABSTRACT])});`,
      'const seen = [];',
      `for (const m of [${Object.keys(modules)
        .map((_file, i) => `m${i}`)
        .join(', ')}]) {`,
      '  for (const [exportName, value] of Object.entries(m)) {',
      "    if (typeof value !== 'function' || !(value.prototype instanceof Error) || skip.has(exportName)) continue;",
      "    seen.push({ exportName, name: new value('x', 'x', 'x', 'x', 'x').name, className: value.name });",
      '  }',
      '}',
      'process.stdout.write(JSON.stringify(seen));',
    ].join('\n');
    const bundle = await build({
      stdin: { contents, resolveDir: projectDir, loader: 'ts', sourcefile: 'error-names-entry.ts' },
      bundle: true,
      minify: true,
      format: 'esm',
      platform: 'node',
      write: false,
      logLevel: 'silent',
    });

    // Act
    const code = bundle.outputFiles[0]!.text;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8', timeout: 30_000 });
    const seen = JSON.parse(run.stdout) as Array<{ exportName: string; name: string; className: string }>;

    // Assess: the bundle did rename classes (or this test would prove nothing), yet every name is intact.
    expect(run.status, run.stderr).toBe(0);
    expect(seen.map((entry) => entry.exportName).sort()).toEqual(classes.map(([, name]) => name).sort());
    expect(seen.filter((entry) => entry.className !== entry.exportName).length).toBeGreaterThan(0);
    for (const entry of seen) expect(entry.name, entry.exportName).toBe(entry.exportName);
  });
});
