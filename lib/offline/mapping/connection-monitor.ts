import type { Logger } from '../../logging/logger.js';

/** Errors that mean "nobody answered" rather than "DynamoDB said no". */
export function isConnectionError(error: unknown): boolean {
  const e = error as { code?: string; name?: string; $metadata?: { httpStatusCode?: number }; cause?: unknown };
  const codes = ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNABORTED'];
  if (e?.code && codes.includes(e.code)) return true;
  if (e?.name === 'TimeoutError' || e?.name === 'RequestTimeout') return true;
  // A service error always carries the HTTP status of DynamoDB's answer.
  return e?.$metadata?.httpStatusCode === undefined && !(e?.name ?? '').endsWith('Exception');
}

const describe = (error: unknown): string => {
  const e = error as { code?: string; name?: string; message?: string };
  return [e?.code ?? e?.name, e?.message].filter(Boolean).join(': ') || String(error);
};

/**
 * Says once, clearly, that DynamoDB Local stopped answering, and once that it answers again: a mapping
 * polls several times a second, and a warning per poll would bury everything else.
 */
export class ConnectionMonitor {
  private failures = 0;
  private readonly warned = new Map<string, number>();

  constructor(
    private readonly logger: Logger,
    public endpointLabel: string,
    private readonly baseDelayMs: number,
    private readonly maxDelayMs = 5_000,
  ) {}

  get failing(): boolean {
    return this.failures > 0;
  }

  /** Records a failed call; returns how long to wait before the next try. */
  fail(error: unknown, doing: string): number {
    if (this.failures === 0) {
      this.logger.warn(
        `DynamoDB Local at ${this.endpointLabel} is not reachable (${describe(error)}) while ${doing}; ` +
          'retrying with backoff — the mapping resumes by itself from its checkpoint once DynamoDB Local answers again',
      );
    }
    this.failures += 1;
    return this.delayMs();
  }

  ok(): void {
    if (this.failures === 0) return;
    this.logger.info(`DynamoDB Local at ${this.endpointLabel} answers again after ${this.failures} failed call(s); mapping resumed`);
    this.failures = 0;
  }

  delayMs(): number {
    return Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** Math.min(this.failures, 6));
  }

  /** Warns about an unexpected error, at most once a minute per distinct message. */
  warnThrottled(message: string, fields?: Record<string, unknown>): void {
    const now = Date.now();
    const last = this.warned.get(message);
    if (last !== undefined && now - last < 60_000) return;
    this.warned.set(message, now);
    this.logger.warn(message, fields);
  }
}
