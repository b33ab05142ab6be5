import { describe, expect, it } from 'vitest';
import { checkCheckpoint, type ShardRange } from '../../lib/local/store/check-checkpoint.js';

const at = '2026-01-01T00:00:00.000Z';
const open: ShardRange = {};
const closed: ShardRange = { endingSequenceNumber: '000000000000000000900' };
// 40 digits: beyond any double, compared exactly.
const big = '1234567890123456789012345678901234567890';

describe('checkCheckpoint', () => {
  it.each([
    ['null', null, undefined, /holds null/],
    ['a list', [], undefined, /holds a list/],
    ['a number', 42, undefined, /holds a number/],
    ['an empty object (no updatedAt)', {}, undefined, /updatedAt is undefined, not a time/],
    ['{"shardEnded": true} without updatedAt', { shardEnded: true }, undefined, /updatedAt/],
    ['an updatedAt that is no time', { updatedAt: 'yesterday' }, undefined, /updatedAt is "yesterday"/],
    ['an unknown field', { updatedAt: at, sequencenumber: '000000000000000000200' }, undefined, /unknown field\(s\) "sequencenumber"/],
    ['a sequence number of 20 digits', { updatedAt: at, sequenceNumber: '0'.repeat(20) }, undefined, /21 to 40 digits/],
    ['a sequence number of 41 digits', { updatedAt: at, sequenceNumber: '1'.repeat(41) }, undefined, /21 to 40 digits/],
    ['a sequence number with a sign', { updatedAt: at, sequenceNumber: `-${'1'.repeat(21)}` }, undefined, /21 to 40 digits/],
    // biome-ignore lint/correctness/noPrecisionLoss: a checkpoint that stored the number as a JSON number, losing digits
    ['a sequence number as a number', { updatedAt: at, sequenceNumber: 123456789012345678901 }, undefined, /21 to 40 digits/],
    ['a shardEnded that is a string', { updatedAt: at, shardEnded: 'yes' }, undefined, /shardEnded is "yes"/],
    ['a shardId that is a number', { updatedAt: at, shardId: 7 }, undefined, /shardId is 7/],
    [
      'a sequence number beyond a closed shard',
      { updatedAt: at, sequenceNumber: '000000000000000000901' },
      closed,
      /beyond the shard's last sequence number/,
    ],
    ['a 40-digit sequence number beyond a closed shard', { updatedAt: at, sequenceNumber: big }, closed, /beyond/],
    ['"ended" on an open shard', { updatedAt: at, shardEnded: true }, open, /still open/],
    [
      '"ended" with a position on an open shard',
      { updatedAt: at, sequenceNumber: '000000000000000000200', shardEnded: true },
      open,
      /still open/,
    ],
  ])('refuses %s', (_label, value, shard, problem) => {
    // Act
    const verdict = checkCheckpoint(value, shard);
    // Assess
    expect(verdict).toEqual({ kind: 'invalid', problem: expect.stringMatching(problem) });
  });

  it.each([
    [
      'a position without a shard to check against',
      { updatedAt: at, sequenceNumber: big },
      undefined,
      { updatedAt: at, sequenceNumber: big },
    ],
    ['no position yet (LATEST on an empty shard)', { updatedAt: at }, open, { updatedAt: at }],
    // Records trimmed after 24 h: the reader meets the trim and says so.
    [
      'a position before the oldest record left',
      { updatedAt: at, sequenceNumber: '000000000000000000001' },
      closed,
      { updatedAt: at, sequenceNumber: '000000000000000000001' },
    ],
    ['a position far into an open shard', { updatedAt: at, sequenceNumber: big }, open, { updatedAt: at, sequenceNumber: big }],
    [
      'the last sequence number of a closed shard',
      { updatedAt: at, sequenceNumber: '000000000000000000900' },
      closed,
      { updatedAt: at, sequenceNumber: '000000000000000000900' },
    ],
    ['"ended" on a closed shard', { updatedAt: at, shardEnded: true }, closed, { updatedAt: at, shardEnded: true }],
    [
      'the shard id the file store writes',
      { shardId: 'shardId-1', updatedAt: at, sequenceNumber: '000000000000000000500' },
      closed,
      { updatedAt: at, sequenceNumber: '000000000000000000500' },
    ],
    // "9" sorts after "10" as text; as integers the position is inside the shard.
    [
      'a shorter-looking number inside the range',
      { updatedAt: at, sequenceNumber: '000000000000000000850' },
      { endingSequenceNumber: '00000000000000000000900' },
      { updatedAt: at, sequenceNumber: '000000000000000000850' },
    ],
  ])('accepts %s', (_label, value, shard, checkpoint) => {
    expect(checkCheckpoint(value, shard)).toEqual({ kind: 'valid', checkpoint });
  });
});
