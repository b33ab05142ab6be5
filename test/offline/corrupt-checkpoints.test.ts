import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { DescribeStreamCommand } from '@aws-sdk/client-dynamodb-streams';
import { afterEach, describe, expect, it } from 'vitest';
import { InvalidCheckpointError } from '../../lib/local/errors.js';
import { mappingIdOf, type EventSourceMapping } from '../../lib/local/engine/event-source-mapping.js';
import { createFileCheckpointStore } from '../../lib/local/store/checkpoint-store.js';
import { localClient } from '../support/dynamodb.js';
import { createHarness, createStreamTable, localStreamsClient, putItem, testSettings } from './harness.js';

const client = localClient();
const running: EventSourceMapping[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((mapping) => mapping.stop()));
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

const at = '2026-01-01T00:00:00.000Z';

describe('a corrupt checkpoint stops the mapping at start, naming the file (issue 9 finding 12)', () => {
  it.each([
    ['null', () => 'null', /holds null/],
    ['an empty object', () => '{}', /updatedAt is undefined/],
    ['{"shardEnded": true}', () => '{"shardEnded": true}', /updatedAt/],
    ['shardEnded on the open shard', () => JSON.stringify({ shardEnded: true, updatedAt: at }), /still open/],
    ['garbage', () => '\u0000\u0001garbage{', /not valid JSON/],
    ['a sequence number of 2 digits', () => JSON.stringify({ sequenceNumber: '12', updatedAt: at }), /21 to 40 digits/],
    [
      'a sequence number beyond the shard',
      (last: string) => JSON.stringify({ sequenceNumber: (BigInt(last) + 1000n).toString().padStart(21, '0'), updatedAt: at }),
      /not one of this shard/,
    ],
  ])('refuses to start on a checkpoint holding %s, skips nothing and says what to run', async (_label, corrupt, problem) => {
    // Prepare: two records in the shard, then a corrupt checkpoint for it.
    const { tableName, streamArn } = await createStreamTable(client);
    await putItem(client, tableName, { id: 'c1' });
    await putItem(client, tableName, { id: 'c2' });
    const shard = (await localStreamsClient().send(new DescribeStreamCommand({ StreamArn: streamArn }))).StreamDescription!.Shards![0]!;
    const { GetShardIteratorCommand, GetRecordsCommand } = await import('@aws-sdk/client-dynamodb-streams');
    const iterator = await localStreamsClient().send(
      new GetShardIteratorCommand({ StreamArn: streamArn, ShardId: shard.ShardId!, ShardIteratorType: 'TRIM_HORIZON' }),
    );
    const records = (await localStreamsClient().send(new GetRecordsCommand({ ShardIterator: iterator.ShardIterator! }))).Records!;
    const dir = await mkdtemp(join(tmpdir(), 'esm-corrupt-'));
    dirs.push(dir);
    const checkpoints = createFileCheckpointStore({ dir });
    const file = checkpoints.locate(mappingIdOf('testFunction', tableName, streamArn), shard.ShardId!);
    const text = corrupt(records.at(-1)!.dynamodb!.SequenceNumber!);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, text);
    const harness = createHarness(testSettings(tableName), undefined, { checkpoints });
    running.push(harness.mapping);
    // Act
    const starting = harness.mapping.start();
    // Assess
    await expect(starting).rejects.toThrow(InvalidCheckpointError);
    await expect(starting).rejects.toMatchObject({ location: file, problem: expect.stringMatching(problem) });
    await expect(starting).rejects.toThrow(/Delete that file .*or run `npm start -- --reset`/);
    expect(harness.invocations).toEqual([]);
    expect(await readFile(file, 'utf8')).toBe(text);
  });

  it('starts and delivers everything once the corrupt file is deleted', async () => {
    // Prepare
    const { tableName, streamArn } = await createStreamTable(client);
    await putItem(client, tableName, { id: 'd1' });
    const shard = (await localStreamsClient().send(new DescribeStreamCommand({ StreamArn: streamArn }))).StreamDescription!.Shards![0]!;
    const dir = await mkdtemp(join(tmpdir(), 'esm-corrupt-'));
    dirs.push(dir);
    const checkpoints = createFileCheckpointStore({ dir });
    const file = checkpoints.locate(mappingIdOf('testFunction', tableName, streamArn), shard.ShardId!);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, 'null');
    const harness = createHarness(testSettings(tableName), undefined, { checkpoints });
    running.push(harness.mapping);
    await expect(harness.mapping.start()).rejects.toThrow(InvalidCheckpointError);
    // Act
    await rm(file);
    await harness.mapping.start();
    await harness.mapping.drain();
    // Assess
    expect(harness.invocations.flatMap((invocation) => invocation.ids)).toEqual(['d1']);
  });
});
