import { CreateTableCommand, PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  DescribeStreamCommand,
  type DynamoDBStreamsClient,
} from '@aws-sdk/client-dynamodb-streams';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countRecordsBehind } from '../../lib/tools/console/records-behind.js';
import { createDynamoDBStreamsClient } from '../../lib/mapping/streams-client.js';
import { dynamodbEndpoint, localClient, uniqueStage } from '../support/dynamodb.js';

describe('records behind a checkpoint, read from the stream', () => {
  const table = `behind-${uniqueStage()}`;
  let client: DynamoDBClient;
  let streams: DynamoDBStreamsClient;
  let streamArn: string;
  let shardId: string;
  let sequenceNumbers: string[];

  beforeAll(async () => {
    client = localClient();
    streams = createDynamoDBStreamsClient({ endpoint: dynamodbEndpoint(), region: 'us-east-1' });
    const created = await client.send(
      new CreateTableCommand({
        TableName: table,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        StreamSpecification: { StreamEnabled: true, StreamViewType: 'KEYS_ONLY' },
      }),
    );
    streamArn = created.TableDescription!.LatestStreamArn!;
    for (let i = 0; i < 5; i += 1) await client.send(new PutItemCommand({ TableName: table, Item: { pk: { S: `item-${i}` } } }));
    shardId = (await streams.send(new DescribeStreamCommand({ StreamArn: streamArn }))).StreamDescription!.Shards![0]!.ShardId!;
    const iterator = await streams.send(
      new GetShardIteratorCommand({ StreamArn: streamArn, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }),
    );
    const read = await streams.send(new GetRecordsCommand({ ShardIterator: iterator.ShardIterator! }));
    sequenceNumbers = (read.Records ?? []).map((r) => r.dynamodb!.SequenceNumber!);
  });

  afterAll(() => {
    client?.destroy();
    streams?.destroy();
  });

  it.each<[string, number | undefined, number | undefined, { count: number; capped: boolean }]>([
    ['nothing handled yet: every record', undefined, undefined, { count: 5, capped: false }],
    ['after the second record', 1, undefined, { count: 3, capped: false }],
    ['after the last record', 4, undefined, { count: 0, capped: false }],
    ['stopping at the cap', undefined, 2, { count: 2, capped: true }],
  ])('%s', async (_name, afterIndex, cap, expected) => {
    // Prepare
    expect(sequenceNumbers).toHaveLength(5);
    const after = afterIndex === undefined ? undefined : sequenceNumbers[afterIndex];
    // Act
    const counted = await countRecordsBehind({ streams, streamArn, shardId, after, ...(cap ? { cap } : {}) });
    // Assess
    expect(counted).toEqual(expected);
  });
});
