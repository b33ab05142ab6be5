import { InvalidConcurrencyError } from '../errors.js';

/** Throws unless `concurrency` is absent or a whole number of at least 1. */
export function assertConcurrency(concurrency: unknown): void {
  if (concurrency === undefined || (Number.isSafeInteger(concurrency) && (concurrency as number) >= 1)) return;
  throw new InvalidConcurrencyError(
    `concurrency is ${typeof concurrency === 'number' ? String(concurrency) : typeof concurrency}; ` +
      'give a whole number of at least 1 (1 runs records one by one; DEFAULT_DISPATCH_CONCURRENCY is what the handlers use)',
  );
}
