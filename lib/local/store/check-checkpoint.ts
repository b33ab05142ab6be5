import type { ShardCheckpoint } from './checkpoint-store.js';

/** What DescribeStream says of a shard's sequence numbers; an open shard has no end yet. */
export interface ShardRange {
  endingSequenceNumber?: string | undefined;
}

export type CheckpointVerdict = { kind: 'valid'; checkpoint: ShardCheckpoint } | { kind: 'invalid'; problem: string };

const SEQUENCE_NUMBER = /^\d{21,40}$/;
const FIELDS = new Set(['sequenceNumber', 'shardEnded', 'updatedAt', 'shardId']);

const shown = (value: unknown): string => {
  const text = value === undefined ? 'undefined' : JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
};

/**
 * Checks a stored checkpoint: its shape (every checkpoint the engine writes has `updatedAt`), the sequence
 * number grammar (21 to 40 digits) and, given the shard, that the position is not beyond a closed shard's
 * end and that only a closed shard is marked ended. Sequence numbers are compared as integers. (A position
 * beyond an open shard's last record only DynamoDB can tell: the shard worker asks it.)
 */
export function checkCheckpoint(value: unknown, shard?: ShardRange): CheckpointVerdict {
  const invalid = (problem: string): CheckpointVerdict => ({ kind: 'invalid', problem });
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return invalid(`it holds ${value === null ? 'null' : Array.isArray(value) ? 'a list' : `a ${typeof value}`}, not a checkpoint object`);
  }
  const fields = value as Record<string, unknown>;
  const unknown = Object.keys(fields).filter((name) => !FIELDS.has(name));
  if (unknown.length > 0) return invalid(`it has unknown field(s) ${unknown.map((name) => JSON.stringify(name)).join(', ')}`);
  const { sequenceNumber, shardEnded, updatedAt, shardId } = fields;
  if (typeof updatedAt !== 'string' || Number.isNaN(Date.parse(updatedAt))) {
    return invalid(`its updatedAt is ${shown(updatedAt)}, not a time (every checkpoint the engine writes has one)`);
  }
  if (sequenceNumber !== undefined && (typeof sequenceNumber !== 'string' || !SEQUENCE_NUMBER.test(sequenceNumber))) {
    return invalid(`its sequenceNumber ${shown(sequenceNumber)} is not a sequence number (a string of 21 to 40 digits)`);
  }
  if (shardEnded !== undefined && typeof shardEnded !== 'boolean')
    return invalid(`its shardEnded is ${shown(shardEnded)}, not true or false`);
  if (shardId !== undefined && typeof shardId !== 'string') return invalid(`its shardId is ${shown(shardId)}, not a shard id`);
  if (shard) {
    // No lower bound: a position before the oldest record left is a trim, which the reader reports when it meets it.
    const last = shard.endingSequenceNumber;
    if (sequenceNumber !== undefined && last !== undefined && BigInt(sequenceNumber) > BigInt(last)) {
      return invalid(`its sequenceNumber ${sequenceNumber} is beyond the shard's last sequence number ${last}`);
    }
    if (shardEnded === true && last === undefined) return invalid('it says the shard was read to its end, but the shard is still open');
  }
  const checkpoint: ShardCheckpoint = { updatedAt };
  if (sequenceNumber !== undefined) checkpoint.sequenceNumber = sequenceNumber as string;
  if (shardEnded !== undefined) checkpoint.shardEnded = shardEnded;
  return { kind: 'valid', checkpoint };
}
