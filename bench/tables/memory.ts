import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateOrdersEvent, INVOCATION_CAP_BYTES } from '../generate/orders-event.js';
import { log, tableMain } from '../harness/table-main.js';
import { ALL_VARIANTS, LOGGER_NOTE } from '../harness/variants.js';

/*
 * Table 3, memory: each variant in a process of its own (memory-worker), so that one variant's peak
 * cannot hide another's. The event text is written to a file first, so generating it does not count.
 */
tableMain('memory', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-memory-'));
  try {
    const generated = generateOrdersEvent({ maxBytes: INVOCATION_CAP_BYTES });
    const eventFile = join(dir, 'event-6mb.json');
    writeFileSync(eventFile, generated.json);
    const worker = join(__dirname, 'memory-worker.cjs');
    const variants = [];
    for (const variant of ALL_VARIANTS) {
      const out = join(dir, `${variant.id}.json`);
      const child = spawnSync(process.execPath, ['--expose-gc', worker, variant.id, eventFile, out], {
        stdio: ['ignore', 'inherit', 'inherit'],
      });
      if (child.status !== 0) throw new Error(`memory worker for ${variant.id} exited with ${child.status ?? child.signal}`);
      const result = JSON.parse(readFileSync(out, 'utf8')) as Record<string, unknown>;
      log(
        `memory ${variant.id}: peak RSS ${(result.peakRssMB as number).toFixed(1)} MB, ` +
          `heap after 10 ${(result.heapRetainedAfterTenMB as number).toFixed(3)} MB`,
      );
      variants.push(result);
    }
    return { loggerNote: LOGGER_NOTE, records: generated.records, bytes: generated.bytes, invocations: 10, variants };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
