import { describe, expect, it } from 'vitest';
import { CheckpointStoreError } from '../../lib/local/errors.js';
import { isConnectionError } from '../../lib/local/engine/connection-monitor.js';

const withCode = (code: string, extra: Record<string, unknown> = {}) =>
  Object.assign(new Error(`connect ${code} 127.0.0.1:9`), { code, ...extra });
/** A service error as the SDK throws it: DynamoDB answered, with a status. */
const serviceError = (name: string, httpStatusCode: number) =>
  Object.assign(new Error(name), { name, $fault: 'client', $metadata: { httpStatusCode } });

describe('isConnectionError', () => {
  it.each([
    ['ECONNREFUSED (nothing listens)', withCode('ECONNREFUSED')],
    ['ECONNREFUSED with the retry metadata the SDK adds', withCode('ECONNREFUSED', { $metadata: { attempts: 3, totalRetryDelay: 10 } })],
    ['ECONNRESET (socket hang up)', withCode('ECONNRESET')],
    ['ETIMEDOUT', withCode('ETIMEDOUT')],
    ['ENOTFOUND (no such host)', withCode('ENOTFOUND')],
    ['EPIPE', withCode('EPIPE')],
    [
      'an AggregateError of IPv6 and IPv4 refusals',
      new AggregateError([withCode('ECONNREFUSED'), withCode('ECONNREFUSED')], 'connect failed'),
    ],
    ['a network error as the cause', new Error('request failed', { cause: withCode('ECONNRESET') })],
    ["the SDK's TimeoutError", Object.assign(new Error('timed out'), { name: 'TimeoutError' })],
    ['RequestTimeout', Object.assign(new Error('timed out'), { name: 'RequestTimeout' })],
  ])('is true for %s', (_label, error) => {
    expect(isConnectionError(error)).toBe(true);
  });

  it.each([
    ['a TypeError of our own code (a record it cannot convert)', new TypeError("Cannot read properties of undefined (reading 'B')")],
    ['a SyntaxError (a corrupt file)', new SyntaxError('Unexpected end of JSON input')],
    ['a corrupt checkpoint', new CheckpointStoreError('Checkpoint x.json is not valid JSON')],
    ['a plain Error without a code', new Error('something else')],
    ['an Error with an unrelated code', withCode('ENOENT')],
    ['ValidationException (400)', serviceError('ValidationException', 400)],
    ['InternalFailure (500): DynamoDB answered', serviceError('InternalFailure', 500)],
    ['ResourceNotFoundException (400)', serviceError('ResourceNotFoundException', 400)],
    ['an AggregateError of other errors', new AggregateError([new TypeError('x')], 'many')],
    ['a string', 'ECONNREFUSED'],
    ['null', null],
    ['undefined', undefined],
  ])('is false for %s', (_label, error) => {
    expect(isConnectionError(error)).toBe(false);
  });

  it('stops at a cause cycle', () => {
    // Prepare
    const a = new Error('a') as Error & { cause?: unknown };
    const b = new Error('b', { cause: a });
    a.cause = b;
    // Act / Assess
    expect(isConnectionError(a)).toBe(false);
  });
});
