import { DeleteMessageCommand, GetQueueUrlCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { DeadLetterStore } from '../../local/store/dead-letter-store.js';
import type { StreamFailurePayload } from '../../mapping/failure-payload.js';

/** One failed batch waiting for a redrive: AWS's on-failure payload and how to remove it. */
export interface RedriveEntry {
  /** File-store id locally; the SQS message id on AWS. */
  id: string;
  payload: StreamFailurePayload;
}

/** Where a function's dead letters are: the local stack's store, or the SQS on-failure queue. */
export interface DeadLetterSource {
  /** Describes the source for messages ("the local store at …", "SQS queue …"). */
  readonly description: string;
  list(): Promise<RedriveEntry[]>;
  remove(entry: RedriveEntry): Promise<void>;
}

/** The local stack's dead-letter store, entries of one function. */
export function localDeadLetterSource(store: DeadLetterStore, functionName: string, where: string): DeadLetterSource {
  return {
    description: `the local dead-letter store at ${where}`,
    list: async () => (await store.list(functionName)).map((entry) => ({ id: entry.id, payload: entry.payload })),
    remove: (entry) => store.remove(entry.id),
  };
}

/**
 * The SQS on-failure queue of a deployed function. Messages are received with a visibility timeout,
 * so listing hides them from other readers for that long; a message is deleted only after its records
 * were redriven successfully.
 */
export function sqsDeadLetterSource(options: { sqs: SQSClient; queueName: string; visibilityTimeoutSeconds?: number }): DeadLetterSource {
  let queueUrl: string | undefined;
  const receipts = new Map<string, string>();
  const url = async () => (queueUrl ??= (await options.sqs.send(new GetQueueUrlCommand({ QueueName: options.queueName }))).QueueUrl!);
  return {
    description: `SQS queue ${options.queueName}`,
    async list() {
      const entries: RedriveEntry[] = [];
      for (;;) {
        const output = await options.sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: await url(),
            MaxNumberOfMessages: 10,
            WaitTimeSeconds: 1,
            VisibilityTimeout: options.visibilityTimeoutSeconds ?? 300,
          }),
        );
        const messages = output.Messages ?? [];
        if (messages.length === 0) return entries;
        for (const message of messages) {
          if (!message.MessageId || !message.Body) continue;
          if (message.ReceiptHandle) receipts.set(message.MessageId, message.ReceiptHandle);
          entries.push({ id: message.MessageId, payload: JSON.parse(message.Body) as StreamFailurePayload });
        }
      }
    },
    async remove(entry) {
      const receipt = receipts.get(entry.id);
      if (!receipt) throw new Error(`message ${entry.id} was not received in this run; list the queue first`);
      await options.sqs.send(new DeleteMessageCommand({ QueueUrl: await url(), ReceiptHandle: receipt }));
    },
  };
}
