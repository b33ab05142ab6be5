import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findNameLimitViolations, NAME_LIMITS, type DerivedName } from '../../lib/tools/serverless-plugin/name-limits.cjs';
import { readServerlessConfig } from '../../lib/mapping/serverless-config.js';
import { copyProject, slsEnv, type ProjectCopy } from '../support/fixture-project-copy.js';

const run = promisify(execFile);
const config = readServerlessConfig({ stage: 'x' });
const FUNCTION_NAMES = Object.keys(config.functions);
// The stage at which the longest function name reaches Lambda's 64 characters exactly.
const longestFunction = Math.max(...FUNCTION_NAMES.map((name) => `${config.service}--${name}`.length));
const LONGEST_STAGE = NAME_LIMITS.function.max - longestFunction;

const functionName = (stage: string, name: string): DerivedName => ({
  kind: 'function',
  name: `${config.service}-${stage}-${name}`,
  source: `functions.${name}`,
});

describe('findNameLimitViolations (pure)', () => {
  it.each([
    { kind: 'function', max: 64 },
    { kind: 'role', max: 64 },
    { kind: 'queue', max: 80 },
    { kind: 'table', max: 255 },
    { kind: 'stack', max: 128 },
  ] as const)('$kind: $max characters pass, one more is refused with the limit in the message', ({ kind, max }) => {
    // Prepare
    const atLimit: DerivedName = { kind, name: 'a'.repeat(max), source: 'here' };
    const over: DerivedName = { kind, name: 'a'.repeat(max + 1), source: 'there' };
    // Act
    const violations = findNameLimitViolations([atLimit, over], 'dev');
    // Assess
    expect(violations.map((v) => v.source)).toEqual(['there']);
    expect(violations[0]).toMatchObject({ kind, max });
    expect(violations[0]!.message).toContain(`at most ${max}`);
  });

  it.each(FUNCTION_NAMES)('%s: the longest stage that fits passes, one character more is refused', (name) => {
    // Prepare
    const fits = 'a'.repeat(NAME_LIMITS.function.max - `${config.service}--${name}`.length);
    // Act
    const ok = findNameLimitViolations([functionName(fits, name)], fits);
    const tooLong = findNameLimitViolations([functionName(`${fits}b`, name)], `${fits}b`);
    // Assess
    expect(ok).toEqual([]);
    expect(tooLong).toHaveLength(1);
    expect(tooLong[0]!.name).toHaveLength(65);
  });
});

describe('the guard plugin in `sls package` (before anything is built)', () => {
  let copy: ProjectCopy | undefined;
  beforeAll(() => {
    copy = copyProject('sls-names-');
  });
  afterAll(() => copy?.remove());

  it('refuses a stage one character too long for the longest function name, with exit code 1 and the limit', async () => {
    // Prepare
    const stage = 's'.repeat(LONGEST_STAGE + 1);
    const out = join(copy!.dir, '.package-out');
    // Act
    const failure = await run('npx', ['sls', 'package', '--stage', stage, '--package', out], {
      cwd: copy!.dir,
      env: slsEnv(),
      timeout: 120_000,
    }).then(
      () => undefined,
      (error: { code?: number; stdout?: string; stderr?: string }) => error,
    );
    // Assess
    expect(failure?.code).toBe(1);
    const output = `${failure?.stdout}${failure?.stderr}`;
    expect(output).toContain('at most 64');
    expect(output).toContain(`${config.service}-${stage}-`);
    expect(existsSync(join(out, 'cloudformation-template-update-stack.json'))).toBe(false);
  });
});
