import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/*
 * `npm audit --omit=dev --audit-level=high` over the runtime dependencies. It needs npm's advisory
 * endpoint (POST /-/npm/v1/security/advisories/bulk). When that endpoint cannot be reached or refuses
 * (offline, or a registry mirror that serves GET only), the test is skipped with the reason printed:
 * an unreachable audit proves nothing either way, and must not be mistaken for a pass.
 */
const root = resolve(__dirname, '..', '..');

interface AuditReport {
  metadata?: { vulnerabilities?: Record<string, number>; dependencies?: { prod?: number } };
  vulnerabilities?: Record<string, { severity: string; via: unknown[] }>;
  message?: string;
  statusCode?: number;
  error?: unknown;
}

describe('npm audit of runtime dependencies', () => {
  it('finds no high or critical advisory (npm audit --omit=dev --audit-level=high)', (context) => {
    // Act
    const run = spawnSync('npm', ['audit', '--omit=dev', '--audit-level=high', '--json'], {
      cwd: root,
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, npm_config_update_notifier: 'false', npm_config_fund: 'false' },
    });
    let report: AuditReport;
    try {
      report = JSON.parse(run.stdout) as AuditReport;
    } catch {
      report = { message: (run.stderr || run.stdout || String(run.error)).slice(0, 300) };
    }
    if (!report.metadata?.vulnerabilities) {
      const reason = `npm audit could not reach the advisory service: ${report.message ?? `exit ${run.status}`}`;
      console.log(`[security] SKIPPED: ${reason}`);
      context.skip(reason);
      return;
    }
    // Assess
    const { high = 0, critical = 0 } = report.metadata.vulnerabilities;
    const serious = Object.entries(report.vulnerabilities ?? {})
      .filter(([, v]) => v.severity === 'high' || v.severity === 'critical')
      .map(([name, v]) => `${name} (${v.severity})`);
    console.log(`[security] npm audit --omit=dev: ${JSON.stringify(report.metadata.vulnerabilities)}`);
    expect(serious, `runtime dependencies with high or critical advisories: ${serious.join(', ')}`).toEqual([]);
    expect(high + critical).toBe(0);
    expect(run.status).toBe(0);
  });
});
