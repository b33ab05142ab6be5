import { describe, expect, it } from 'vitest';
import { offsetClock } from '../../lib/local/engine/clock.js';
import type { StreamMappingSettings } from '../../lib/mapping/settings.js';
import { localClient } from '../support/dynamodb.js';
import { createHarness, createStreamTable, putItem, testSettings } from './harness.js';
import { startedHarnesses } from './started-harnesses.js';

const client = localClient();
const started = startedHarnesses();

describe('iterator age (Lambda IteratorAge) on DynamoDB Local', () => {
  it('reports a small iterator age per invocation and does not warn while the mapping keeps up', async () => {
    // Prepare
    const { tableName } = await createStreamTable(client);
    const harness = await started(createHarness(testSettings(tableName, { batchSize: 1 })));
    // Act
    for (const id of ['a1', 'a2']) await putItem(client, tableName, { id });
    await harness.mapping.drain();
    // Assess
    const invocations = harness.eventsOf('invocation');
    expect(invocations).toHaveLength(2);
    for (const event of invocations) {
      expect(event.iteratorAgeMs).toBeGreaterThanOrEqual(0);
      expect(event.iteratorAgeMs).toBeLessThan(10_000);
    }
    expect(harness.eventsOf('outcome').map((event) => event.iteratorAgeMs)).toEqual(invocations.map((event) => event.iteratorAgeMs));
    expect(harness.logs.filter((line) => line.outcome === 'ok').every((line) => typeof line.iteratorAgeMs === 'number')).toBe(true);
    expect(harness.eventsOf('iteratorAgeWarning')).toEqual([]);
  });

  it('warns once (rate-limited) when the iterator age passes the threshold: five minutes behind, three batches', async () => {
    // Prepare: the engine's clock runs five minutes ahead of the records' creation times.
    const { tableName } = await createStreamTable(client);
    const harness = await started(
      createHarness(testSettings(tableName, { batchSize: 1 }), undefined, { clock: offsetClock(() => 300_000) }),
    );
    // Act
    for (const id of ['b1', 'b2', 'b3']) await putItem(client, tableName, { id });
    await harness.mapping.drain();
    // Assess
    const ages = harness.eventsOf('invocation').map((event) => event.iteratorAgeMs!);
    expect(ages).toHaveLength(3);
    // DynamoDB Local stamps creation times to the minute: the estimate may be up to 59 s late, never early.
    for (const age of ages) expect(age).toBeGreaterThan(240_000);
    const warnings = harness.eventsOf('iteratorAgeWarning');
    expect(warnings).toEqual([
      {
        type: 'iteratorAgeWarning',
        functionName: 'testFunction',
        shardId: expect.stringMatching(/^shardId-/),
        iteratorAgeMs: ages[0],
        thresholdMs: 60_000,
      },
    ]);
    expect(harness.logs.filter((line) => line.level === 'warn' && line.iteratorAgeMs === ages[0])).toHaveLength(1);
  });

  it('takes its threshold from the mapping option', async () => {
    // Prepare: the function holds the second record two seconds; the third waits behind it.
    const { tableName } = await createStreamTable(client);
    const harness = await started(
      createHarness(
        testSettings(tableName, { batchSize: 1 }),
        async (event) => {
          if (event.Records[0]!.dynamodb.Keys.id!.S === 'c2') await new Promise((resolve) => setTimeout(resolve, 2_000));
        },
        { iteratorAgeWarningMs: 1_000 },
      ),
    );
    // Act
    for (const id of ['c1', 'c2', 'c3']) await putItem(client, tableName, { id });
    await harness.mapping.drain();
    // Assess
    const c3 = harness.eventsOf('invocation').find((event) => event.firstSequenceNumber === harness.invocations[2]!.sequenceNumbers[0])!;
    expect(c3.iteratorAgeMs).toBeGreaterThan(1_000);
    expect(harness.eventsOf('iteratorAgeWarning')).toEqual([
      expect.objectContaining({ iteratorAgeMs: c3.iteratorAgeMs, thresholdMs: 1_000 }),
    ]);
  });
});

describe('on-failure destinations on DynamoDB Local', () => {
  it.each<[string, Partial<StreamMappingSettings>, boolean]>([
    [
      'an S3 bucket also receives the invoked records',
      { onFailureDestination: 'arn:aws:s3:::failed-batches', onFailureDestinationType: 's3' },
      true,
    ],
    [
      'an SQS queue receives metadata only',
      { onFailureDestination: 'arn:aws:sqs:us-east-1:123456789012:dlq', onFailureDestinationType: 'sqs' },
      false,
    ],
  ])('%s', async (_name, destination, withRecords) => {
    // Prepare
    const { tableName } = await createStreamTable(client);
    const settings = testSettings(tableName, { maximumRetryAttempts: 0, batchWindowSeconds: 1, ...destination });
    const harness = await started(
      createHarness(settings, () => {
        throw new Error('always failing');
      }),
    );
    // Act
    for (const id of ['d1', 'd2']) await putItem(client, tableName, { id, title: 'Dune' });
    await harness.mapping.drain();
    // Assess
    const [entry, ...others] = await harness.deadLetters.list('testFunction');
    expect(others).toEqual([]);
    expect(entry!.destination).toBe(destination.onFailureDestination);
    expect(entry!.payload.DDBStreamBatchInfo).toMatchObject({
      batchSize: 2,
      startSequenceNumber: harness.invocations[0]!.sequenceNumbers[0],
    });
    if (withRecords) expect(entry!.payload.payload).toEqual({ Records: harness.invocations[0]!.event.Records });
    else expect(entry!.payload).not.toHaveProperty('payload');
    expect(harness.eventsOf('deadLetter')).toEqual([
      expect.objectContaining({ deadLetterId: entry!.id, destination: destination.onFailureDestination, batchSize: 2 }),
    ]);
  });
});
