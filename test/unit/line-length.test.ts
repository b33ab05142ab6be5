import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(__dirname, '..', '..');
const MAX_LINE = 140;
const SOURCE = /\.(ts|mts|cts|cjs|mjs)$/;
const ROOTS = ['functions', 'lib', 'test', 'bench'];
/** Generated or installed, not written by us: bench/results holds a run's output, `.build` a bench run's bundles. */
const SKIPPED = new Set(['node_modules', 'bench/results', '.build']);

/** Every source file under `dir`, relative to the repository root with `/`, skipping the SKIPPED directories. */
function sourceFiles(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) return SKIPPED.has(entry.name) || SKIPPED.has(path) ? [] : sourceFiles(path);
    return entry.isFile() && SOURCE.test(entry.name) ? [path] : [];
  });
}

/** The lines of `text` longer than MAX_LINE characters (code points, as an editor counts them), numbered from 1. */
function longLines(text: string): { line: number; length: number }[] {
  return text
    .split(/\r?\n/)
    .map((content, index) => ({ line: index + 1, length: [...content].length }))
    .filter(({ length }) => length > MAX_LINE);
}

describe('longLines', () => {
  it.each<[string, string, { line: number; length: number }[]]>([
    ['a line of exactly 140 characters', 'x'.repeat(140), []],
    ['a line of 141 characters', 'x'.repeat(141), [{ line: 1, length: 141 }]],
    [
      'the numbers of the long lines only',
      `short\n${'y'.repeat(150)}\nshort\n${'z'.repeat(141)}`,
      [
        { line: 2, length: 150 },
        { line: 4, length: 141 },
      ],
    ],
    ['CRLF line ends, which are not counted', `${'x'.repeat(140)}\r\n${'x'.repeat(140)}\r\n`, []],
    ['a line of 141 en dashes', '–'.repeat(141), [{ line: 1, length: 141 }]],
    ['a line of 140 emoji (280 UTF-16 units), counted as 140 characters', '😀'.repeat(140), []],
    ['a line of 141 emoji', '😀'.repeat(141), [{ line: 1, length: 141 }]],
  ])('finds %s', (_name, text, expected) => {
    // Act
    const found = longLines(text);

    // Assess
    expect(found).toEqual(expected);
  });
});

describe(`source lines (at most ${MAX_LINE} characters)`, () => {
  const files = ROOTS.flatMap(sourceFiles);

  it('walks the source directories and skips node_modules, bench/results and .build', () => {
    // Assess
    expect(files).toContain(relative(root, __filename).split(sep).join('/'));
    expect(files.some((file) => file.startsWith('functions/'))).toBe(true);
    expect(files.some((file) => file.startsWith('bench/'))).toBe(true);
    expect(files.filter((file) => file.includes('node_modules/') || file.startsWith('bench/results/') || file.includes('.build/'))).toEqual(
      [],
    );
  });

  it('has no line longer than the limit in functions/, lib/, test/ or bench/', () => {
    // Act
    const offending = files.flatMap((file) =>
      longLines(readFileSync(join(root, file), 'utf8')).map(({ line, length }) => `${file}:${line} (${length})`),
    );

    // Assess
    expect(offending).toEqual([]);
  });
});
