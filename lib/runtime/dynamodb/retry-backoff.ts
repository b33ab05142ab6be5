/** Full jitter over an exponential ceiling (20, 40, 80 … ms, at most 500): writers that collided spread out. */
export const backoffMs = (attempt: number): number => Math.random() * Math.min(500, 20 * 2 ** attempt);

/** Waits the backoff of `attempt` (0 for the first retry). */
export const backoff = (attempt: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, backoffMs(attempt)));

/** Runs `task` over `items`, at most `limit` at once; resolves when all settled (a task should not reject). */
export async function forEachLimited<T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await task(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
