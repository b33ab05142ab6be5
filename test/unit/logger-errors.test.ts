import { describe, expect, it } from 'vitest';
import { ConfigurationError, MalformedRecordError } from '../../lib/runtime/errors.js';
import { MAX_AGGREGATE_ERRORS, MAX_CAUSE_DEPTH } from '../../lib/runtime/logging/error-fields.js';
import { captureLogger } from '../support/capture-logger.js';

// Log lines carry an error as structured fields (name, message, stack, cause chain), never what it failed on.

interface Written {
  name?: string;
  message?: string;
  stack?: string;
  code?: string;
  cause?: Written & { kind?: string; type?: string; value?: string };
  errors?: Written[];
  errorsOmitted?: number;
  [other: string]: unknown;
}

const logged = (fields: Record<string, unknown>): Record<string, unknown> => {
  const capture = captureLogger('debug');
  capture.logger.error('failed', fields);
  return capture.lines()[0]!;
};
const loggedError = (error: unknown): Written => logged({ error }).error as Written;

const chainOf = (written: Written | undefined): string[] => {
  const names: string[] = [];
  for (let link = written; link; link = link.cause) names.push(link.kind ? `<${link.kind}>` : (link.name ?? '?'));
  return names;
};

describe('errors in log fields', () => {
  it('writes name, message and stack of our errors', () => {
    // Prepare
    const error = new MalformedRecordError(3, 'dynamodb.Keys', 'is missing');

    // Act
    const written = loggedError(error);

    // Assess
    expect(written).toEqual({ name: 'MalformedRecordError', message: 'Record 3: dynamodb.Keys is missing', stack: error.stack });
    expect(written.stack).toMatch(/^MalformedRecordError: Record 3/);
  });

  it('writes the cause chain as nested fields, with codes', () => {
    // Prepare
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8000'), { code: 'ECONNREFUSED' });
    const middle = new TypeError('fetch failed', { cause: refused });
    const error = new ConfigurationError('DynamoDB Local is not reachable: start it with npm start', { cause: middle });

    // Act
    const written = loggedError(error);

    // Assess
    expect(chainOf(written)).toEqual(['ConfigurationError', 'TypeError', 'Error']);
    expect(written.cause?.message).toBe('fetch failed');
    expect(written.cause?.stack).toBe(middle.stack);
    expect(written.cause?.cause).toMatchObject({ message: 'connect ECONNREFUSED 127.0.0.1:8000', code: 'ECONNREFUSED' });
  });

  it.each([
    ['two errors causing each other', 2],
    ['an error causing itself', 1],
    ['a cycle of five', 5],
  ])('stops at a cycle: %s', (_case, length) => {
    // Prepare
    const errors = Array.from({ length }, (_, i) => new Error(`e${i}`));
    for (const [i, error] of errors.entries()) error.cause = errors[(i + 1) % length];

    // Act
    const written = loggedError(errors[0]);

    // Assess: every error once, then the link back is named, not followed.
    const names = chainOf(written);
    expect(names).toEqual([...errors.map(() => 'Error'), '<circular>']);
    let last: Written | undefined = written;
    for (let i = 0; i < length; i += 1) last = last?.cause;
    expect(last).toEqual({ kind: 'circular', name: 'Error' });
  });

  it(`writes at most ${MAX_CAUSE_DEPTH} causes deep`, () => {
    // Prepare: a chain of 20 errors.
    let error = new Error('root');
    for (let i = 0; i < 20; i += 1) error = new RangeError(`level ${i}`, { cause: error });

    // Act
    const written = loggedError(error);

    // Assess
    const names = chainOf(written);
    expect(names).toHaveLength(MAX_CAUSE_DEPTH + 2);
    expect(names.at(-1)).toBe('<truncated>');
  });

  it.each<[string, unknown, Record<string, unknown>]>([
    ['a string', 'socket hang up', { kind: 'value', type: 'string', value: 'socket hang up' }],
    ['a number', 42, { kind: 'value', type: 'number', value: '42' }],
    [
      'a bigint',
      12345678901234567890123456789012345678n,
      { kind: 'value', type: 'bigint', value: '12345678901234567890123456789012345678' },
    ],
    ['null', null, { kind: 'value', type: 'null' }],
    ['an item image', { email: { S: 'ada@example.com' } }, { kind: 'value', type: 'Object' }],
    ['a Map', new Map([['email', 'ada@example.com']]), { kind: 'value', type: 'Map' }],
  ])('writes a cause that is %s without its contents', (_case, cause, expected) => {
    // Act
    const written = loggedError(new Error('failed', { cause }));

    // Assess
    expect(written.cause).toEqual(expected);
    expect(JSON.stringify(written)).not.toContain('ada@example.com');
  });

  it('leaves out other properties of an error, which may hold item contents', () => {
    // Prepare
    const error = Object.assign(new Error('conditional check failed'), {
      Item: { email: { S: 'ada@example.com' } },
      $metadata: { attempts: 1 },
    });

    // Act
    const written = loggedError(error);

    // Assess
    expect(Object.keys(written).sort()).toEqual(['message', 'name', 'stack']);
  });

  it(`writes the first ${MAX_AGGREGATE_ERRORS} errors of an AggregateError and counts the rest`, () => {
    // Prepare
    const inner = Array.from({ length: MAX_AGGREGATE_ERRORS + 3 }, (_, i) => new Error(`attempt ${i}`));

    // Act
    const written = loggedError(new AggregateError(inner, 'every attempt failed'));

    // Assess
    expect(written.name).toBe('AggregateError');
    expect(written.errors?.map((e) => e.message)).toEqual(inner.slice(0, MAX_AGGREGATE_ERRORS).map((e) => e.message));
    expect(written.errorsOmitted).toBe(3);
  });

  it.each<[string, Record<string, unknown>, (line: Record<string, unknown>) => unknown, unknown]>([
    ['an error inside an array field', { failures: [new Error('one')] }, (line) => (line.failures as Written[])[0]!.message, 'one'],
    [
      'an error inside an object field',
      { result: { error: new Error('two') } },
      (line) => ((line.result as Written).error as Written).name,
      'Error',
    ],
    [
      'an object thrown as an error, with a message and a cause',
      { error: { message: 'thrown object', cause: new Error('inner') } },
      (line) => chainOf(line.error as Written),
      ['Error', 'Error'],
    ],
    ['data with a cause field but no message', { change: { cause: 'ttl' } }, (line) => line.change, { cause: 'ttl' }],
  ])('finds %s', (_case, fields, pick, expected) => {
    // Act
    const line = logged(fields);

    // Assess
    expect(pick(line)).toEqual(expected);
  });

  it('writes an error from another realm (a vm context) as an error', async () => {
    // Prepare
    const { runInNewContext } = await import('node:vm');
    const foreign = runInNewContext("new RangeError('out of range', { cause: new Error('inner') })") as unknown;

    // Act
    const written = loggedError(foreign);

    // Assess
    expect(foreign instanceof Error).toBe(false);
    expect(chainOf(written)).toEqual(['RangeError', 'Error']);
  });
});
