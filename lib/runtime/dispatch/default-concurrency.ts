/**
 * How many records of different item keys the stream handlers run at once (records of one key always run in
 * stream order).
 *
 * Chosen with bench/tables/dispatch-concurrency.ts (real books/orders actions on DynamoDB Local, 100-record batch
 * of 100 keys, 10 ms modelled round trip per request, median of 5): about 4,000 ms at 1, 1,100 at 4, 710 at 8,
 * 580 to 660 at 16, 510 to 640 at 32. Past 16 the gain is within noise, while each step doubles the requests in
 * flight on the shared aggregate items and the SDK's sockets; a batch of one key takes the same time at any value.
 */
export const DEFAULT_DISPATCH_CONCURRENCY = 16;
