import { mkdir, readFile, readdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CheckpointStoreError, InvalidCheckpointError } from '../errors.js';
import { checkCheckpoint } from './check-checkpoint.js';
import { projectPaths } from '../../mapping/project-paths.js';

/** How far one mapping has acknowledged one shard. */
export interface ShardCheckpoint {
  /** Last sequence number handled (delivered, filtered out or dead-lettered); reading resumes after it. */
  sequenceNumber?: string;
  /** The shard was read to its end and every record handled: its children may start. */
  shardEnded?: boolean;
  updatedAt: string;
}

/** Durable progress of event-source mappings, per mapping and shard. */
export interface CheckpointStore {
  get(mappingId: string, shardId: string): Promise<ShardCheckpoint | undefined>;
  put(mappingId: string, shardId: string, checkpoint: ShardCheckpoint): Promise<void>;
  /** Every shard checkpoint of one mapping, by shard id. Throws InvalidCheckpointError for one that is not a checkpoint. */
  list(mappingId: string): Promise<Record<string, ShardCheckpoint>>;
  /** Where a checkpoint is kept, for messages a person acts on (a file path, for the file store). */
  locate(mappingId: string, shardId: string): string;
}

/** Checkpoints in memory: for tests, and for throwaway (`--in-memory`) runs. */
export function createMemoryCheckpointStore(): CheckpointStore {
  const data = new Map<string, Map<string, ShardCheckpoint>>();
  const of = (mappingId: string) => {
    let shards = data.get(mappingId);
    if (!shards) data.set(mappingId, (shards = new Map()));
    return shards;
  };
  return {
    get: async (mappingId, shardId) => {
      const checkpoint = of(mappingId).get(shardId);
      return checkpoint && { ...checkpoint };
    },
    put: async (mappingId, shardId, checkpoint) => {
      of(mappingId).set(shardId, { ...checkpoint });
    },
    list: async (mappingId) => Object.fromEntries([...of(mappingId)].map(([shardId, checkpoint]) => [shardId, { ...checkpoint }])),
    locate: (mappingId, shardId) => `(in memory) of mapping ${mappingId}, shard ${shardId}`,
  };
}

/** File names keep only characters that are safe on every file system. */
const safeName = (name: string): string => name.replace(/[^A-Za-z0-9._-]/g, '_');

/** `<project>/.local/checkpoints` (git-ignored). */
export const defaultCheckpointDir = (): string => projectPaths().checkpoints;

/**
 * One JSON file per mapping and shard under `dir/<mapping>/<shard>.json`. Writes go to a temporary file
 * that is renamed over the old one, so a crash leaves either the old or the new checkpoint, never half.
 */
export function createFileCheckpointStore(options: { dir?: string } = {}): CheckpointStore {
  const dir = options.dir ?? defaultCheckpointDir();
  const fileOf = (mappingId: string, shardId: string) => join(dir, safeName(mappingId), `${safeName(shardId)}.json`);
  /** The checkpoint in a file, checked for shape; undefined when there is none. */
  const read = async (file: string): Promise<(ShardCheckpoint & { shardId?: string }) | undefined> => {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new CheckpointStoreError(`Cannot read checkpoint ${file}: ${(error as Error).message}`, { cause: error });
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new InvalidCheckpointError(file, `it is not valid JSON (${(error as Error).message})`, { cause: error });
    }
    const verdict = checkCheckpoint(value);
    if (verdict.kind === 'invalid') throw new InvalidCheckpointError(file, verdict.problem);
    const named = (value as { shardId?: string }).shardId;
    return named === undefined ? verdict.checkpoint : { ...verdict.checkpoint, shardId: named };
  };
  let counter = 0;
  return {
    get: async (mappingId, shardId) => {
      const checkpoint = await read(fileOf(mappingId, shardId));
      if (!checkpoint) return undefined;
      // The file names its shard for people reading it; callers know the shard already.
      const { shardId: _named, ...rest } = checkpoint;
      return rest;
    },
    put: async (mappingId, shardId, checkpoint) => {
      const file = fileOf(mappingId, shardId);
      await mkdir(join(dir, safeName(mappingId)), { recursive: true });
      const temporary = `${file}.${process.pid}.${++counter}.tmp`;
      await writeFile(temporary, `${JSON.stringify({ shardId, ...checkpoint }, null, 2)}\n`);
      await rename(temporary, file);
    },
    list: async (mappingId) => {
      const folder = join(dir, safeName(mappingId));
      let names: string[];
      try {
        names = await readdir(folder);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
        throw error;
      }
      const result: Record<string, ShardCheckpoint> = {};
      for (const name of names.filter((n) => n.endsWith('.json'))) {
        const file = join(folder, name);
        const checkpoint = await read(file);
        if (!checkpoint) continue;
        const { shardId = name.slice(0, -'.json'.length), ...rest } = checkpoint;
        // A file copied or renamed by hand would otherwise move one shard's position onto another.
        if (`${safeName(shardId)}.json` !== name)
          throw new InvalidCheckpointError(file, `it names shard ${shardId}, but its file name is for another shard`);
        result[shardId] = rest;
      }
      return result;
    },
    locate: (mappingId, shardId) => fileOf(mappingId, shardId),
  };
}
