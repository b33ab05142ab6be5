import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { batchPutItems } from '../../lib/runtime/dynamodb/batch-write-items.js';

/** The cloud's side only: a BatchWriteItem answer whose UnprocessedItems name an item the caller never sent. */
const answering = (unprocessedKey: string) => {
  let calls = 0;
  const client = {
    send: async () => {
      calls++;
      return { UnprocessedItems: { t: [{ PutRequest: { Item: { pk: { S: unprocessedKey } } } }] } };
    },
  } as unknown as DynamoDBClient;
  return { client, calls: () => calls };
};

describe('batchPutItems', () => {
  it('never lets an unprocessed item vanish: one it cannot match keeps every item pending, then fails them all', async () => {
    // Prepare
    const { client, calls } = answering('not-one-of-ours');
    const items = [{ pk: { S: 'a' } }, { pk: { S: 'b' } }];
    // Act
    const failures = await batchPutItems(client, 't', items, { keyOf: (item) => item.pk!.S!, maxAttempts: 2 });
    // Assess
    expect(failures.map((failure) => failure.index).sort()).toEqual([0, 1]);
    expect(calls()).toBe(2);
  });
});
