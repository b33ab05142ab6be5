/**
 * Calls `onGone` once the process that started this one has died, however it died (SIGKILL included):
 * the kernel then hands this process to another parent, so `process.ppid` changes. Returns a function
 * that stops watching. The timer does not keep the process alive.
 */
export function watchParent(onGone: () => void, intervalMs = 500): () => void {
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    onGone();
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
