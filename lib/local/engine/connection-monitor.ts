import type { Logger } from '../../runtime/logging/logger.js';

/** Socket errors of Node: nobody answered, or the connection broke. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNABORTED',
  'EADDRNOTAVAIL',
]);
/** The SDK's names for a request that got no answer in time. */
const TIMEOUT_NAMES = new Set(['TimeoutError', 'RequestTimeout']);

/**
 * Errors that mean "nobody answered" rather than "DynamoDB said no" or "our code failed": a socket error
 * code or an SDK timeout, on the error, its `cause` or one of an AggregateError's `errors`. Anything
 * else (a TypeError, a corrupt file, a service error) is not a network error and is never reported as one.
 */
export function isConnectionError(error: unknown): boolean {
  return networkCause(error, 0);
}

function networkCause(error: unknown, depth: number): boolean {
  if (depth > 5 || typeof error !== 'object' || error === null) return false;
  const e = error as { code?: unknown; name?: unknown; errors?: unknown; cause?: unknown };
  if (typeof e.code === 'string' && NETWORK_CODES.has(e.code)) return true;
  if (typeof e.name === 'string' && TIMEOUT_NAMES.has(e.name)) return true;
  // Node tries IPv6 and IPv4 in turn and reports both failures at once.
  if (Array.isArray(e.errors) && e.errors.some((inner) => networkCause(inner, depth + 1))) return true;
  return networkCause(e.cause, depth + 1);
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
