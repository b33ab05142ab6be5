import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { BackfillStateError } from '../errors.js';
import { keyFromJson, keyToJson, type JsonKey, type Key } from '../../data/paging/key-json.js';

/** Where one segment of a backfill stands. */
export interface SegmentState {
  segment: number;
  /** The LastEvaluatedKey after the last fully processed page; null at the beginning. */
  position: JsonKey | null;
  done: boolean;
  /** Items processed in this segment so far. */
  items: number;
}

/** The saved position of a backfill: enough to continue it after an interruption. */
export interface BackfillState {
  version: 1;
  functionName: string;
  tableName: string;
  totalSegments: number;
  segments: SegmentState[];
  startedAt: string;
  updatedAt: string;
  completedAt?: string;
}

/** A fresh state: every segment at its beginning. */
export function initialState(functionName: string, tableName: string, totalSegments: number, now = new Date()): BackfillState {
  return {
    version: 1,
    functionName,
    tableName,
    totalSegments,
    segments: Array.from({ length: totalSegments }, (_, segment) => ({ segment, position: null, done: false, items: 0 })),
    startedAt: now.toISOString(),
    updatedAt: now.toISOString(),
  };
}

/** The start key of each segment for parallelScan: null for finished segments. */
export const startKeysOf = (state: BackfillState): (Key | null | undefined)[] =>
  state.segments.map((s) => (s.done ? null : s.position ? keyFromJson(s.position) : undefined));

/** Records a processed page of a segment. */
export function advance(state: BackfillState, segment: number, lastEvaluatedKey: Key | undefined, items: number, now = new Date()): void {
  const s = state.segments[segment]!;
  s.items += items;
  s.position = lastEvaluatedKey ? keyToJson(lastEvaluatedKey) : null;
  s.done = lastEvaluatedKey === undefined;
  state.updatedAt = now.toISOString();
}

/** Reads a saved state; undefined when there is none. */
export async function readState(path: string): Promise<BackfillState | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  let state: BackfillState;
  try {
    state = JSON.parse(text) as BackfillState;
  } catch (error) {
    throw new BackfillStateError(`The backfill state file ${path} is not JSON; delete it or run with --restart`, { cause: error });
  }
  const valid =
    state?.version === 1 &&
    typeof state.tableName === 'string' &&
    Number.isInteger(state.totalSegments) &&
    Array.isArray(state.segments) &&
    state.segments.length === state.totalSegments &&
    state.segments.every((s, i) => s.segment === i && typeof s.done === 'boolean' && Number.isInteger(s.items));
  if (!valid) throw new BackfillStateError(`The backfill state file ${path} is not a version 1 state; delete it or run with --restart`);
  try {
    for (const s of state.segments) if (s.position) keyFromJson(s.position);
  } catch (error) {
    throw new BackfillStateError(
      `The backfill state file ${path} holds an unreadable position (${(error as Error).message}); run with --restart`,
      { cause: error },
    );
  }
  return state;
}

/** Creates a writer that saves states atomically (temporary file, then rename) and one at a time, newest wins. */
export function stateWriter(path: string): { save(state: BackfillState): Promise<void>; remove(): Promise<void> } {
  let chain: Promise<void> = Promise.resolve();
  let counter = 0;
  return {
    save(state) {
      const text = `${JSON.stringify(state, null, 2)}\n`;
      chain = chain.then(async () => {
        await mkdir(dirname(path), { recursive: true });
        const temporary = `${path}.${process.pid}.${++counter}.tmp`;
        await writeFile(temporary, text, 'utf8');
        await rename(temporary, path);
      });
      return chain;
    },
    remove() {
      chain = chain.then(() => rm(path, { force: true }));
      return chain;
    },
  };
}
