import {
  batchRow,
  ratio,
  type BatchActionsTable,
  tableResult,
  type BenchResults,
  type ColdStartTable,
  type LocalStackRun,
  type LocalStackTable,
  type MemoryTable,
  type SizeTiming,
  type TimingRun,
  type TimingTable,
} from './types.js';

export type { BenchResults } from './types.js';

const LABELS: Record<string, string> = {
  floor: '`JSON.parse` floor',
  'util-loop': 'util-dynamodb `unmarshall` loop',
  powertools: 'Powertools `BatchProcessor` + `processPartialResponse`',
  'dispatcher-images': '**our dispatcher, equal work** (`processBatch`, an action that reads both images)',
  dispatcher: 'our dispatcher, lazy (a no-op action: no image is built, so not equal work)',
};

const f = (n: number | undefined, digits = 2) => (n === undefined || Number.isNaN(n) ? '–' : n.toFixed(digits));
const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)}`;

function timingRows(sizes: SizeTiming[], base: string): string[] {
  const ids = sizes[0]?.variants.map((v) => v.id) ?? [];
  const header = `| variant | ${sizes.map((s) => (s.size === '6MB' ? `${s.label} (${s.records} records)` : s.label)).join(' | ')} |`;
  const rule = `| --- | ${sizes.map(() => '---:').join(' | ')} |`;
  const rows = ids.map((id) => {
    const cells = sizes.map((s) => {
      const v = s.variants.find((x) => x.id === id)!;
      return `${f(v.medianNs / 1000 / s.records)} µs/rec · ${f(v.medianNs / 1e6)} ms · **${f(ratio(s, id, base))}×**`;
    });
    return `| ${LABELS[id] ?? id} | ${cells.join(' | ')} |`;
  });
  return [header, rule, ...rows];
}

function timingSection(lines: string[], table: TimingTable | undefined, base: string, baseName: string): void {
  if (!table?.isolated && !table?.sideBySide) {
    lines.push('not measured (the table failed; see the run output)');
    return;
  }
  const runs: [string, TimingRun | undefined][] = [
    ['Each variant alone in its own process (what a Lambda running only that handler sees; targets are judged on these)', table.isolated],
    ['All variants side by side in one process (interleaved, shuffled rounds)', table.sideBySide],
  ];
  for (const [title, run] of runs) {
    if (!run) continue;
    lines.push(`${title}. Median ${run.clock === 'cpu' ? 'CPU' : 'wall'} time per batch; **×** = ratio to ${baseName}.`);
    lines.push('');
    lines.push(...timingRows(run.sizes, base));
    lines.push('');
  }
}

/** Table 6: per case, stream and latency, the three modes side by side with their ratios. */
function batchActionsSection(table: BatchActionsTable): string[] {
  const m = table.machine;
  const lines = [
    `The books and orders actions as the functions build them (log, change log, statistics with the ledger) on DynamoDB Local. ` +
      `**sequential** = concurrency 1, batch actions off (one request per action per record, the behaviour before); ` +
      `**batch** = the handlers' settings (concurrency ${table.batchConcurrency}, batch actions on); ` +
      `**floor** = the requests the sequential run made, replayed ${table.floorConcurrency} at a time. ` +
      `Median ms per batch of ${table.runs} rounds (fresh item keys each round), requests per change in brackets; ` +
      `"+${table.proxyMs} ms" = through a loopback proxy holding each request ${table.proxyMs} ms (AWS's round trip). ` +
      `Machine: ${m.cores} cores, load average ${m.loadAverageBefore.map((l) => l.toFixed(2)).join(' / ')} before the table, ` +
      `${m.loadAverageAfter.map((l) => l.toFixed(2)).join(' / ')} after (other processes share the cores).`,
    '',
    '| case | stream | latency | sequential ms (req/change) | batch ms (req/change) |' +
      ' floor ms | sequential ÷ batch | batch ÷ floor | batch records/s |',
    '| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  const seen = new Set<string>();
  for (const row of table.rows) {
    const id = `${row.case}|${row.stream}|${row.proxyMs}`;
    if (seen.has(id)) continue;
    seen.add(id);
    const s = batchRow(table, row.case, row.stream, row.proxyMs, 'sequential');
    const b = batchRow(table, row.case, row.stream, row.proxyMs, 'batch');
    const fl = batchRow(table, row.case, row.stream, row.proxyMs, 'floor');
    const cell = (r: typeof s) =>
      r ? `${f(r.medianMs, 1)} (${f(r.requestsPerChange, 2)})${r.failedBatches ? ` ⚠ ${r.failedBatches} failed` : ''}` : '–';
    lines.push(
      `| ${row.label} | ${row.stream} | ${row.proxyMs ? `+${row.proxyMs} ms` : 'none'} | ` +
        `${cell(s)} | ${cell(b)} | ${f(fl?.medianMs, 1)} | ` +
        `${s && b ? `${f(s.medianMs / b.medianMs)}×` : '–'} | ` +
        `${b && fl ? `${f(b.medianMs / fl.medianMs)}×` : '–'} | ${b ? b.recordsPerSecond : '–'} |`,
    );
  }
  const failures = table.rows.reduce((n, r) => n + (r.replayFailures ?? 0), 0);
  lines.push('');
  lines.push(
    `Floor replays whose ledger condition no longer held (the sequential run's reads came before them): ` +
      `${failures} requests over all rounds.`,
  );
  return lines;
}

