import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { FaultAnswer } from './fault-injector.js';

/**
 * DynamoDB's own answers to a transient fault; the SDK retries both (a 500 as transient, this 400 as throttling).
 * The messages say the fault was injected, so whoever reads one in a log knows where it came from.
 */
const ANSWERS = {
  'internal-server-error': {
    status: 500,
    body: {
      __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError',
      message: 'Internal server error (injected by the local stack: a transient fault, retry the call)',
    },
  },
  throttling: {
    status: 400,
    body: {
      __type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException',
      message: 'The level of configured provisioned throughput for the table was exceeded (injected by the local stack; retry the call)',
    },
  },
} as const;

/** Answers a request with the fault: DynamoDB's error response, or a connection closed without an answer. */
export function answerFault(res: ServerResponse, answer: FaultAnswer): void {
  if (answer === 'connection-reset') {
    res.destroy();
    return;
  }
  const { status, body } = ANSWERS[answer];
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/x-amz-json-1.0',
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': randomUUID(),
  });
  res.end(text);
}
