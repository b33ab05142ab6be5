import { randomUUID } from 'node:crypto';
import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { DeadLetterNotFoundError, InvalidDeadLetterIdError, UnreadableDeadLetterError } from '../errors.js';
import { projectPaths } from '../../mapping/project-paths.js';
import type { StreamFailurePayload } from '../../mapping/failure-payload.js';

/** One failed batch in the store. */
export interface DeadLetterEntry {
  id: string;
  functionName: string;
  /** The on-failure destination of serverless.yml (ARN or logical id), when there is one. */
  destination?: string;
  /** Why the local engine gave the batch up without the function's help (condition RecordNotDeliverable). */
  reason?: string;
  payload: StreamFailurePayload;
}

/** A file in the store that is not a readable entry, and why. */
export interface UnreadableDeadLetter {
  file: string;
  reason: string;
}

/** Everything in the store: the entries that read, oldest first, and the files that do not. */
export interface DeadLetterListing {
  entries: DeadLetterEntry[];
  unreadable: UnreadableDeadLetter[];
}

/** Where failed batches go locally, instead of SQS or SNS. */
export interface DeadLetterStore {
  put(entry: Omit<DeadLetterEntry, 'id'>): Promise<DeadLetterEntry>;
  /** Readable entries oldest first, of one function or of all; `listing` also names the unreadable files. */
  list(functionName?: string): Promise<DeadLetterEntry[]>;
  /** Readable entries plus every file that is not one (named, with the reason), so one bad file hides nothing else. */
  listing(functionName?: string): Promise<DeadLetterListing>;
  /** Throws InvalidDeadLetterIdError, DeadLetterNotFoundError or UnreadableDeadLetterError. */
  get(id: string): Promise<DeadLetterEntry>;
  /** Throws InvalidDeadLetterIdError for an id the store never makes. */
  remove(id: string): Promise<void>;
}

/** Folder names keep only characters safe on every file system, and are never `.` or `..`. */
const safeName = (name: string): string => {
  const safe = name.replace(/[^A-Za-z0-9._-]/g, '_');
  return /^\.*$/.test(safe) ? safe.replace(/\./g, '_') || '_' : safe;
};
// Ids sort by time, so a listing is oldest first without reading every file's timestamp.
const newId = (functionName: string): string =>
  `${safeName(functionName)}--${new Date().toISOString().replace(/[:.]/g, '-')}--${randomUUID().slice(0, 8)}`;
/** The only ids `newId` makes: folder, timestamp, random suffix. Anything else (`/`, `..`) is refused. */
const ID = /^([A-Za-z0-9._-]+)--(\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-\d{3}Z)--([0-9a-f]{8})$/;

/** The function folder of a valid id; throws InvalidDeadLetterIdError for anything the store never made. */
export function deadLetterFolderOf(id: unknown): string {
  const match = typeof id === 'string' ? ID.exec(id) : null;
  // A folder of only dots would be `.` or `..`: safeName never makes one.
  if (!match || /^\.+$/.test(match[1]!)) {
    throw new InvalidDeadLetterIdError(
      `${JSON.stringify(id)} is not a dead-letter id (expected <function>--<time>--<8 hex digits>, as the listing shows them); ` +
        `list them to see which exist`,
    );
  }
  return match[1]!;
}

