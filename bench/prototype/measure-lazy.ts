import type { DynamoDBStreamEvent } from 'aws-lambda';
import type { Action } from '../../lib/dispatch/action.js';
import { processBatch } from '../../lib/dispatch/process-batch.js';
import { createRandom } from '../generate/random.js';
import { clockFromEnv, compare } from '../harness/compare.js';
import { BATCH_SIZES, batchText } from '../harness/sizes.js';
import { benchLogger, sink } from '../harness/variants.js';
import { processBatch as processBatchLazy } from './process-batch-lazy.js';

/*
 * Measures the lazy-image prototype against the current dispatcher, one variant per process (as the
 * isolated bench runs): `node measure-lazy.cjs <variant>` prints JSON lines. Variants: floor, eager
 * (lib's processBatch, no-op action), lazy (prototype, no-op action), lazy-read (prototype, an action
 * that reads both images, so the unmarshalling is paid).
 */
const noop: Action = { name: 'noop', handle: (change) => void (sink.value = change) };
const reader: Action = { name: 'read', handle: (change) => void (sink.value = [change.newImage, change.oldImage]) };
const handlers: Record<string, (event: DynamoDBStreamEvent) => unknown> = {
  floor: (event) => event.Records.length,
  eager: (event) => processBatch(event, { actions: [noop], logger: benchLogger }),
  lazy: (event) => processBatchLazy(event, { actions: [noop], logger: benchLogger }),
  'lazy-read': (event) => processBatchLazy(event, { actions: [reader], logger: benchLogger }),
  'eager-read': (event) => processBatch(event, { actions: [reader], logger: benchLogger }),
};

/** `side`: floor, eager and lazy end to end in one process, interleaved (same machine state for the ratios). */
async function sideBySide() {
  for (const size of BATCH_SIZES.filter((s) => s.id !== '100')) {
    const { json, records } = batchText(size);
    const cases = ['floor', 'eager', 'lazy'].map((id) => ({ id, fn: async () => void (sink.value = await handlers[id]!(JSON.parse(json) as DynamoDBStreamEvent)) }));
    const stats = await compare(cases, { clock: clockFromEnv(), rounds: 6, roundCpuMs: 300, random: createRandom(5) });
    for (const s of stats) console.log(JSON.stringify({ variant: s.id, size: size.id, records, mode: 'e2e-side', medianMs: s.medianNs / 1e6 }));
  }
}

async function main() {
  const id = process.argv[2]!;
  if (id === 'side') return sideBySide();
  const handle = handlers[id]!;
  for (const size of BATCH_SIZES.filter((s) => s.id !== '100')) {
    const { json, records } = batchText(size);
    const parsed = JSON.parse(json) as DynamoDBStreamEvent;
    const cases = [
      { id: 'e2e', fn: async () => void (sink.value = await handle(JSON.parse(json) as DynamoDBStreamEvent)) },
      { id: 'handler', fn: async () => void (sink.value = await handle(parsed)) },
    ];
    const stats = await compare(cases, { clock: clockFromEnv(), rounds: 4, roundCpuMs: 300, random: createRandom(3) });
    for (const s of stats) console.log(JSON.stringify({ variant: id, size: size.id, records, mode: s.id, medianMs: s.medianNs / 1e6 }));
  }
}
main();
