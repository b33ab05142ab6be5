import { GetRecordsCommand, type DynamoDBStreamsClient, type _Record as StreamsRecord } from '@aws-sdk/client-dynamodb-streams';
import type { WireRecord } from './lambda-record.js';

/** One GetRecords answer: the SDK's records, the same records as JSON off the wire (when readable), the next iterator. */
export interface RecordsRead {
  records: StreamsRecord[];
  /** `wire[i]` is `records[i]` as sent; undefined when the body could not be kept (a client that is not the SDK's). */
  wire: (WireRecord | undefined)[];
  nextShardIterator: string | undefined;
}

type BodyCollector = (body: unknown) => Promise<Uint8Array>;

/**
 * GetRecords, keeping the response body as well: the SDK's parser loses the value of an attribute named
 * `__proto__`, and Lambda delivers images exactly as they travel (binaries already base64).
 */
export async function readRecords(streams: DynamoDBStreamsClient, shardIterator: string, limit: number): Promise<RecordsRead> {
  const command = new GetRecordsCommand({ ShardIterator: shardIterator, Limit: limit });
  let body: string | undefined;
  const collect = (streams.config as { streamCollector?: BodyCollector }).streamCollector;
  if (collect) {
    // Low priority in the deserialize step runs next to the HTTP handler, before the SDK parses the body.
    command.middlewareStack.add(
      (next) => async (args) => {
        const result = await next(args);
        const response = result.response as { statusCode?: number; body?: unknown };
        if (response?.statusCode === 200 && response.body !== undefined) {
          const bytes = await collect(response.body);
          response.body = bytes;
          body = Buffer.from(bytes).toString('utf8');
        }
        return result;
      },
      { step: 'deserialize', priority: 'low', name: 'keepGetRecordsBody' },
    );
  }
  const output = await streams.send(command);
  const records = output.Records ?? [];
  const wire = wireRecords(body, records.length);
  return { records, wire, nextShardIterator: output.NextShardIterator };
}

function wireRecords(body: string | undefined, count: number): (WireRecord | undefined)[] {
  let parsed: unknown;
  try {
    parsed = body === undefined ? undefined : JSON.parse(body);
  } catch {
    parsed = undefined;
  }
  const list = (parsed as { Records?: unknown } | undefined)?.Records;
  // Matched by position; toLambdaRecord also checks the sequence number before using one.
  return Array.from({ length: count }, (_, index) =>
    Array.isArray(list) && typeof list[index] === 'object' && list[index] !== null ? (list[index] as WireRecord) : undefined,
  );
}
