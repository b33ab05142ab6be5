/**
 * How many records of different item keys the stream handlers run at once (records of one key always run in
 * stream order). Chosen from bench/tables/dispatch-concurrency.ts: see the numbers in the commit that set it.
 */
export const DEFAULT_DISPATCH_CONCURRENCY = 16;
