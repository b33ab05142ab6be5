import { DeleteMessageCommand, GetQueueUrlCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { sqsDeadLetterSource } from '../../lib/tools/redrive/dead-letter-source.js';
import { failurePayload } from '../factories/failure-payload.js';

/*
 * The AWS side of redrive reads the SQS on-failure queue. SQS cannot run here (no AWS account, no
 * local SQS), so this test stands in a queue that answers the three calls the source makes; it shows
 * the message handling (parse the on-failure payload, delete by receipt handle only after success),
 * not SQS itself.
 */
function fakeQueue(bodies: string[]) {
  const calls: string[] = [];
  let pending = bodies.map((body, i) => ({ MessageId: `m${i}`, ReceiptHandle: `r${i}`, Body: body }));
  const sqs = {
    async send(command: unknown) {
      if (command instanceof GetQueueUrlCommand) {
        calls.push(`GetQueueUrl ${command.input.QueueName}`);
        return { QueueUrl: `https://sqs.example/${command.input.QueueName}` };
      }
      if (command instanceof ReceiveMessageCommand) {
        calls.push(`Receive max ${command.input.MaxNumberOfMessages} visibility ${command.input.VisibilityTimeout}`);
        const batch = pending.slice(0, command.input.MaxNumberOfMessages ?? 1);
        pending = pending.slice(batch.length);
        return { Messages: batch };
      }
      if (command instanceof DeleteMessageCommand) {
        calls.push(`Delete ${command.input.ReceiptHandle}`);
        return {};
      }
      throw new Error(`unexpected command ${(command as object).constructor.name}`);
    },
  };
  return { sqs: sqs as unknown as SQSClient, calls };
}

const payload = (n: number) =>
  failurePayload({
    start: `${n}00`,
    end: `${n}09`,
    batchSize: 10,
    requestId: `req-${n}`,
    functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:ddb-streams-dev-booksStream',
    approximateInvokeCount: 6,
    timestamp: '2026-11-24T10:00:00.000Z',
    arrivals: ['2026-11-24T09:59:00Z', '2026-11-24T09:59:01Z'],
    shardId: 'shardId-00000001',
    streamArn: 'arn:aws:dynamodb:us-east-1:123456789012:table/books-dev/stream/2026-11-01T00:00:00.000',
  });

describe('the SQS dead-letter source of redrive (stand-in queue)', () => {
  it('lists every message as an entry with its on-failure payload, across several receives', async () => {
    // Prepare
    const { sqs, calls } = fakeQueue(Array.from({ length: 13 }, (_, n) => JSON.stringify(payload(n + 1))));
    const source = sqsDeadLetterSource({ sqs, queueName: 'ddb-streams-dev-books-stream-dlq' });
    // Act
    const entries = await source.list();
    // Assess
    expect(entries).toHaveLength(13);
    expect(entries[12]).toEqual({ id: 'm12', payload: payload(13) });
    expect(calls).toEqual([
      'GetQueueUrl ddb-streams-dev-books-stream-dlq',
      'Receive max 10 visibility 300',
      'Receive max 10 visibility 300',
      'Receive max 10 visibility 300',
    ]);
  });

  it('deletes a message by its receipt handle, and refuses one it never received', async () => {
    // Prepare
    const { sqs, calls } = fakeQueue([JSON.stringify(payload(1))]);
    const source = sqsDeadLetterSource({ sqs, queueName: 'q' });
    const [entry] = await source.list();
    // Act
    await source.remove(entry!);
    // Assess
    expect(calls.at(-1)).toBe('Delete r0');
    await expect(source.remove({ id: 'other', payload: payload(2) as never })).rejects.toThrow(/was not received in this run/);
  });
});
