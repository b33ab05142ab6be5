import { describe, expect, it } from 'vitest';
import { startPositionOf, type StartDecision, type StartInput } from '../../lib/local/engine/start-position.js';

const SEQ = '000000000000000000123';
const input = (overrides: Partial<StartInput>): StartInput => ({
  checkpoint: undefined,
  freshMapping: true,
  startingPosition: 'TRIM_HORIZON',
  closed: false,
  ...overrides,
});

describe('start position (startPositionOf)', () => {
  it.each<[string, Partial<StartInput>, StartDecision]>([
    [
      'a checkpoint wins over LATEST',
      { checkpoint: { sequenceNumber: SEQ, updatedAt: 'x' }, startingPosition: 'LATEST' },
      { kind: 'read', start: { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: SEQ } },
    ],
    [
      'a checkpoint with no position yet (LATEST on an empty shard): the start',
      { checkpoint: { updatedAt: 'x' }, startingPosition: 'LATEST' },
      { kind: 'read', start: { type: 'TRIM_HORIZON' } },
    ],
    ['TRIM_HORIZON, no checkpoint', {}, { kind: 'read', start: { type: 'TRIM_HORIZON' } }],
    ['LATEST on a fresh mapping, open shard', { startingPosition: 'LATEST' }, { kind: 'read', start: { type: 'LATEST' } }],
    [
      'LATEST on a fresh mapping, closed shard: older than the mapping, skipped',
      { startingPosition: 'LATEST', closed: true },
      { kind: 'skipClosed' },
    ],
    [
      'LATEST, a child shard opened after the start: read from its start',
      { startingPosition: 'LATEST', freshMapping: false },
      { kind: 'read', start: { type: 'TRIM_HORIZON' } },
    ],
    [
      'LATEST, the new stream of a table created again: from its start',
      { startingPosition: 'LATEST', freshMapping: false, closed: true },
      { kind: 'read', start: { type: 'TRIM_HORIZON' } },
    ],
  ])('%s', (_name, overrides, expected) => {
    expect(startPositionOf(input(overrides))).toEqual(expected);
  });
});
