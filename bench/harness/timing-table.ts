import type { DynamoDBStreamEvent } from 'aws-lambda';
import { DEFAULT_SEED } from '../generate/orders-event.js';
import { createRandom } from '../generate/random.js';
import { clockFromEnv, compare, type CaseStats } from './compare.js';
import { BATCH_SIZES, batchText } from './sizes.js';
import { log, QUICK } from './table-main.js';
import { LOGGER_NOTE, sink, variantById, type Variant } from './variants.js';

export type TimingMode = 'end-to-end' | 'handler-only';

export interface TimingSize {
  readonly size: string;
  readonly label: string;
  readonly records: number;
  readonly bytes: number;
  readonly images: number;
  readonly eventNames: Record<string, number>;
  readonly itemBytes: { min: number; max: number; mean: number };
  readonly variants: CaseStats[];
}

/** Variant ids from the command line (`a,b,c`), or all of `defaults`. */
export function selectedVariants(defaults: readonly Variant[]): Variant[] {
  const arg = process.argv[3];
  return arg ? arg.split(',').map(variantById) : [...defaults];
}

/**
 * Times `variants` on the three batch sizes in this process. End to end, each sample parses the event
 * text (what the Lambda runtime does) and runs the handler; handler only, the handler runs on one event
 * parsed beforehand. Only the text (and the parsed event) stay alive during the runs, as in Lambda.
 */
export async function timeVariants(mode: TimingMode, variants: readonly Variant[]) {
  const clock = clockFromEnv();
  const random = createRandom(DEFAULT_SEED ^ (mode === 'end-to-end' ? 0x5eed : 0xface));
  const sizes: TimingSize[] = [];
  for (const size of BATCH_SIZES) {
    const { json, ...generated } = batchText(size);
    // Parsed from the text, as Lambda hands it over: the generator's own objects have other hidden classes.
    const parsed = mode === 'handler-only' ? (JSON.parse(json) as DynamoDBStreamEvent) : undefined;
    const cases = variants.map((variant) => ({
      id: variant.id,
      fn:
        parsed === undefined
          ? async () => {
              sink.value = await variant.handle(JSON.parse(json) as DynamoDBStreamEvent);
            }
          : async () => {
              sink.value = await variant.handle(parsed);
            },
    }));
    log(`${mode} ${size.label} (${generated.records} records, ${generated.bytes} bytes): ${variants.map((v) => v.id).join(', ')}`);
    const stats = await compare(cases, { clock, rounds: QUICK ? 2 : 4, roundCpuMs: QUICK ? 150 : 300, random });
    sizes.push({ size: size.id, label: size.label, ...generated, variants: stats });
  }
  return { clock, loggerNote: LOGGER_NOTE, variants: variants.map((v) => v.id), sizes };
}
