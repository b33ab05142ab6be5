import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ScaffoldError } from '../../lib/tools/errors.js';
import { applyPlan } from '../../lib/tools/scaffold/apply-plan.js';

describe('applyPlan: all files or none', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'apply-plan-'));
    writeFileSync(join(dir, 'serverless.yml'), 'service: before\n');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const writes = () => [
    { path: 'functions/x-stream.ts', content: 'export {};\n' },
    { path: 'serverless.yml', content: 'service: after\n', previous: 'service: before\n' },
  ];

  it('writes every file, then runs the step after', () => {
    // Act
    applyPlan(dir, writes(), () => writeFileSync(join(dir, 'generated.json'), '{}'), ['generated.json']);
    // Assess
    expect(readFileSync(join(dir, 'serverless.yml'), 'utf8')).toBe('service: after\n');
    expect(existsSync(join(dir, 'functions/x-stream.ts'))).toBe(true);
    expect(existsSync(join(dir, 'generated.json'))).toBe(true);
  });

  it.each([
    { when: 'the step after the writes fails', fail: 'after' },
    { when: 'a file to create exists by then', fail: 'exists' },
  ])('puts everything back when $when, and says so with a ScaffoldError', ({ fail }) => {
    // Prepare
    const plan = fail === 'exists' ? [...writes(), { path: 'taken.ts', content: 'new' }] : writes();
    if (fail === 'exists') writeFileSync(join(dir, 'taken.ts'), 'mine');
    const after = () => {
      writeFileSync(join(dir, 'generated.json'), '{}');
      if (fail === 'after') throw new Error('fixtures failed');
    };
    // Act
    const act = () => applyPlan(dir, plan, after, ['generated.json']);
    // Assess
    expect(act).toThrow(ScaffoldError);
    expect(readFileSync(join(dir, 'serverless.yml'), 'utf8')).toBe('service: before\n');
    expect(existsSync(join(dir, 'functions/x-stream.ts'))).toBe(false);
    expect(existsSync(join(dir, 'generated.json'))).toBe(false);
    if (fail === 'exists') expect(readFileSync(join(dir, 'taken.ts'), 'utf8')).toBe('mine');
  });
});
