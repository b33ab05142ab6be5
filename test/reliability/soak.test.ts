import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../lib/mapping/project-paths.js';
import { DEFAULT_DISPATCH_CONCURRENCY } from '../../lib/runtime/dispatch/default-concurrency.js';
import { formatSoakReport, runSoak } from '../../lib/tools/soak/run-soak.js';

/*
 * The soak in its small size (npm run soak runs thousands of writes): a local stack of its own with
 * DynamoDB Local on disk, the shipped handlers (key-ordered concurrency on), 10% of their DynamoDB calls
 * failed by the stack's IAM proxy (some after the write took effect), concurrent writers, one crash and
 * restart of DynamoDB Local mid-run. Nothing lost, nothing counted twice.
 */
describe('fault-injection soak (small)', () => {
  it.each(['books-stream', 'orders-stream'])('runs functions/%s.ts, which dispatches with the default key-ordered concurrency', (name) => {
    // Prepare
    const source = readFileSync(join(projectRoot, 'functions', `${name}.ts`), 'utf8');
    // Assess: the soak below exercises concurrent dispatch only while the shipped handlers ask for it.
    expect(DEFAULT_DISPATCH_CONCURRENCY).toBeGreaterThan(1);
    expect(source).toMatch(/^\s*concurrency: DEFAULT_DISPATCH_CONCURRENCY,$/m);
  });

  it('keeps statistics exact and the change log exactly-once under injected faults and a DynamoDB Local restart', async () => {
    // Prepare / Act
    // Batches of 5: more invocations, so more DynamoDB calls that can fail (about 15 of them at this size).
    const report = await runSoak({ writes: 150, writers: 4, faultRate: 0.1, batchSize: 5, drainTimeoutMs: 150_000 });
    console.log(formatSoakReport(report));

    // Assess: the run did what a soak must do (so the checks mean something)…
    expect(report.writesMade).toBeGreaterThanOrEqual(150);
    expect(report.writesByKind.update).toBeGreaterThan(0);
    expect(report.writesByKind.delete).toBeGreaterThan(0);
    expect(report.writesByKind.reinsert).toBeGreaterThan(0);
    expect(report.faults.calls).toBeGreaterThan(0);
    // Each faulted call failed on its retries too, so the faults reached the actions.
    expect(report.faults.answers).toBeGreaterThan(report.faults.calls);
    expect(Object.values(report.actionFailures).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    expect(report.restarts).toBe(1);
    expect(report.changesChecked).toBe(report.writesMade);
    // …and every check holds.
    for (const check of report.checks) expect(check, `${check.name}: ${check.detail}`).toMatchObject({ ok: true });
    expect(report.checks).toHaveLength(6);
  }, 240_000);
});
