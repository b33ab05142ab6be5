import { tableResult, type BenchResults, type LocalStackTable, type MemoryTable, type Target, type TimingTable } from './types.js';

const fmt = (n: number, digits = 2) => n.toFixed(digits);

/** The issue's targets, each met or missed with the number measured in this run. */
export function evaluateTargets(bench: BenchResults): Target[] {
  const targets: Target[] = [];
  const e2e = tableResult<TimingTable>(bench, 'end-to-end');
  const handler = tableResult<TimingTable>(bench, 'handler-only');
  const memory = tableResult<MemoryTable>(bench, 'memory');
  const local = tableResult<LocalStackTable>(bench, 'local-stack');
  const dispatcherAt = (table: TimingTable | undefined, size: string) => table?.sizes.find((s) => s.size === size)?.variants.find((v) => v.id === 'dispatcher');

  for (const [size, limit] of [['1000', 1.2], ['6MB', 1.1]] as const) {
    const ratio = dispatcherAt(e2e, size)?.ratioToFloor;
    targets.push({
      target: `End to end at ${size === '1000' ? '1,000 records' : 'the 6 MB cap'}: ≤ ${limit}× the JSON.parse floor`,
      measured: ratio === undefined ? 'not measured' : `${fmt(ratio)}×`,
      met: ratio === undefined ? undefined : ratio <= limit,
    });
  }
  const handlerSizes = handler?.sizes ?? [];
  const ratios = handlerSizes.map((s) => [s.size, dispatcherAt(handler, s.size)?.ratioToUtilLoop] as const);
  targets.push({
    target: 'Handler only: ≤ 0.5× the plain util-dynamodb loop (every size)',
    measured: ratios.length ? ratios.map(([s, r]) => `${s}: ${r === undefined ? '?' : `${fmt(r)}×`}`).join(', ') : 'not measured',
    met: ratios.length ? ratios.every(([, r]) => r !== undefined && r <= 0.5) : undefined,
  });
  const speedups = handlerSizes.map((s) => [s.size, dispatcherAt(handler, s.size)?.speedupOverPowertools] as const);
  targets.push({
    target: 'Handler only: ≥ 2.5× faster than Powertools (every size)',
    measured: speedups.length ? speedups.map(([s, r]) => `${s}: ${r === undefined ? '?' : `${fmt(r)}×`}`).join(', ') : 'not measured',
    met: speedups.length ? speedups.every(([, r]) => r !== undefined && r >= 2.5) : undefined,
  });
  const retained = memory?.variants.find((v) => v.variant === 'dispatcher');
  targets.push({
    target: 'Heap growth after GC across ten 6 MB invocations < 1 MB',
    measured: retained ? `${fmt(retained.heapRetainedAfterTenMB, 3)} MB (max over the ten: ${fmt(retained.heapRetainedMaxMB, 3)} MB)` : 'not measured',
    met: retained ? retained.heapRetainedMaxMB < 1 : undefined,
  });
  targets.push({
    target: 'Unmarshalled output identical to util-dynamodb on every generated image',
    measured: handler?.equality ? `${handler.equality.images} attribute maps, ${handler.equality.identical ? 'all identical' : `${handler.equality.mismatches.length}+ different`}` : 'not measured',
    met: handler?.equality?.identical,
  });
  const measured = local?.measured === true;
  targets.push({
    target: 'Local stack: median write-to-handler latency < 300 ms',
    measured: measured ? `${fmt(local!.latencyMedianMs!, 0)} ms` : `not measured (${local?.reason ?? 'table not run'})`,
    met: measured ? local!.latencyMedianMs! < 300 : undefined,
  });
  targets.push({
    target: 'Local stack: p99 write-to-handler latency < 1 s',
    measured: measured ? `${fmt(local!.latencyP99Ms!, 0)} ms` : 'not measured',
    met: measured ? local!.latencyP99Ms! < 1000 : undefined,
  });
  targets.push({
    target: 'Local stack: no record lost at the highest sustained rate reported',
    measured: measured && local!.sustained ? `${local!.sustained.lost} lost of ${local!.sustained.written} at ${fmt(local!.sustained.recordsPerSecond, 0)} records/s` : 'not measured',
    met: measured && local!.sustained ? local!.sustained.lost === 0 : undefined,
  });
  return targets;
}