/** Table 5: the configured mapping, the sequential handler in the same run, and the mapping without its window. */
function localStackSection(local: LocalStackTable): string[] {
  const lines: string[] = [];
  const s = local.configured?.sustained;
  const scans = (run: LocalStackRun | undefined) => run?.sustained?.costs?.['client Scan']?.count ?? 0;
  lines.push(
    `The ordersStream handler (its real actions: log, change log, customer stats with the applied-changes ledger, ` +
      `all on DynamoDB Local) in a fresh in-memory stack. ` +
      `Latency = from before PutItem to the handler's \`change received\` log line, ` +
      `${local.writes} writes at ${local.configured?.writeRatePerSecond ?? '?'}/s after one warm-up record. ` +
      `Sustained = ${s?.written ?? '?'} items written with BatchWriteItem as fast as it takes them, ` +
      `delivered / seconds from the first write until the last one reached the handler. ` +
      `**concurrent** = the handler as deployed (concurrency ${local.handlerConcurrency ?? '?'}, batch actions); ` +
      `**sequential** = the same actions one record after another, one request per action per record ` +
      `(\`bench/handlers/orders-stream-sequential.ts\`, the behaviour before), in the same run. ` +
      `TTL sweeper on (every ${s?.ttlIntervalMs ?? '?'} ms), with ${s?.prefilledPerTtlTable ?? '?'} items already in each TTL table; ` +
      `Scan requests during the sustained phases: ${scans(local.configured) + scans(local.sequential)}.`,
  );
  lines.push('');
  lines.push(
    '| mapping | handler | writes | latency median (ms) | p99 (ms) | max (ms) | first record (ms) |' +
      ' sustained records/s | written | delivered | lost | ÷ sequential |',
  );
  lines.push('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  const base = local.sequential?.sustained?.recordsPerSecond;
  for (const [name, handler, run] of [
    ['as in serverless.yml', 'concurrent', local.configured],
    ['as in serverless.yml', 'sequential', local.sequential],
    ['without the batching window', 'concurrent', local.noWindow],
  ] as const) {
    if (!run) continue;
    const sus = run.sustained;
    const latency = run.writes > 0;
    lines.push(
      `| ${name} (batchWindow: ${run.batchWindowSeconds}) | ${handler} | ${latency ? run.writes : '–'} | ` +
        `${latency ? f(run.latencyMedianMs, 0) : '–'} | ${latency ? f(run.latencyP99Ms, 0) : '–'} | ` +
        `${latency ? f(run.latencyMaxMs, 0) : '–'} | ${f(run.firstRecordMs, 0)} | ${f(sus?.recordsPerSecond, 0)} | ` +
        `${sus?.written ?? '–'} | ${sus?.delivered ?? '–'} | ${sus?.lost ?? '–'} | ` +
        `${sus && base ? `${f(sus.recordsPerSecond / base)}×` : '–'} |`,
    );
  }
  return lines;
}

/** The Markdown the README shows: the machine, one table per benchmark, the targets. */
export function renderMarkdown(bench: BenchResults): string {
  const m = bench.machine;
  const lines: string[] = [];
  lines.push(
    `Measured ${m.date.slice(0, 16).replace('T', ' ')} UTC on ${m.cpu}, ${m.cores} cores, Node ${m.node} (${m.platform}); ` +
      `load average ${m.loadAverageBefore.map((l) => l.toFixed(2)).join(' / ')} at the start, ` +
      `${m.loadAverageAfter.map((l) => l.toFixed(2)).join(' / ')} at the end; ` +
      `whole run ${bench.seconds.toFixed(0)} s.`,
  );
  lines.push('');

  const e2e = tableResult<TimingTable>(bench, 'end-to-end');
  lines.push('### 1. End to end per batch (`JSON.parse` of the event text + handler)');
  lines.push('');
  const big = (e2e?.isolated ?? e2e?.sideBySide)?.sizes.find((s) => s.size === '6MB');
  if (big) {
    lines.push(
      `Orders-like items of ${big.itemBytes.min}–${big.itemBytes.max} bytes (mean ${big.itemBytes.mean}, DynamoDB item size); ` +
        `the 6 MB batch holds ${big.records} records (${big.bytes} bytes of JSON: ${Object.entries(big.eventNames)
          .map(([k, v]) => `${v} ${k}`)
          .join(', ')}).`,
    );
    lines.push('');
  }
  timingSection(lines, e2e, 'floor', 'the `JSON.parse` floor');

  const handler = tableResult<TimingTable>(bench, 'handler-only');
  lines.push('### 2. Handler only (event already parsed)');
  lines.push('');
  timingSection(lines, handler, 'util-loop', 'the plain util-dynamodb loop');
  const hs = handler?.isolated?.sizes;
  if (hs) {
    lines.push(
      `**Equal work, each alone** (our dispatcher with an action that reads both images, as the util-dynamodb loop and ` +
        `Powertools build both): ${hs
          .map(
            (s) =>
              `${s.label}: ${f(ratio(s, 'dispatcher-images', 'util-loop'))}× the util-dynamodb loop, ` +
              `${f(ratio(s, 'powertools', 'dispatcher-images'))}× faster than Powertools`,
          )
          .join('; ')}. ` +
        `The lazy row does less work (its action reads no image) and is shown only to price the dispatch itself.`,
    );
    lines.push('');
  }
  const equality = handler?.sideBySide?.equality;
  if (equality) {
    lines.push(
      `Equality: the dispatcher's keys and images for all ${equality.images} attribute maps of the 6 MB batch ` +
        `${equality.identical ? 'are identical to' : '**differ from**'} util-dynamodb's \`unmarshall\`` +
        `${equality.identical ? '' : ` (${equality.mismatches.join(', ')})`}.`,
    );
    lines.push('');
  }

  const memory = tableResult<MemoryTable>(bench, 'memory');
  lines.push('### 3. Memory (one process per variant, 6 MB batch)');
  lines.push('');
  if (memory) {
    lines.push(
      `${memory.records} records, ${memory.bytes} bytes of JSON. ` +
        `Peak RSS = \`process.resourceUsage().maxRSS\` after one batch; ` +
        `growth = peak minus the RSS before it (event text already in memory). ` +
        `Heap retained = \`heapUsed\` after three full GCs, each followed by a turn of the event loop, ` +
        'minus the baseline before the first invocation.',
    );
    lines.push('');
    lines.push('| variant | peak RSS (MB) | RSS growth (MB) | heap retained after 1 (MB) | after 10 (MB) | max of the 10 (MB) |');
    lines.push('| --- | ---: | ---: | ---: | ---: | ---: |');
    for (const v of memory.variants) {
      lines.push(
        `| ${LABELS[v.variant] ?? v.variant} | ${f(v.peakRssMB, 1)} | ${f(v.peakRssGrowthMB, 1)} | ` +
          `${f(v.heapRetainedAfterFirstMB, 3)} | ${f(v.heapRetainedAfterTenMB, 3)} | ${f(v.heapRetainedMaxMB, 3)} |`,
      );
    }
  } else lines.push('not measured (the table failed; see the run output)');
  lines.push('');

  const cold = tableResult<ColdStartTable>(bench, 'cold-start');
  lines.push('### 4. Cold start (deploy bundle, minified)');
  lines.push('');
  if (cold) {
    lines.push(
      `Bundled with custom.esbuild of serverless.yml plus \`minify: true\`. Zip ≈ gzip of bundle + source map. ` +
        `Load = median wall time of \`node -e "require(bundle)"\` over ${cold.functions[0]?.runs ?? '?'} fresh processes, ` +
        `in the function's environment (NODE_OPTIONS=${cold.functions[0]?.nodeOptions || 'none'}), against \`node -e 0\`.`,
    );
    lines.push('');
    lines.push(
      '| function | bundle (KiB) | source map (KiB) | zip ≈ (KiB) | `node -e 0` (ms) | load bundle (ms) |' +
        ' load − empty (ms) | load − empty, no source maps (ms) |',
    );
    lines.push('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const c of cold.functions) {
      lines.push(
        `| ${c.function} | ${kib(c.bundleBytes)} | ${kib(c.sourceMapBytes)} | ${kib(c.zipBytesApprox)} | ${f(c.nodeEmptyMs, 1)} | ` +
          `${f(c.loadMs, 1)} | ${f(c.loadOverEmptyMs, 1)} | ${f(c.loadNoSourceMapsOverEmptyMs, 1)} |`,
      );
    }
  } else lines.push('not measured (the table failed; see the run output)');
  lines.push('');

  const local = tableResult<LocalStackTable>(bench, 'local-stack');
  lines.push('### 5. Local stack (write → handler through the local event-source mapping)');
  lines.push('');
  if (local?.measured) lines.push(...localStackSection(local));
  else lines.push(`not measured (${local?.reason ?? 'the table failed or was not run'})`);
  lines.push('');

  const batch = tableResult<BatchActionsTable>(bench, 'batch-actions');
  lines.push('### 6. Batch with real actions on DynamoDB Local');
  lines.push('');
  if (batch) lines.push(...batchActionsSection(batch));
  else lines.push('not measured (the table failed or was not run)');
  lines.push('');

  lines.push('### Targets');
  lines.push('');
  lines.push('| target | measured | met |');
  lines.push('| --- | --- | --- |');
  for (const t of bench.targets)
    lines.push(`| ${t.target} | ${t.measured} | ${t.met === undefined ? 'not measured' : t.met ? 'met' : '**missed**'} |`);
  lines.push('');
  const run = e2e?.isolated ?? e2e?.sideBySide;
  if (run) {
    lines.push(
      `Notes: ${run.loggerNote}. Clock: ${
        run.clock === 'cpu'
          ? 'process CPU time (user + system, all threads), ' + 'which does not count time other processes hold the cores'
          : 'wall time'
      }. ` +
        `Benchmarks bundled with esbuild (node target, not minified) and run with \`node --expose-gc\`; ` +
        `mitata with a warm-up round, then 4 rounds in shuffled order; medians over all samples.`,
    );
  }
  lines.push('');
  return lines.join('\n');
}
