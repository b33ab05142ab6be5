import type { IncomingHttpHeaders } from 'node:http';

/** Which attempt of one SDK call a request is, from the headers the AWS SDK's retry middleware sets. */
export interface SdkAttempt {
  /** `amz-sdk-invocation-id`: the same on every attempt of one call, new for the next call. */
  invocationId: string | undefined;
  /** From `amz-sdk-request: attempt=N; max=M`. */
  attempt: number | undefined;
  maxAttempts: number | undefined;
}

const ATTEMPT = /(?:^|;)\s*attempt=(\d+)/;
const MAX = /(?:^|;)\s*max=(\d+)/;

const header = (headers: IncomingHttpHeaders, name: string): string | undefined => {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
};

const positive = (pattern: RegExp, text: string | undefined): number | undefined => {
  const digits = text === undefined ? undefined : pattern.exec(text)?.[1];
  const value = digits === undefined ? undefined : Number(digits);
  return value !== undefined && Number.isSafeInteger(value) && value > 0 ? value : undefined;
};

/** Reads the retry headers; a client that sends none (the AWS CLI with retries off, curl) gives all undefined. */
export function sdkAttemptOf(headers: IncomingHttpHeaders): SdkAttempt {
  const request = header(headers, 'amz-sdk-request');
  return {
    invocationId: header(headers, 'amz-sdk-invocation-id'),
    attempt: positive(ATTEMPT, request),
    maxAttempts: positive(MAX, request),
  };
}
