/** What a line a handler printed tells the console. */
export interface HandlerLine {
  /** The invocation it belongs to, when the line names one. */
  requestId?: string;
  kind: 'start' | 'end' | 'report' | 'log';
  /** From a REPORT line of a cold start. */
  initDurationMs?: number;
}

const LAMBDA_LINE = /^(START|END|REPORT) RequestId: (\S+)/;
const INIT_DURATION = /\tInit Duration: ([0-9.]+) ms/;

/**
 * Reads a handler's stdout line: Lambda's START/END/REPORT lines name their RequestId; the project's logger
 * writes JSON with a `requestId` field inside an invocation. Any other line names no invocation.
 */
export function parseHandlerLine(line: string): HandlerLine {
  const lambda = LAMBDA_LINE.exec(line);
  if (lambda) {
    const kind = lambda[1] === 'START' ? 'start' : lambda[1] === 'END' ? 'end' : 'report';
    const init = kind === 'report' ? INIT_DURATION.exec(line) : null;
    return { kind, requestId: lambda[2]!, ...(init ? { initDurationMs: Number(init[1]) } : {}) };
  }
  if (line.startsWith('{')) {
    try {
      const parsed: unknown = JSON.parse(line);
      const requestId = typeof parsed === 'object' && parsed !== null ? (parsed as { requestId?: unknown }).requestId : undefined;
      if (typeof requestId === 'string' && requestId.length > 0) return { kind: 'log', requestId };
    } catch {
      // Not JSON after all: a plain line.
    }
  }
  return { kind: 'log' };
}
