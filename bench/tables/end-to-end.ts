import { createRandom } from '../generate/random.js';
import { DEFAULT_SEED } from '../generate/orders-event.js';
import { compare } from '../harness/compare.js';
import { BATCH_SIZES, batchText } from '../harness/sizes.js';
import { log, QUICK, tableMain } from '../harness/table-main.js';
import { ALL_VARIANTS, LOGGER_NOTE, sink } from '../harness/variants.js';

/*
 * Table 1, end to end per batch: JSON.parse of the event text (what the Lambda runtime does) plus the
 * handler, for every variant, side by side in this one process.
 */
tableMain('end-to-end', async () => {
  const random = createRandom(DEFAULT_SEED ^ 0x5eed);
  const sizes = [];
  for (const size of BATCH_SIZES) {
    // Only the text stays alive during the runs, as in Lambda.
    const { json, ...generated } = batchText(size);
    const cases = ALL_VARIANTS.map((variant) => ({
      id: variant.id,
      fn: async () => {
        sink.value = await variant.handle(JSON.parse(json));
      },
    }));
    log(`end-to-end ${size.label}: ${generated.records} records, ${generated.bytes} bytes`);
    const stats = await compare(cases, { rounds: QUICK ? 2 : 5, roundCpuMs: QUICK ? 150 : 400, random });
    const floor = stats.find((s) => s.id === 'floor')!.medianNs;
    sizes.push({
      size: size.id,
      label: size.label,
      records: generated.records,
      bytes: generated.bytes,
      images: generated.images,
      eventNames: generated.eventNames,
      itemBytes: generated.itemBytes,
      variants: stats.map((s) => ({
        ...s,
        usPerRecord: s.medianNs / 1000 / generated.records,
        ratioToFloor: s.medianNs / floor,
      })),
    });
  }
  return { loggerNote: LOGGER_NOTE, sizes };
});
