import { describe, expect, it } from 'vitest';
import { BACKFILL_SEQUENCE_NUMBER, isStreamSequenceNumber, sortableSequenceNumber } from '../../lib/runtime/change/sequence-number.js';
import { toChange } from '../../lib/runtime/change/to-change.js';
import type { Action } from '../../lib/runtime/dispatch/action.js';
import { processBatch } from '../../lib/runtime/dispatch/process-batch.js';
import { MalformedRecordError, UnidentifiableRecordError } from '../../lib/runtime/errors.js';
import { insertRecord, streamEvent } from '../factories/stream-record.js';
import { captureLogger } from '../support/capture-logger.js';

const REJECTED: Array<[string, string]> = [
  ['letters', 'abc'],
  ['20 digits', '1'.repeat(20)],
  ['41 digits', '9'.repeat(41)],
  ['a trailing letter', `${'1'.repeat(21)}x`],
  ['a leading space', ` ${'1'.repeat(21)}`],
  ['a sign', `+${'1'.repeat(21)}`],
  ['an exponent', '1e+21'],
  ['a decimal point', `${'1'.repeat(20)}.0`],
  ['non-ASCII digits', '١'.repeat(21)],
  ['the backfill number', BACKFILL_SEQUENCE_NUMBER],
];

const ACCEPTED: Array<[string, string]> = [
  ['21 digits', '100000000000000000001'],
  ['40 digits', '1'.repeat(40)],
  ['forty 9s (legal syntax: real streams never reach it, but nothing tells a forged one apart)', '9'.repeat(40)],
  ['leading zeros, as DynamoDB Local writes them', '000000000000000000042'],
  ['the AWS sample', '4421584500000000017450439091'],
];

describe('isStreamSequenceNumber', () => {
  it.each(ACCEPTED)('accepts %s', (_label, text) => {
    expect(isStreamSequenceNumber(text)).toBe(true);
  });

  it.each(REJECTED)('rejects %s', (_label, text) => {
    expect(isStreamSequenceNumber(text)).toBe(false);
  });
});

describe('sortableSequenceNumber', () => {
  it.each([
    ['999999999999999999999', '1000000000000000000000'],
    ['000000000000000000042', '100000000000000000000'],
    ['4421584500000000017450439091', '4421584500000000017450439093'],
    [BACKFILL_SEQUENCE_NUMBER, '000000000000000000001'],
    ['9'.repeat(39), '1'.repeat(40)],
  ])('orders %s before %s as their numeric values are', (lower, higher) => {
    // The ground truth: BigInt order.
    expect(BigInt(lower) < BigInt(higher)).toBe(true);
    expect(sortableSequenceNumber(lower) < sortableSequenceNumber(higher)).toBe(true);
  });
});

describe('processBatch sequence numbers', () => {
  const seen: string[] = [];
  const action: Action = { name: 'recorder', handle: (change) => void seen.push(change.sequenceNumber) };

  it.each(REJECTED)('fails the whole invocation for a record with %s, before running any action', async (_label, bad) => {
    // Prepare
    seen.length = 0;
    const good = insertRecord('books-local', ['isbn'], { isbn: '1' });
    const event = streamEvent([good, insertRecord('books-local', ['isbn'], { isbn: '2' }, { sequenceNumber: bad })]);
    const { logger, lines } = captureLogger();

    // Act
    const result = processBatch(event, { actions: [action], logger });

    // Assess
    await expect(result).rejects.toThrow(UnidentifiableRecordError);
    await expect(processBatch(event, { actions: [action], logger })).rejects.toThrow(/^Record 1: dynamodb\.SequenceNumber /);
    expect(seen).toEqual([]);
    expect(lines()[0]).toMatchObject({ level: 'error', message: 'batch rejected', errorName: 'UnidentifiableRecordError' });
  });

  it.each(ACCEPTED)('processes a record with %s', async (_label, good) => {
    // Prepare
    seen.length = 0;
    const event = streamEvent([insertRecord('books-local', ['isbn'], { isbn: '1' }, { sequenceNumber: good })]);

    // Act
    const response = await processBatch(event, { actions: [action], logger: captureLogger().logger });

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(seen).toEqual([good]);
  });
});

describe('toChange sequence numbers', () => {
  it.each(REJECTED.filter(([, text]) => text !== BACKFILL_SEQUENCE_NUMBER))('rejects %s, naming the record and field', (_label, bad) => {
    const record = insertRecord('books-local', ['isbn'], { isbn: '1' }, { sequenceNumber: bad });
    expect(() => toChange(record, 4)).toThrow(MalformedRecordError);
    expect(() => toChange(record, 4)).toThrow(/^Record 4: dynamodb\.SequenceNumber /);
  });

  it.each([
    [false, 'rejects'],
    [true, 'accepts'],
  ])('with backfill %s, %s the backfill sequence number', (backfill, verdict) => {
    const record = insertRecord('books-local', ['isbn'], { isbn: '1' }, { sequenceNumber: BACKFILL_SEQUENCE_NUMBER });
    const build = () => toChange(record, 0, undefined, { backfill });
    if (verdict === 'accepts') expect(build().sequenceNumber).toBe(BACKFILL_SEQUENCE_NUMBER);
    else expect(build).toThrow(MalformedRecordError);
  });
});
