import { randomUUID } from 'node:crypto';
import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { DeadLetterNotFoundError } from '../../errors.js';

/** What AWS sends to an SQS or SNS on-failure destination for a DynamoDB stream batch: metadata, not the records. */
export interface StreamFailurePayload {
  requestContext: { requestId: string; functionArn: string; condition: 'RetryAttemptsExhausted' | 'RecordAgeExceeded' | string; approximateInvokeCount: number };
  responseContext: { statusCode: number; executedVersion: string; functionError?: string };
  version: '1.0';
  timestamp: string;
  DDBStreamBatchInfo: {
    shardId: string;
    startSequenceNumber: string;
    endSequenceNumber: string;
    approximateArrivalOfFirstRecord: string;
    approximateArrivalOfLastRecord: string;
    batchSize: number;
    streamArn: string;
  };
}

/** One failed batch in the store. */
export interface DeadLetterEntry {
  id: string;
  functionName: string;
  /** The on-failure destination of serverless.yml (ARN or logical id), when there is one. */
  destination?: string;
  payload: StreamFailurePayload;
}

/** Where failed batches go locally, instead of SQS or SNS. */
export interface DeadLetterStore {
  put(entry: Omit<DeadLetterEntry, 'id'>): Promise<DeadLetterEntry>;
  /** Entries oldest first, of one function or of all. */
  list(functionName?: string): Promise<DeadLetterEntry[]>;
  /** Throws DeadLetterNotFoundError. */
  get(id: string): Promise<DeadLetterEntry>;
  remove(id: string): Promise<void>;
}

// Ids sort by time, so a listing is oldest first without reading every file's timestamp.
const newId = (functionName: string): string => `${functionName}--${new Date().toISOString().replace(/[:.]/g, '-')}--${randomUUID().slice(0, 8)}`;
const functionOf = (id: string): string => id.split('--')[0]!;
const safeName = (name: string): string => name.replace(/[^A-Za-z0-9._-]/g, '_');
const byId = (a: DeadLetterEntry, b: DeadLetterEntry) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** Dead letters in memory, for tests. */
export function createMemoryDeadLetterStore(): DeadLetterStore {
  const entries = new Map<string, DeadLetterEntry>();
  return {
    put: async (entry) => {
      const stored = { id: newId(safeName(entry.functionName)), ...structuredClone(entry) };
      entries.set(stored.id, stored);
      return structuredClone(stored);
    },
    list: async (functionName) =>
      [...entries.values()].filter((entry) => functionName === undefined || entry.functionName === functionName).sort(byId).map((e) => structuredClone(e)),
    get: async (id) => {
      const entry = entries.get(id);
      if (!entry) throw new DeadLetterNotFoundError(`No dead letter "${id}"; list them to see which exist`);
      return structuredClone(entry);
    },
    remove: async (id) => {
      entries.delete(id);
    },
  };
}

/** `<project>/.local/dead-letters` (git-ignored). */
export const defaultDeadLetterDir = (): string => resolve(__dirname, '..', '..', '..', '.local', 'dead-letters');

/**
 * A folder of JSON files, one per failed batch, at `<dir>/<function>/<id>.json` (default dir:
 * `<project>/.local/dead-letters`). A person can read, copy or delete the files directly.
 */
export function createFileDeadLetterStore(options: { dir?: string } = {}): DeadLetterStore {
  const dir = options.dir ?? defaultDeadLetterDir();
  const fileOf = (id: string) => join(dir, safeName(functionOf(id)), `${id}.json`);
  const read = async (file: string): Promise<DeadLetterEntry> => JSON.parse(await readFile(file, 'utf8')) as DeadLetterEntry;
  return {
    put: async (entry) => {
      const stored: DeadLetterEntry = { id: newId(safeName(entry.functionName)), ...entry };
      const file = fileOf(stored.id);
      await mkdir(join(dir, safeName(entry.functionName)), { recursive: true });
      await writeFile(`${file}.tmp`, `${JSON.stringify(stored, null, 2)}\n`);
      await rename(`${file}.tmp`, file);
      return stored;
    },
    list: async (functionName) => {
      let folders: string[];
      try {
        folders = functionName === undefined ? await readdir(dir) : [safeName(functionName)];
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
        throw error;
      }
      const entries: DeadLetterEntry[] = [];
      for (const folder of folders) {
        let names: string[];
        try {
          names = await readdir(join(dir, folder));
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') continue;
          throw error;
        }
        for (const name of names.filter((n) => n.endsWith('.json'))) entries.push(await read(join(dir, folder, name)));
      }
      return entries.sort(byId);
    },
    get: async (id) => {
      try {
        return await read(fileOf(id));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new DeadLetterNotFoundError(`No dead letter "${id}" under ${dir}; list them to see which exist`);
        throw error;
      }
    },
    remove: async (id) => {
      await rm(fileOf(id), { force: true });
    },
  };
}
