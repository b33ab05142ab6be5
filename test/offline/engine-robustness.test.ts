import { PutItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { localClient } from '../support/dynamodb.js';
import { createHarness, createStreamTable, putItem, testSettings, waitFor, type Harness } from './harness.js';
import { startedHarnesses } from './started-harnesses.js';

const client = localClient();
const started = startedHarnesses();

const deliveredIds = (harness: Harness) => harness.invocations.flatMap((invocation) => invocation.ids);

// JSON.parse makes `__proto__` an own attribute name, as DynamoDB has it; an object literal would set the prototype.
const oddImageJson =
  '{"id":{"S":"odd"},"__proto__":{"S":"p"},"constructor":{"S":"c"},"toString":{"N":"1"},' +
  '"bytes":{"B":"AAEC/w=="},"set":{"BS":["AQ==","Ag=="]},"nested":{"M":{"__proto__":{"L":[{"B":"/w=="}]}}}}';

describe('one record never stalls a shard (issue 9 finding 11)', () => {
  it('delivers an item with attributes __proto__, constructor and binaries exactly, and the items after it', async () => {
    // Prepare
    const { tableName } = await createStreamTable(client);
    const harness = await started(createHarness(testSettings(tableName, { batchSize: 1 })));
    const item = JSON.parse(oddImageJson) as Record<string, AttributeValue>;
    item.bytes = { B: new Uint8Array([0, 1, 2, 255]) };
    item.set = { BS: [new Uint8Array([1]), new Uint8Array([2])] };
    // Act
    await client.send(new PutItemCommand({ TableName: tableName, Item: item }));
    await putItem(client, tableName, { id: 'after-1' });
    await putItem(client, tableName, { id: 'after-2' });
    await harness.mapping.drain();
    // Assess
    expect(deliveredIds(harness)).toEqual(['odd', 'after-1', 'after-2']);
    const image = harness.invocations[0]!.event.Records[0]!.dynamodb.NewImage!;
    expect(image).toEqual(JSON.parse(oddImageJson));
    expect(Object.getOwnPropertyDescriptor(image, '__proto__')?.value).toEqual({ S: 'p' });
    expect(Object.getOwnPropertyDescriptor(image.nested.M, '__proto__')?.value).toEqual({ L: [{ B: '/w==' }] });
    expect(await harness.deadLetters.list()).toEqual([]);
  });

  it('dead-letters a record it cannot deliver (larger than the invocation payload limit) with the reason, and moves on', async () => {
    // Prepare: a 2 KB limit (6 MB on Lambda) makes one 3 KB record undeliverable.
    const { tableName } = await createStreamTable(client);
    const harness = await started(createHarness(testSettings(tableName, { batchSize: 10 }), undefined, { maxPayloadBytes: 2_000 }));
    // Act
    await putItem(client, tableName, { id: 'small-1' });
    await putItem(client, tableName, { id: 'huge', blob: 'x'.repeat(3_000) });
    await putItem(client, tableName, { id: 'small-2' });
    await harness.mapping.drain();
    // Assess
    expect(deliveredIds(harness)).toEqual(['small-1', 'small-2']);
    const entries = await harness.deadLetters.list();
    expect(entries).toHaveLength(1);
    expect(entries[0]!.reason).toMatch(/invocation payload limit/);
    expect(entries[0]!.payload.DDBStreamBatchInfo.batchSize).toBe(1);
    const delivered = harness.invocations.flatMap((invocation) => invocation.sequenceNumbers).map(BigInt);
    const dead = BigInt(entries[0]!.payload.DDBStreamBatchInfo.startSequenceNumber);
    expect(delivered[0]! < dead && dead < delivered[1]!).toBe(true);
  });
});

describe('fidelity (issue 12)', () => {
  it('delivers ApproximateCreationDateTime to the second, in the record and in the on-failure payload (gap 1)', async () => {
    // Prepare
    const { tableName } = await createStreamTable(client);
    const received: number[] = [];
    const harness = await started(
      createHarness(testSettings(tableName, { batchSize: 1, maximumRetryAttempts: 0 }), (event) => {
        received.push(Date.now());
        if (event.Records[0]!.dynamodb.Keys.id!.S === 'fails') throw new Error('fails on purpose');
      }),
    );
    // Act
    const writtenAt = Date.now();
    await putItem(client, tableName, { id: 'ok' });
    await putItem(client, tableName, { id: 'fails' });
    await harness.mapping.drain();
    // Assess
    const records = harness.invocations.map((invocation) => invocation.event.Records[0]!);
    const lowest = Math.floor(writtenAt / 1000) - 1;
    records.forEach((record, index) => {
      const created = record.dynamodb.ApproximateCreationDateTime;
      expect(Number.isInteger(created)).toBe(true);
      expect(created).toBeGreaterThanOrEqual(lowest);
      expect(created * 1000).toBeLessThanOrEqual(received[index]!);
    });
    const [entry] = await harness.deadLetters.list();
    const failed = records[1]!.dynamodb.ApproximateCreationDateTime;
    const iso = new Date(failed * 1000).toISOString().replace('.000Z', 'Z');
    expect(entry!.payload.DDBStreamBatchInfo).toMatchObject({ approximateArrivalOfFirstRecord: iso, approximateArrivalOfLastRecord: iso });
  });

  it('names the deployed function in the on-failure payload (gap 2)', async () => {
    // Prepare
    const { tableName } = await createStreamTable(client);
    const settings = testSettings(tableName, {
      functionName: 'booksStream',
      deployedName: 'ddb-streams-local-booksStream',
      maximumRetryAttempts: 0,
    });
    const harness = await started(
      createHarness(settings, () => {
        throw new Error('fails on purpose');
      }),
    );
    // Act
    await putItem(client, tableName, { id: 'a' });
    await harness.mapping.drain();
    // Assess
    const [entry] = await harness.deadLetters.list();
    expect(entry!.functionName).toBe('booksStream');
    expect(entry!.payload.requestContext.functionArn).toBe('arn:aws:lambda:us-east-1:123456789012:function:ddb-streams-local-booksStream');
  });

  it('retries a tumbling-window batch whose response has no state (gap 3)', async () => {
    // Prepare: the first answer forgets the state, the second carries it.
    const { tableName } = await createStreamTable(client);
    const harness = await started(
      createHarness(testSettings(tableName, { batchSize: 10, tumblingWindowInSeconds: 60 }), (event, call) =>
        call === 1 ? { batchItemFailures: [] } : { state: { seen: ((event.state as { seen?: number }).seen ?? 0) + event.Records.length } },
      ),
    );
    // Act
    await putItem(client, tableName, { id: 'w1' });
    await waitFor(() => harness.invocations.length >= 2, 'the retried invocation');
    await harness.mapping.stop();
    // Assess
    const [first, second] = harness.invocations;
    expect(second!.sequenceNumbers).toEqual(first!.sequenceNumbers);
    expect(second!.event.state).toEqual({});
    expect(harness.eventsOf('outcome').filter((event) => event.outcome === 'ok')).toHaveLength(1);
  });
});
