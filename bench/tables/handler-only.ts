import { isDeepStrictEqual } from 'node:util';
import type { AttributeValue as SdkAttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import type { Change } from '../../lib/change/types.js';
import { processBatch } from '../../lib/dispatch/process-batch.js';
import { createRandom } from '../generate/random.js';
import { DEFAULT_SEED, generateOrdersEvent, INVOCATION_CAP_BYTES } from '../generate/orders-event.js';
import { compare } from '../harness/compare.js';
import { BATCH_SIZES, batchText } from '../harness/sizes.js';
import { log, QUICK, tableMain } from '../harness/table-main.js';
import { benchLogger, DISPATCHER, LOGGER_NOTE, POWERTOOLS, sink, UTIL_LOOP } from '../harness/variants.js';

type SdkImage = Record<string, SdkAttributeValue>;

/**
 * Runs the dispatcher over the event with an action that keeps every change, and compares keys and
 * images with util-dynamodb's `unmarshall` of the same attribute values.
 */
async function checkEquality(event: DynamoDBStreamEvent) {
  const changes: Change[] = [];
  const response = await processBatch(event, { actions: [{ name: 'collect', handle: (change) => void changes.push(change) }], logger: benchLogger });
  const mismatches: string[] = [];
  let images = 0;
  if (response.batchItemFailures.length > 0 || changes.length !== event.Records.length) mismatches.push(`dispatcher stopped: ${JSON.stringify(response)}`);
  changes.forEach((change, i) => {
    const d = event.Records[i]!.dynamodb!;
    const pairs: [string, unknown, SdkImage | undefined][] = [
      ['Keys', change.keys, d.Keys as SdkImage],
      ['NewImage', change.newImage, d.NewImage as SdkImage | undefined],
      ['OldImage', change.oldImage, d.OldImage as SdkImage | undefined],
    ];
    for (const [name, ours, raw] of pairs) {
      const theirs = raw === undefined ? undefined : unmarshall(raw);
      if (raw !== undefined) images++;
      if (!isDeepStrictEqual(ours, theirs)) mismatches.push(`Records[${i}].dynamodb.${name}`);
    }
  });
  return { images, identical: mismatches.length === 0, mismatches: mismatches.slice(0, 10) };
}

/* Table 2, handler only: the same handlers on an already parsed event, side by side in this one process. */
tableMain('handler-only', async () => {
  const random = createRandom(DEFAULT_SEED ^ 0xface);
  const variants = [UTIL_LOOP, POWERTOOLS, DISPATCHER];
  const sizes = [];
  for (const size of BATCH_SIZES) {
    const { json, ...generated } = batchText(size);
    // Parsed, as Lambda hands it over: objects built by the generator have other hidden classes.
    const event = JSON.parse(json) as DynamoDBStreamEvent;
    const cases = variants.map((variant) => ({
      id: variant.id,
      fn: async () => {
        sink.value = await variant.handle(event);
      },
    }));
    log(`handler-only ${size.label}: ${generated.records} records`);
    const stats = await compare(cases, { rounds: QUICK ? 2 : 5, roundCpuMs: QUICK ? 150 : 400, random });
    const util = stats.find((s) => s.id === 'util-loop')!.medianNs;
    const powertools = stats.find((s) => s.id === 'powertools')!.medianNs;
    sizes.push({
      size: size.id,
      label: size.label,
      records: generated.records,
      bytes: generated.bytes,
      variants: stats.map((s) => ({
        ...s,
        usPerRecord: s.medianNs / 1000 / generated.records,
        ratioToUtilLoop: s.medianNs / util,
        speedupOverPowertools: powertools / s.medianNs,
      })),
    });
  }
  // Last, so that its extra action cannot change what the timed runs see.
  const equality = await checkEquality(JSON.parse(generateOrdersEvent({ maxBytes: INVOCATION_CAP_BYTES }).json) as DynamoDBStreamEvent);
  log(`equality with util-dynamodb over ${equality.images} attribute maps of the 6 MB event: ${equality.identical ? 'identical' : 'DIFFERENT'}`);
  return { loggerNote: LOGGER_NOTE, equality, sizes };
});
