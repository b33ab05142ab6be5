import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  CheckpointStoreError,
  DeadLetterNotFoundError,
  InvalidDeadLetterIdError,
  UnreadableDeadLetterError,
} from '../../lib/local/errors.js';
import { createFileCheckpointStore, createMemoryCheckpointStore } from '../../lib/local/store/checkpoint-store.js';
import { createFileDeadLetterStore, createMemoryDeadLetterStore } from '../../lib/local/store/dead-letter-store.js';
import { failurePayload } from '../factories/failure-payload.js';

const dirs: string[] = [];
const tempDir = async () => {
  const dir = await mkdtemp(join(tmpdir(), 'esm-store-'));
  dirs.push(dir);
  return dir;
};
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

const payload = (start: string) => failurePayload({ start });

describe.each([
  ['memory', async () => createMemoryCheckpointStore()],
  ['file', async () => createFileCheckpointStore({ dir: await tempDir() })],
])('%s checkpoint store', (_name, create) => {
  it('keeps one checkpoint per mapping and shard, the last write winning', async () => {
    // Prepare
    const store = await create();
    // Act
    await store.put('m1', 'shard/1', { sequenceNumber: '000000000000000000100', updatedAt: '2026-01-01T00:00:01.000Z' });
    await store.put('m1', 'shard/1', { sequenceNumber: '000000000000000000200', updatedAt: '2026-01-01T00:00:02.000Z' });
    await store.put('m1', 'shard-2', { shardEnded: true, updatedAt: '2026-01-01T00:00:03.000Z' });
    await store.put('m2', 'shard/1', { sequenceNumber: '000000000000000000005', updatedAt: '2026-01-01T00:00:04.000Z' });
    // Assess
    expect(await store.get('m1', 'shard/1')).toEqual({ sequenceNumber: '000000000000000000200', updatedAt: '2026-01-01T00:00:02.000Z' });
    expect(await store.get('m1', 'missing')).toBeUndefined();
    expect(await store.list('m1')).toEqual({
      'shard/1': { sequenceNumber: '000000000000000000200', updatedAt: '2026-01-01T00:00:02.000Z' },
      'shard-2': { shardEnded: true, updatedAt: '2026-01-01T00:00:03.000Z' },
    });
    expect(await store.list('nothing')).toEqual({});
  });
});

describe('file checkpoint store', () => {
  it('survives a new store instance on the same folder and leaves no temporary files', async () => {
    const dir = await tempDir();
    await createFileCheckpointStore({ dir }).put('fn--t--label', 's1', {
      sequenceNumber: '000000000000000000007',
      updatedAt: '2026-01-01T00:00:05.000Z',
    });
    expect(await createFileCheckpointStore({ dir }).get('fn--t--label', 's1')).toEqual({
      sequenceNumber: '000000000000000000007',
      updatedAt: '2026-01-01T00:00:05.000Z',
    });
    expect(await readdir(join(dir, 'fn--t--label'))).toEqual(['s1.json']);
  });

  it('names a corrupt checkpoint file and says what to do', async () => {
    const dir = await tempDir();
    const store = createFileCheckpointStore({ dir });
    await store.put('m', 's1', { sequenceNumber: '000000000000000000007', updatedAt: '2026-01-01T00:00:05.000Z' });
    await writeFile(join(dir, 'm', 's1.json'), '{not json');
    await expect(store.get('m', 's1')).rejects.toThrow(CheckpointStoreError);
    await expect(store.get('m', 's1')).rejects.toMatchObject({ name: 'InvalidCheckpointError', location: join(dir, 'm', 's1.json') });
    await expect(store.list('m')).rejects.toMatchObject({
      name: 'InvalidCheckpointError',
      problem: expect.stringMatching(/not valid JSON/),
    });
  });
});

describe.each([
  ['memory', async () => ({ store: createMemoryDeadLetterStore(), dir: undefined as string | undefined })],
  [
    'file',
    async () => {
      const dir = await tempDir();
      return { store: createFileDeadLetterStore({ dir }), dir };
    },
  ],
])('%s dead-letter store', (_name, create) => {
  it('lists oldest first, per function or all, gets and removes entries', async () => {
    // Prepare
    const { store } = await create();
    // Act
    const first = await store.put({ functionName: 'booksStream', destination: 'BooksDlq', payload: payload('1') });
    await new Promise((resolve) => setTimeout(resolve, 5));
    const second = await store.put({ functionName: 'booksStream', payload: payload('2') });
    const other = await store.put({ functionName: 'ordersStream', payload: payload('3') });
    // Assess
    expect((await store.list('booksStream')).map((entry) => entry.id)).toEqual([first.id, second.id]);
    expect((await store.list()).map((entry) => entry.id).sort()).toEqual([first.id, second.id, other.id].sort());
    expect(await store.get(first.id)).toEqual({
      id: first.id,
      functionName: 'booksStream',
      destination: 'BooksDlq',
      payload: payload('1'),
    });
    await store.remove(first.id);
    expect((await store.list('booksStream')).map((entry) => entry.id)).toEqual([second.id]);
    await expect(store.get(first.id)).rejects.toThrow(DeadLetterNotFoundError);
    expect(await store.list('nobody')).toEqual([]);
  });
});

