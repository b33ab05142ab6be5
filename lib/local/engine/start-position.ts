import type { ShardCheckpoint } from '../store/checkpoint-store.js';

/** Where a shard worker starts reading. */
export type StartPosition = { type: 'AFTER_SEQUENCE_NUMBER'; sequenceNumber: string } | { type: 'TRIM_HORIZON' } | { type: 'LATEST' };

/** What the mapping does with a shard it has no worker for. */
export type StartDecision = { kind: 'read'; start: StartPosition } | { kind: 'skipClosed' };

/** What the start position of one shard depends on. */
export interface StartInput {
  checkpoint: ShardCheckpoint | undefined;
  /** The mapping's first look at the first stream it found, with no checkpoint at all: only then does LATEST apply. */
  freshMapping: boolean;
  startingPosition: 'TRIM_HORIZON' | 'LATEST';
  /** The shard has an ending sequence number (it was split or closed). */
  closed: boolean;
}

/**
 * The start position of a shard, as a pure decision. A checkpoint always wins. LATEST applies only to a
 * fresh mapping: a shard opened later (a child shard) or a stream of a table created again is read from
 * its start, so nothing written after the mapping started is skipped. On a fresh LATEST mapping a closed
 * shard holds only records older than the mapping: it is marked ended without reading.
 */
export function startPositionOf(input: StartInput): StartDecision {
  const { checkpoint } = input;
  if (checkpoint?.sequenceNumber) {
    return { kind: 'read', start: { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: checkpoint.sequenceNumber } };
  }
  if (checkpoint || !input.freshMapping || input.startingPosition === 'TRIM_HORIZON')
    return { kind: 'read', start: { type: 'TRIM_HORIZON' } };
  if (input.closed) return { kind: 'skipClosed' };
  return { kind: 'read', start: { type: 'LATEST' } };
}
