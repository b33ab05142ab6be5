import { readFileSync, writeFileSync } from 'node:fs';
import { sink, variantById } from '../harness/variants.js';

/*
 * One variant in a fresh process (started with --expose-gc): peak RSS for one 6 MB batch, then the heap
 * still used after a full GC across ten invocations. Arguments: <variant id> <event json file> <result file>.
 */
const [variantId, eventFile, out] = process.argv.slice(2);
if (!variantId || !eventFile || !out) throw new Error('usage: memory-worker <variant> <event.json> <result.json>');
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');
const variant = variantById(variantId);
const MB = 1024 * 1024;
const INVOCATIONS = 10;

/*
 * Three full GCs, each followed by a turn of the event loop. WeakRef targets stay alive until the job that touched them
 * ends, and finalization callbacks run as tasks: with GCs back to back, one invocation in three of our dispatcher left
 * 11.9 MB that the next turn freed (nothing grew across invocations). Lambda's runtime turns the loop between
 * invocations anyway (it fetches the next event over HTTP).
 */
const fullGc = async () => {
  let before = Number.POSITIVE_INFINITY;
  for (let pass = 0; pass < 8; pass++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
    const used = process.memoryUsage().heapUsed;
    if (pass >= 2 && used > before - 64 * 1024) return;
    before = used;
  }
};

/*
 * One invocation in a frame of its own: a suspended async function keeps its registers, so awaiting the
 * handler in main() itself could keep the parsed batch reachable and be counted against the variant.
 */
async function invoke(json: string): Promise<void> {
  sink.value = await variant.handle(JSON.parse(json));
  sink.value = undefined;
}

async function main() {
  const json = readFileSync(eventFile!, 'utf8');
  await fullGc();
  const rssBefore = process.memoryUsage().rss;
  const heapBaseline = process.memoryUsage().heapUsed;
  const maxRssBefore = process.resourceUsage().maxRSS * 1024;
  await invoke(json);
  const peakRss = process.resourceUsage().maxRSS * 1024;
  await fullGc();
  const heapAfter: number[] = [process.memoryUsage().heapUsed - heapBaseline];
  for (let i = 1; i < INVOCATIONS; i++) {
    await invoke(json);
    await fullGc();
    heapAfter.push(process.memoryUsage().heapUsed - heapBaseline);
  }
  writeFileSync(
    out!,
    JSON.stringify({
      variant: variant.id,
      eventBytes: Buffer.byteLength(json),
      rssBeforeMB: rssBefore / MB,
      maxRssBeforeMB: maxRssBefore / MB,
      peakRssMB: peakRss / MB,
      peakRssGrowthMB: (peakRss - rssBefore) / MB,
      heapBaselineMB: heapBaseline / MB,
      heapRetainedAfterFirstMB: heapAfter[0]! / MB,
      heapRetainedAfterTenMB: heapAfter[INVOCATIONS - 1]! / MB,
      heapRetainedMaxMB: Math.max(...heapAfter) / MB,
      heapRetainedSeriesMB: heapAfter.map((b) => Math.round((b / MB) * 1000) / 1000),
    }),
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
