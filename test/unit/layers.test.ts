import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, posix, relative, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { layerOf, layerViolation, type Layer } from '../support/layer-rule.js';
import { sourceImports } from '../support/source-imports.js';

const root = join(__dirname, '..', '..');
const SOURCE = /\.(ts|cts|mts|js|cjs|mjs)$/;

/** Every source file under `dir`, relative to the repository root with `/`. */
function sourceFiles(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && SOURCE.test(entry.name))
    .map((entry) => relative(root, join(entry.parentPath, entry.name)).split(sep).join('/'))
    .sort();
}

/** One import of a file of lib/ or functions/, its target resolved when it is relative. */
interface ScannedImport {
  file: string;
  line: number;
  specifier: string;
  /** The imported path relative to the repository root; undefined for a package or a Node.js module. */
  target: string | undefined;
}

function scan(files: string[]): ScannedImport[] {
  return files.flatMap((file) =>
    sourceImports(file, readFileSync(join(root, file), 'utf8')).map(({ specifier, line }) => ({
      file,
      line,
      specifier,
      target: specifier.startsWith('.') ? posix.normalize(posix.join(posix.dirname(file), specifier)) : undefined,
    })),
  );
}

/**
 * The Node.js modules code in the Lambda bundle may use: no file system, processes or servers there.
 * crypto: item keys and change-log ids are hashes (runtime/change/item-key.ts, runtime/actions/change-log-entry.ts).
 * util: `types.isNativeError` tells errors of another realm when the logger writes cause chains (runtime/logging/error-fields.ts).
 */
const BUNDLE_NODE_MODULES = new Set(['crypto', 'util']);

const nodeModuleOf = (specifier: string): string | undefined => {
  const name = specifier.replace(/^node:/, '');
  return specifier.startsWith('node:') || builtinModules.includes(name) ? name : undefined;
};

const files = [...sourceFiles('lib'), ...sourceFiles('functions')];
const imports = scan(files);

describe('sourceImports', () => {
  it.each<[string, string, string, string[]]>([
    ['a static import', 'a.ts', "import { x } from './x.js';", ['./x.js']],
    ['a type-only import', 'a.ts', "import type { X } from '../x.js';", ['../x.js']],
    ['a re-export', 'a.ts', "export { x } from './x.js';\nexport * from './y.js';", ['./x.js', './y.js']],
    ['an import for its effects', 'a.ts', "import './setup.js';", ['./setup.js']],
    ['a dynamic import', 'a.ts', "const m = await import('./lazy.js');", ['./lazy.js']],
    ['an import type', 'a.ts', "type M = typeof import('./x.js');", ['./x.js']],
    ['require in CommonJS', 'a.cjs', "const { x } = require('./x.cjs');", ['./x.cjs']],
    ['the plugin loader', 'a.cjs', "const hooks = () => load('./hooks.ts');", ['./hooks.ts']],
    ['an import inside a template (generated source)', 'a.ts', "const s = `import { x } from '../../x.js';`;", []],
    ['an import written in a comment', 'a.ts', "// import { x } from './x.js';", []],
    ['a computed dynamic import', 'a.ts', 'const m = await import(pathToFileURL(file).href);', []],
  ])('finds %s', (_label, file, text, expected) => {
    // Act
    const found = sourceImports(file, text).map((i) => i.specifier);
    // Assess
    expect(found).toEqual(expected);
  });

  it('gives the line of each import', () => {
    // Act
    const found = sourceImports('a.ts', "import { a } from './a.js';\n\nimport { b } from './b.js';");
    // Assess
    expect(found).toEqual([
      { specifier: './a.js', line: 1 },
      { specifier: './b.js', line: 3 },
    ]);
  });
});

describe('layerViolation', () => {
  it.each<[Layer, Layer, boolean]>([
    ['runtime', 'runtime', true],
    ['mapping', 'runtime', true],
    ['data', 'mapping', true],
    ['local', 'data', true],
    ['tools', 'local', true],
    ['tools', 'runtime', true],
    ['runtime', 'mapping', false],
    ['mapping', 'local', false],
    ['data', 'local', false],
    ['local', 'tools', false],
    ['runtime', 'tools', false],
    ['functions', 'runtime', true],
    ['functions', 'mapping', false],
    ['functions', 'tools', false],
    ['tools', 'functions', false],
    ['local', 'outside', false],
    ['outside', 'tools', true],
  ])('%s importing %s: allowed %s', (from, to, allowed) => {
    // Act
    const violation = layerViolation(from, to);
    // Assess
    expect(violation === undefined).toBe(allowed);
  });

  it.each<[string, Layer]>([
    ['lib/runtime/change/to-change.ts', 'runtime'],
    ['lib/tools/serverless-plugin/local-plugin.cjs', 'tools'],
    ['functions/books-stream.ts', 'functions'],
    ['lib/helpers.ts', 'outside'],
    ['lib/__proto__/x.ts', 'outside'],
    ['test/support/until.ts', 'outside'],
  ])('puts %s in %s', (path, layer) => {
    // Act / Assess
    expect(layerOf(path)).toBe(layer);
  });
});

describe('the layers of lib/ and functions/', () => {
  it('reads the imports of every file, the plugin loader and dynamic imports included', () => {
    // Assess: the scan sees what the rules below judge.
    expect(files).toContain('lib/tools/serverless-plugin/local-plugin.cjs');
    expect(files).toContain('lib/local/dynamodb-local/install-dynamodb-local.mjs');
    const targets = imports.map((i) => `${i.file} -> ${i.target ?? i.specifier}`);
    expect(targets).toContain('lib/tools/serverless-plugin/local-plugin.cjs -> lib/tools/serverless-plugin/offline-hooks.ts');
    expect(targets).toContain('lib/tools/console/page-assets.ts -> esbuild');
  });

  it('keeps every file of lib/ in a layer', () => {
    // Assess
    expect(files.filter((file) => layerOf(file) === 'outside')).toEqual([]);
  });

  it('imports only downward: runtime < mapping < data < local < tools; functions/ only lib/runtime/', () => {
    // Act
    const violations = imports
      .filter((i) => i.target !== undefined)
      .flatMap((i) => {
        const why = layerViolation(layerOf(i.file), layerOf(i.target!));
        return why ? [`${i.file}:${i.line} imports '${i.specifier}': ${why}`] : [];
      });
    // Assess
    expect(violations).toEqual([]);
  });

  it('keeps the Lambda bundle (lib/runtime/, functions/) off the file system, processes and servers', () => {
    // Act
    const used = imports
      .filter((i) => ['runtime', 'functions'].includes(layerOf(i.file)))
      .flatMap((i) => {
        const name = nodeModuleOf(i.specifier);
        return name !== undefined && !BUNDLE_NODE_MODULES.has(name) ? [`${i.file}:${i.line} imports '${i.specifier}'`] : [];
      });
    // Assess
    expect(used).toEqual([]);
  });
});