const byId = (a: DeadLetterEntry, b: DeadLetterEntry) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** Dead letters in memory, for tests. */
export function createMemoryDeadLetterStore(): DeadLetterStore {
  const entries = new Map<string, DeadLetterEntry>();
  return {
    put: async (entry) => {
      const stored = { id: newId(entry.functionName), ...structuredClone(entry) };
      entries.set(stored.id, stored);
      return structuredClone(stored);
    },
    list: async (functionName) =>
      [...entries.values()]
        .filter((entry) => functionName === undefined || entry.functionName === functionName)
        .sort(byId)
        .map((e) => structuredClone(e)),
    listing: async (functionName) => ({
      entries: [...entries.values()]
        .filter((entry) => functionName === undefined || entry.functionName === functionName)
        .sort(byId)
        .map((e) => structuredClone(e)),
      unreadable: [],
    }),
    get: async (id) => {
      deadLetterFolderOf(id);
      const entry = entries.get(id);
      if (!entry) throw new DeadLetterNotFoundError(`No dead letter "${id}"; list them to see which exist`);
      return structuredClone(entry);
    },
    remove: async (id) => {
      deadLetterFolderOf(id);
      entries.delete(id);
    },
  };
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Why a file's text is not the entry `expectedId`, or undefined when it is. */
function entryProblem(value: unknown, expectedId: string): string | undefined {
  if (!isObject(value))
    return `it holds ${value === null ? 'null' : Array.isArray(value) ? 'a list' : `a ${typeof value}`}, not an entry object`;
  if (value.id !== expectedId) return `its id ${JSON.stringify(value.id)} is not its file name ${expectedId}`;
  if (typeof value.functionName !== 'string') return 'it has no functionName';
  if (!isObject(value.payload) || !isObject(value.payload.DDBStreamBatchInfo) || !isObject(value.payload.requestContext)) {
    return 'its payload has no DDBStreamBatchInfo or requestContext';
  }
  return undefined;
}

/** `<project>/.local/dead-letters` (git-ignored). */
export const defaultDeadLetterDir = (): string => projectPaths().deadLetters;

/**
 * A folder of JSON files, one per failed batch, at `<dir>/<function>/<id>.json` (default dir:
 * `<project>/.local/dead-letters`). A person can read, copy or delete the files directly.
 */
export function createFileDeadLetterStore(options: { dir?: string } = {}): DeadLetterStore {
  const dir = resolve(options.dir ?? defaultDeadLetterDir());
  /** The file of an id, checked to lie inside the store whatever the id says. */
  const fileOf = (id: string): string => {
    const file = resolve(dir, deadLetterFolderOf(id), `${id}.json`);
    const inside = relative(dir, file);
    if (inside.startsWith('..') || isAbsolute(inside))
      throw new InvalidDeadLetterIdError(`${JSON.stringify(id)} names a file outside the dead-letter store ${dir}`);
    return file;
  };
  /** An entry, or the reason its file is not one (a missing file is not a reason: it throws ENOENT). */
  const read = async (file: string, id: string): Promise<DeadLetterEntry> => {
    const text = await readFile(file, 'utf8');
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new UnreadableDeadLetterError(file, `it is not valid JSON (${(error as Error).message})`, { cause: error });
    }
    const problem = entryProblem(value, id);
    if (problem) throw new UnreadableDeadLetterError(file, problem);
    return value as DeadLetterEntry;
  };
  const listing = async (functionName?: string): Promise<DeadLetterListing> => {
    let folders: string[];
    try {
      folders = functionName === undefined ? await readdir(dir) : [safeName(functionName)];
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { entries: [], unreadable: [] };
      throw error;
    }
    const entries: DeadLetterEntry[] = [];
    const unreadable: UnreadableDeadLetter[] = [];
    for (const folder of folders) {
      let names: string[];
      try {
        names = await readdir(join(dir, folder));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') continue;
        throw error;
      }
      for (const name of names.filter((n) => n.endsWith('.json'))) {
        const file = join(dir, folder, name);
        try {
          entries.push(await read(file, name.slice(0, -'.json'.length)));
        } catch (error) {
          if (error instanceof UnreadableDeadLetterError) unreadable.push({ file, reason: error.reason });
          else if ((error as NodeJS.ErrnoException).code !== 'ENOENT') unreadable.push({ file, reason: (error as Error).message });
        }
      }
    }
    return { entries: entries.sort(byId), unreadable };
  };
  return {
    put: async (entry) => {
      const stored: DeadLetterEntry = { id: newId(entry.functionName), ...entry };
      const file = fileOf(stored.id);
      await mkdir(join(dir, safeName(entry.functionName)), { recursive: true });
      await writeFile(`${file}.tmp`, `${JSON.stringify(stored, null, 2)}\n`);
      await rename(`${file}.tmp`, file);
      return stored;
    },
    list: async (functionName) => (await listing(functionName)).entries,
    listing,
    get: async (id) => {
      const file = fileOf(id);
      try {
        return await read(file, id);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT')
          throw new DeadLetterNotFoundError(`No dead letter "${id}" under ${dir}; list them to see which exist`);
        throw error;
      }
    },
    remove: async (id) => {
      await rm(fileOf(id), { force: true });
    },
  };
}
