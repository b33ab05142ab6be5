import { describe, expect, it } from 'vitest';
import { createStreamHandler } from '../../lib/runtime/dispatch/stream-handler.js';
import { createLogger } from '../../lib/runtime/logging/logger.js';

/*
 * DynamoDB nests at most 32 levels, so a record nested thousands of levels deep is malformed input.
 * The recursive unmarshaller then overflows the stack: the record is reported as failed (nothing is
 * acknowledged), but the log says only "RangeError: Maximum call stack size exceeded", naming no field.
 * This test states the wanted behaviour: a MalformedRecordError naming the record and the attribute.
 */
describe('a record nested far beyond DynamoDB limit of 32 levels', () => {
  it.each([3_000, 10_000])('at depth %i fails with a clear error naming the record and field', async (depth) => {
    // Prepare
    let deep: unknown = { S: 'bottom' };
    for (let d = 0; d < depth; d++) deep = { M: { n: deep } };
    const event = {
      Records: [
        {
          eventName: 'INSERT',
          eventSourceARN: 'arn:aws:dynamodb:us-east-1:123456789012:table/books-deep/stream/2026-01-01T00:00:00.000',
          dynamodb: { SequenceNumber: '100000000000000000100', Keys: { isbn: { S: '1' } }, NewImage: { isbn: { S: '1' }, deep } },
        },
      ],
    };
    const lines: string[] = [];
    let called = 0;
    const handler = createStreamHandler({
      actions: [{ name: 'count', handle: () => void called++ }],
      logger: createLogger({ write: (line) => lines.push(line) }),
    });

    // Act
    const response = await handler(event as never);

    // Assess: nothing acknowledged (already true) and a clear error (the part that fails today).
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: '100000000000000000100' }] });
    expect(called).toBe(0);
    const line = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.message === 'malformed record');
    expect(line?.errorName).toBe('MalformedRecordError');
    expect(String(line?.errorMessage)).toMatch(/^Record 0: dynamodb\.NewImage\.deep/);
  });
});
