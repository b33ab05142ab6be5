import { describe, expect, it } from 'vitest';
import { formatSoakReport, runSoak } from '../../lib/tools/soak/run-soak.js';

/*
 * The soak in its small size (npm run soak runs thousands of writes): a local stack of its own with
 * DynamoDB Local on disk, TEST_FAULT_RATE=0.1 in the functions' environment, concurrent writers, one
 * crash and restart of DynamoDB Local mid-run. Nothing lost, nothing counted twice.
 */
describe('fault-injection soak (small)', () => {
  it('keeps statistics exact and the change log exactly-once under injected faults and a DynamoDB Local restart', async () => {
    // Prepare / Act
    const report = await runSoak({ writes: 150, writers: 4, faultRate: 0.1, drainTimeoutMs: 150_000 });
    console.log(formatSoakReport(report));

    // Assess: the run did what a soak must do (so the checks mean something)…
    expect(report.writesMade).toBeGreaterThanOrEqual(150);
    expect(report.writesByKind.update).toBeGreaterThan(0);
    expect(report.writesByKind.delete).toBeGreaterThan(0);
    expect(report.writesByKind.reinsert).toBeGreaterThan(0);
    expect(report.faultsInjected).toBeGreaterThan(0);
    expect(report.restarts).toBe(1);
    expect(report.changesChecked).toBe(report.writesMade);
    // …and every check holds.
    for (const check of report.checks) expect(check, `${check.name}: ${check.detail}`).toMatchObject({ ok: true });
    expect(report.checks).toHaveLength(5);
  }, 240_000);
});
