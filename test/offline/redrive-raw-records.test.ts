import { PutItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import type { EventSourceMapping } from '../../lib/local/engine/event-source-mapping.js';
import type { LambdaStreamRecord } from '../../lib/mapping/lambda-record.js';
import { redriveEntry } from '../../lib/tools/redrive/redrive.js';
import { localClient } from '../support/dynamodb.js';
import { createHarness, createStreamTable, localStreamsClient, testSettings } from './harness.js';

const client = localClient();
const running: EventSourceMapping[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((mapping) => mapping.stop()));
});

// JSON.parse makes `__proto__` an own attribute name, as DynamoDB has it; an object literal would set the prototype.
const oddItem = (): Record<string, AttributeValue> =>
  JSON.parse('{"id":{"S":"odd"},"__proto__":{"S":"p"},"constructor":{"S":"c"},"nested":{"M":{"__proto__":{"L":[{"B":"/w=="}]}}}}');

describe('redrive reads the raw GetRecords body, as the engine does', () => {
  it('redrives an item with attributes named __proto__ and constructor exactly as it was delivered', async () => {
    // Prepare: the function fails on the item once; the mapping gives it up to the dead-letter store.
    const { tableName } = await createStreamTable(client);
    const harness = createHarness(testSettings(tableName, { maximumRetryAttempts: 0 }), () => {
      throw new Error('failing');
    });
    running.push(harness.mapping);
    await harness.mapping.start();
    await client.send(new PutItemCommand({ TableName: tableName, Item: oddItem() }));
    await harness.mapping.drain();
    const [entry] = await harness.deadLetters.list('testFunction');
    const redriven: LambdaStreamRecord[] = [];
    // Act
    const result = await redriveEntry({
      entry: { id: entry!.id, payload: entry!.payload },
      streams: localStreamsClient(),
      localDynamoDB: client,
      handler: async (event) => {
        redriven.push(...event.Records);
        return undefined;
      },
    });
    // Assess
    expect(result).toEqual({ records: 1, delivered: 1, invocations: 1 });
    const image = redriven[0]!.dynamodb.NewImage!;
    expect(Object.getOwnPropertyDescriptor(image, '__proto__')?.value).toEqual({ S: 'p' });
    expect(Object.getOwnPropertyDescriptor((image.nested as { M: object }).M, '__proto__')?.value).toEqual({ L: [{ B: '/w==' }] });
    expect(image.constructor).toEqual({ S: 'c' });
    expect(redriven[0]!.dynamodb.Keys).toEqual(harness.invocations[0]!.event.Records[0]!.dynamodb.Keys);
    expect(JSON.stringify(redriven[0]!.dynamodb.NewImage)).toBe(
      JSON.stringify(harness.invocations[0]!.event.Records[0]!.dynamodb.NewImage),
    );
  });
});
