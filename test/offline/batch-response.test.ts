import { describe, expect, it } from 'vitest';
import { interpretBatchResponse } from '../../lib/mapping/batch-response.js';

// Sequence numbers of different lengths: "900" < "1000" as integers, not as text.
const batch = ['900', '1000', '1100'];

describe('interpretBatchResponse with ReportBatchItemFailures', () => {
  it.each([
    ['undefined', undefined],
    ['null', null],
    ['an empty object', {}],
    ['a null list', { batchItemFailures: null }],
    ['an empty list', { batchItemFailures: [] }],
    ['a string', 'done'],
  ])('treats %s as success', (_name, response) => {
    expect(interpretBatchResponse(response, batch, true)).toEqual({ kind: 'ok' });
  });

  it.each([
    ['a list that is not a list', { batchItemFailures: { itemIdentifier: '900' } }, /not a list/],
    ['a missing itemIdentifier', { batchItemFailures: [{}] }, /no itemIdentifier/],
    ['a wrong key name', { batchItemFailures: [{ itemIdentifer: '900' }] }, /no itemIdentifier \(keys: itemIdentifer\)/],
    ['a null itemIdentifier', { batchItemFailures: [{ itemIdentifier: null }] }, /is null/],
    ['an empty itemIdentifier', { batchItemFailures: [{ itemIdentifier: '' }] }, /is ""/],
    ['a number itemIdentifier', { batchItemFailures: [{ itemIdentifier: 900 }] }, /is 900/],
    [
      'an unknown sequence number',
      { batchItemFailures: [{ itemIdentifier: '1000' }, { itemIdentifier: '7' }] },
      /7 is not a sequence number of this batch/,
    ],
    ['a null entry', { batchItemFailures: [null] }, /no itemIdentifier/],
  ])('fails the whole batch on %s', (_name, response, reason) => {
    const outcome = interpretBatchResponse(response, batch, true);
    expect(outcome.kind).toBe('malformed');
    expect(outcome.kind === 'malformed' && outcome.reason).toMatch(reason);
  });

  it('checkpoints at the lowest reported sequence number, compared as integers', () => {
    const outcome = interpretBatchResponse({ batchItemFailures: [{ itemIdentifier: '1100' }, { itemIdentifier: '1000' }] }, batch, true);
    expect(outcome).toEqual({ kind: 'partial', index: 1, sequenceNumber: '1000' });
  });

  it('ignores the response without ReportBatchItemFailures', () => {
    expect(interpretBatchResponse({ batchItemFailures: [{ itemIdentifier: '' }] }, batch, false)).toEqual({ kind: 'ok' });
  });
});

describe('interpretBatchResponse in a tumbling window', () => {
  it.each([
    ['undefined', undefined, false],
    ['null', null, false],
    ['an empty object', {}, false],
    ['a string', 'done', false],
    ['a list', [{ state: {} }], false],
    ['only batchItemFailures', { batchItemFailures: [] }, true],
    ['state undefined', { state: undefined }, true],
  ])('fails the whole batch on a response of %s (ReportBatchItemFailures: %s): it has no state', (_name, response, report) => {
    // Act
    const outcome = interpretBatchResponse(response, batch, report, true);
    // Assess
    expect(outcome).toEqual({ kind: 'malformed', reason: expect.stringMatching(/must hold state/) });
  });

  it.each([
    ['an empty state', { state: {} }, false, { kind: 'ok' }],
    ['a state', { state: { count: 3 } }, false, { kind: 'ok' }],
    ['a null state (an empty one)', { state: null }, false, { kind: 'ok' }],
    ['a state and no failures', { state: { n: 1 }, batchItemFailures: [] }, true, { kind: 'ok' }],
    [
      'a state and a failure',
      { state: { n: 1 }, batchItemFailures: [{ itemIdentifier: '1000' }] },
      true,
      { kind: 'partial', index: 1, sequenceNumber: '1000' },
    ],
  ])('reads a response with %s as usual', (_name, response, report, expected) => {
    expect(interpretBatchResponse(response, batch, report, true)).toEqual(expected);
  });
});