describe('file dead-letter store', () => {
  it('writes one readable JSON file per failed batch under the function folder', async () => {
    const dir = await tempDir();
    const entry = await createFileDeadLetterStore({ dir }).put({ functionName: 'booksStream', payload: payload('9') });
    const files = await readdir(join(dir, 'booksStream'));
    expect(files).toEqual([`${entry.id}.json`]);
    expect(JSON.parse(await readFile(join(dir, 'booksStream', files[0]!), 'utf8')).payload.DDBStreamBatchInfo.startSequenceNumber).toBe(
      '9',
    );
  });
});

describe('file dead-letter store: ids never leave the store', () => {
  const victimId = '..--2026-01-01T00-00-00-000Z--abcdef12';
  it.each([
    ['a relative path up to a file outside', 'x/../../../victim'],
    ['a relative path from the store', '../victim'],
    ['an absolute path', '/tmp/victim'],
    ['an id of the right form in the folder ..', victimId],
    ['an id of the right form with a slash in its function part', 'a/..--2026-01-01T00-00-00-000Z--abcdef12'],
    ['an empty id', ''],
  ])('refuses %s: nothing outside is read or removed', async (_label, id) => {
    // Prepare: victims where the unchecked paths of these ids lead.
    const root = await tempDir();
    const dir = join(root, 'dl');
    const store = createFileDeadLetterStore({ dir });
    await store.put({ functionName: 'booksStream', payload: payload('1') });
    const victims = [join(root, 'victim.json'), join(root, `${victimId}.json`)];
    const victimText = JSON.stringify({ id: 'victim', functionName: 'secret', payload: payload('666') });
    for (const victim of victims) await writeFile(victim, victimText);
    // Act
    const shown = store.get(id);
    const removed = store.remove(id);
    // Assess
    await expect(shown).rejects.toThrow(InvalidDeadLetterIdError);
    await expect(removed).rejects.toThrow(InvalidDeadLetterIdError);
    for (const victim of victims) expect(await readFile(victim, 'utf8')).toBe(victimText);
  });

  it('lists only the store when asked for a function named ..', async () => {
    // Prepare
    const root = await tempDir();
    await writeFile(join(root, 'outside.json'), JSON.stringify({ id: 'outside', functionName: 'x', payload: payload('7') }));
    const store = createFileDeadLetterStore({ dir: join(root, 'dl') });
    await store.put({ functionName: 'booksStream', payload: payload('1') });
    // Act
    const listing = await store.listing('..');
    // Assess
    expect(listing).toEqual({ entries: [], unreadable: [] });
  });

  it('keeps a function named .. inside the store', async () => {
    // Prepare
    const root = await tempDir();
    const store = createFileDeadLetterStore({ dir: join(root, 'dl') });
    // Act
    const entry = await store.put({ functionName: '..', payload: payload('1') });
    // Assess
    expect(await readdir(root)).toEqual(['dl']);
    expect(await store.get(entry.id)).toMatchObject({ id: entry.id, functionName: '..' });
  });
});

describe('file dead-letter store: one bad file hides nothing else', () => {
  it.each([
    ['truncated JSON', (text: string) => text.slice(0, 100), /not valid JSON/],
    ['null', () => 'null', /holds null/],
    ['an entry of another id', (text: string) => text.replace(/"id": "[^"]+"/, '"id": "other"'), /is not its file name/],
    ['an entry without payload', () => JSON.stringify({ id: 'ignored', functionName: 'booksStream' }), /not its file name|payload/],
  ])('lists the good entries and names a file holding %s with the reason', async (_label, spoil, reason) => {
    // Prepare
    const dir = await tempDir();
    const store = createFileDeadLetterStore({ dir });
    const good = await store.put({ functionName: 'booksStream', payload: payload('1') });
    const bad = await store.put({ functionName: 'booksStream', payload: payload('2') });
    const badFile = join(dir, 'booksStream', `${bad.id}.json`);
    await writeFile(badFile, spoil(await readFile(badFile, 'utf8')));
    // Act
    const listing = await store.listing();
    const listed = await store.list('booksStream');
    const read = store.get(bad.id);
    // Assess
    expect(listing.entries.map((entry) => entry.id)).toEqual([good.id]);
    expect(listing.unreadable).toEqual([{ file: badFile, reason: expect.stringMatching(reason) }]);
    expect(listed.map((entry) => entry.id)).toEqual([good.id]);
    await expect(read).rejects.toThrow(UnreadableDeadLetterError);
    await expect(read).rejects.toMatchObject({ file: badFile, name: 'UnreadableDeadLetterError' });
  });

  it('refuses a folder that is a file without hiding the others', async () => {
    // Prepare
    const dir = await tempDir();
    const store = createFileDeadLetterStore({ dir });
    const good = await store.put({ functionName: 'booksStream', payload: payload('1') });
    await mkdir(join(dir, 'emptyFolder'));
    await writeFile(join(dir, 'stray.txt'), 'not a folder');
    // Act
    const listing = await store.listing();
    // Assess
    expect(listing).toEqual({ entries: [expect.objectContaining({ id: good.id })], unreadable: [] });
  });
});
