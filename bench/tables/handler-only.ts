import { isDeepStrictEqual } from 'node:util';
import type { AttributeValue as SdkAttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import type { Change } from '../../lib/runtime/change/types.js';
import { processBatch } from '../../lib/runtime/dispatch/process-batch.js';
import { comparable } from '../../test/support/comparable.js';
import { generateOrdersEvent, INVOCATION_CAP_BYTES } from '../generate/orders-event.js';
import { selectedVariants, timeVariants } from '../harness/timing-table.js';
import { log, tableMain } from '../harness/table-main.js';
import { benchLogger, DISPATCHER, DISPATCHER_IMAGES, POWERTOOLS, UTIL_LOOP } from '../harness/variants.js';

type SdkImage = Record<string, SdkAttributeValue>;

/**
 * Runs the dispatcher over the event with an action that keeps every change, and compares keys and
 * images with util-dynamodb's `unmarshall` of the same attribute values.
 */
async function checkEquality(event: DynamoDBStreamEvent) {
  const changes: Change[] = [];
  const response = await processBatch(event, {
    actions: [{ name: 'collect', handle: (change) => void changes.push(change) }],
    logger: benchLogger,
  });
  const mismatches: string[] = [];
  let images = 0;
  if (response.batchItemFailures.length > 0 || changes.length !== event.Records.length)
    mismatches.push(`dispatcher stopped: ${JSON.stringify(response)}`);
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
      // By content: our maps have no prototype, util-dynamodb's have Object's (test/support/comparable.ts).
      if (!isDeepStrictEqual(comparable(ours), comparable(theirs))) mismatches.push(`Records[${i}].dynamodb.${name}`);
    }
  });
  return { images, identical: mismatches.length === 0, mismatches: mismatches.slice(0, 10) };
}

/*
 * Table 2, handler only: the handlers on an already parsed event (side by side, or the variants named on
 * the command line). The side-by-side run also checks the dispatcher's output against util-dynamodb.
 */
tableMain('handler-only', async () => {
  const variants = selectedVariants([UTIL_LOOP, POWERTOOLS, DISPATCHER_IMAGES, DISPATCHER]);
  const timing = await timeVariants('handler-only', variants);
  if (variants.length === 1) return timing;
  // Last, so that its extra action cannot change what the timed runs see.
  const equality = await checkEquality(JSON.parse(generateOrdersEvent({ maxBytes: INVOCATION_CAP_BYTES }).json) as DynamoDBStreamEvent);
  log(
    `equality with util-dynamodb over ${equality.images} attribute maps of the 6 MB event: ` +
      `${equality.identical ? 'identical' : 'DIFFERENT'}`,
  );
  return { ...timing, equality };
});
