import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CheckpointStoreError, DeadLetterNotFoundError } from '../../lib/errors.js';
import { createFileCheckpointStore, createMemoryCheckpointStore } from '../../lib/offline/store/checkpoint-store.js';
import { createFileDeadLetterStore, createMemoryDeadLetterStore, type StreamFailurePayload } from '../../lib/offline/store/dead-letter-store.js';

const dirs: string[] = [];
const tempDir = async () => {
  const dir = await mkdtemp(join(tmpdir(), 'esm-store-'));
  dirs.push(dir);
  return dir;
};
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

const payload = (start: string): StreamFailurePayload => ({
  requestContext: { requestId: 'r', functionArn: 'arn:aws:lambda:us-east-1:1:function:f', condition: 'RetryAttemptsExhausted', approximateInvokeCount: 3 },
  responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
  version: '1.0',
  timestamp: '2026-01-01T00:00:00.000Z',
  DDBStreamBatchInfo: {
    shardId: 'shardId-1',
    startSequenceNumber: start,
    endSequenceNumber: start,
    approximateArrivalOfFirstRecord: '2026-01-01T00:00:00Z',
    approximateArrivalOfLastRecord: '2026-01-01T00:00:00Z',
    batchSize: 1,
    streamArn: 'arn:aws:dynamodb:us-east-1:1:table/t/stream/x',
  },
});

describe.each([
  ['memory', async () => createMemoryCheckpointStore()],
  ['file', async () => createFileCheckpointStore({ dir: await tempDir() })],
])('%s checkpoint store', (_name, create) => {
  it('keeps one checkpoint per mapping and shard, the last write winning', async () => {
    // Prepare
    const store = await create();
    // Act
    await store.put('m1', 'shard/1', { sequenceNumber: '100', updatedAt: 't1' });
    await store.put('m1', 'shard/1', { sequenceNumber: '200', updatedAt: 't2' });
    await store.put('m1', 'shard-2', { shardEnded: true, updatedAt: 't3' });
    await store.put('m2', 'shard/1', { sequenceNumber: '5', updatedAt: 't4' });
    // Assess
    expect(await store.get('m1', 'shard/1')).toEqual({ sequenceNumber: '200', updatedAt: 't2' });
    expect(await store.get('m1', 'missing')).toBeUndefined();
    expect(await store.list('m1')).toEqual({ 'shard/1': { sequenceNumber: '200', updatedAt: 't2' }, 'shard-2': { shardEnded: true, updatedAt: 't3' } });
    expect(await store.list('nothing')).toEqual({});
  });
});

describe('file checkpoint store', () => {
  it('survives a new store instance on the same folder and leaves no temporary files', async () => {
    const dir = await tempDir();
    await createFileCheckpointStore({ dir }).put('fn--t--label', 's1', { sequenceNumber: '7', updatedAt: 'x' });
    expect(await createFileCheckpointStore({ dir }).get('fn--t--label', 's1')).toEqual({ sequenceNumber: '7', updatedAt: 'x' });
    expect(await readdir(join(dir, 'fn--t--label'))).toEqual(['s1.json']);
  });

  it('names a corrupt checkpoint file and says what to do', async () => {
    const dir = await tempDir();
    const store = createFileCheckpointStore({ dir });
    await store.put('m', 's1', { sequenceNumber: '7', updatedAt: 'x' });
    await writeFile(join(dir, 'm', 's1.json'), '{not json');
    await expect(store.get('m', 's1')).rejects.toThrow(CheckpointStoreError);
    await expect(store.get('m', 's1')).rejects.toThrow(/s1\.json is not valid JSON; delete it/);
  });
});

describe.each([
  ['memory', async () => ({ store: createMemoryDeadLetterStore(), dir: undefined as string | undefined })],
  ['file', async () => {
    const dir = await tempDir();
    return { store: createFileDeadLetterStore({ dir }), dir };
  }],
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
    expect(await store.get(first.id)).toEqual({ id: first.id, functionName: 'booksStream', destination: 'BooksDlq', payload: payload('1') });
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
    expect(JSON.parse(await readFile(join(dir, 'booksStream', files[0]!), 'utf8')).payload.DDBStreamBatchInfo.startSequenceNumber).toBe('9');
  });
});
