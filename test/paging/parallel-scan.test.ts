import { BatchWriteItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Key } from '../../lib/data/paging/key-json.js';
import { parallelScan } from '../../lib/data/paging/parallel-scan.js';
import { ensureTable } from '../../lib/data/ensure-table.js';
import { localClient, uniqueStage } from '../support/dynamodb.js';

const client: DynamoDBClient = localClient();
const tableName = `pscan-${uniqueStage()}`;
const ids = Array.from({ length: 120 }, (_, i) => `item-${String(i).padStart(3, '0')}`);

beforeAll(async () => {
  await ensureTable(client, {
    logicalId: 'ScanTable',
    pointInTimeRecovery: false,
    create: {
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
    },
  });
  for (let i = 0; i < ids.length; i += 25) {
    await client.send(
      new BatchWriteItemCommand({
        RequestItems: { [tableName]: ids.slice(i, i + 25).map((id) => ({ PutRequest: { Item: marshall({ id }) } })) },
      }),
    );
  }
});

describe('parallel scan', () => {
  it('reads every item exactly once over all segments, paginated, with bounded concurrency', async () => {
    // Prepare
    const seen: string[] = [];
    const segmentsSeen = new Set<number>();
    let inFlight = 0;
    let maxInFlight = 0;

    // Act
    const result = await parallelScan<{ id: string }>(
      client,
      { TableName: tableName },
      {
        totalSegments: 4,
        concurrency: 2,
        pageSize: 10,
        onPage: async (page, segment) => {
          inFlight += 1;
          maxInFlight = Math.max(maxInFlight, inFlight);
          segmentsSeen.add(segment);
          seen.push(...page.items.map((item) => item.id));
          await new Promise((r) => setTimeout(r, 2));
          inFlight -= 1;
        },
      },
    );

    // Assess
    expect(seen.sort()).toEqual(ids);
    expect(result.items).toBe(120);
    expect(result.pages).toBeGreaterThanOrEqual(12);
    expect(result.finishedSegments).toEqual([0, 1, 2, 3]);
    expect(result.aborted).toBe(false);
    expect(maxInFlight).toBeLessThanOrEqual(2);
    expect(segmentsSeen.size).toBeGreaterThan(1);
  });

  it('resumes segments from saved keys and skips finished ones, without gaps or repeats', async () => {
    // Prepare: a first run stopped by the signal after the first page of each started segment
    const firstSeen: string[] = [];
    const positions: (Key | null | undefined)[] = [undefined, undefined, undefined];
    const controller = new AbortController();
    const first = await parallelScan<{ id: string }>(
      client,
      { TableName: tableName },
      {
        totalSegments: 3,
        concurrency: 3,
        pageSize: 7,
        signal: controller.signal,
        onPage: (page, segment) => {
          firstSeen.push(...page.items.map((item) => item.id));
          positions[segment] = page.lastEvaluatedKey ?? null;
          controller.abort();
        },
      },
    );
    const secondSeen: string[] = [];

    // Act
    await parallelScan<{ id: string }>(
      client,
      { TableName: tableName },
      {
        totalSegments: 3,
        pageSize: 7,
        startKeys: positions,
        onPage: (page) => {
          secondSeen.push(...page.items.map((item) => item.id));
        },
      },
    );

    // Assess
    expect(first.aborted).toBe(true);
    expect(firstSeen.length).toBeLessThan(120);
    expect([...firstSeen, ...secondSeen].sort()).toEqual(ids);
  });

  it('stops all segments and rejects with the error of a failing page handler', async () => {
    // Act
    const run = parallelScan(
      client,
      { TableName: tableName },
      {
        totalSegments: 2,
        pageSize: 5,
        onPage: () => {
          throw new Error('boom');
        },
      },
    );

    // Assess
    await expect(run).rejects.toThrow('boom');
  });

  it.each([0, 1.5, -1])('refuses totalSegments %s', async (totalSegments) => {
    // Act / Assess
    await expect(parallelScan(client, { TableName: tableName }, { totalSegments, onPage: () => {} })).rejects.toThrow(RangeError);
  });
});
