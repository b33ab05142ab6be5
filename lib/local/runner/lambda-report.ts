/** What Lambda's END and REPORT lines of one invocation say. */
export interface ReportFields {
  requestId: string;
  durationMs: number;
  memorySizeMb: number;
  /** Peak resident memory of the execution environment; unknown when it died. */
  maxMemoryUsedMb?: number;
  /** On the first invocation of an environment only (a cold start). */
  initDurationMs?: number;
  status?: 'error' | 'timeout';
  errorType?: string;
}

/**
 * The END and REPORT lines Lambda writes after each invocation, tab-separated as in CloudWatch Logs, so that
 * tools and habits built on them (log insights queries, `grep REPORT`) work on the local stack's output too.
 * Billed duration is the duration rounded up to the millisecond, as Lambda bills it.
 */
export function formatReport(fields: ReportFields): string[] {
  const parts = [
    `REPORT RequestId: ${fields.requestId}`,
    `Duration: ${fields.durationMs.toFixed(2)} ms`,
    `Billed Duration: ${Math.max(1, Math.ceil(fields.durationMs))} ms`,
    `Memory Size: ${fields.memorySizeMb} MB`,
    `Max Memory Used: ${fields.maxMemoryUsedMb ?? 0} MB`,
  ];
  if (fields.initDurationMs !== undefined) parts.push(`Init Duration: ${fields.initDurationMs.toFixed(2)} ms`);
  if (fields.status !== undefined) parts.push(`Status: ${fields.status}`);
  if (fields.errorType !== undefined) parts.push(`Error Type: ${fields.errorType}`);
  return [`END RequestId: ${fields.requestId}`, parts.join('\t')];
}
