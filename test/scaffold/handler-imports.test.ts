import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../lib/mapping/project-paths.js';
import { handlerSource } from '../../lib/tools/scaffold/handler-source.js';
import { parseStreamSpec } from '../../lib/tools/scaffold/stream-spec.js';

/** Every module specifier a TypeScript source imports from. */
const importsOf = (source: string): string[] => [...source.matchAll(/^import\s[^;]*?from\s+'([^']+)';/gms)].map((m) => m[1]!);

const scaffolded = (() => {
  const result = parseStreamSpec('invoice-lines', 'invoiceId:S,line:N');
  if (result.kind !== 'ok') throw new Error(result.problems.join('; '));
  return handlerSource(result.spec);
})();

const handlers = [
  { name: 'functions/books-stream.ts', source: readFileSync(join(projectRoot, 'functions/books-stream.ts'), 'utf8') },
  { name: 'functions/orders-stream.ts', source: readFileSync(join(projectRoot, 'functions/orders-stream.ts'), 'utf8') },
  { name: 'the new-stream scaffold', source: scaffolded },
];

/*
 * What a handler imports ships in its Lambda bundle: only the runtime layer (lib/runtime/) belongs there. Test
 * tooling such as fault injection lives in the local stack, where the cloud's faults would come from.
 */
describe('stream handlers ship only the runtime', () => {
  it.each(handlers)('$name imports from lib/runtime/ only, and reads no test switch', ({ source }) => {
    // Act
    const imports = importsOf(source);
    // Assess
    expect(imports.length).toBeGreaterThan(0);
    expect(imports.filter((specifier) => !specifier.startsWith('../lib/runtime/'))).toEqual([]);
    expect(source).not.toMatch(/TEST_[A-Z_]+/);
  });
});
