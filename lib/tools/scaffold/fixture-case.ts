import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { KeyAttribute, StreamSpec } from './stream-spec.js';

/**
 * A fixture of a stream added by `npm run new-stream`, as stored in test/fixtures/streams/<name>-stream.json:
 * factory inputs in DynamoDB JSON (so binaries and big numbers survive), turned into a Lambda event by the
 * fixtures mechanism (`npm run fixtures` writes events/).
 */
export interface AddedStreamFixture {
  /** Number of the fixture: picks its sequence numbers and event IDs (unique across all fixtures). */
  fixture: number;
  /** File name under events/. */
  file: string;
  functionName: string;
  description: string;
  /** The source table as the stage `local` names it. */
  table: string;
  keyNames: string[];
  changes: {
    eventName: 'INSERT' | 'MODIFY' | 'REMOVE';
    newImage?: Record<string, AttributeValue>;
    oldImage?: Record<string, AttributeValue>;
  }[];
  expectedResponse: { batchItemFailures: { itemIdentifier: string }[] };
}

/** Fixture numbers of added streams start here, after the hand-written fixtures' numbers. */
export const FIRST_ADDED_FIXTURE = 100;

const exampleValue = (key: KeyAttribute): AttributeValue => {
  if (key.type === 'S') return { S: `example-${key.name}` };
  if (key.type === 'N') return { N: '1' };
  return { B: Buffer.from('example').toString('base64') } as unknown as AttributeValue;
};

/** The first fixture of a new stream: one INSERT of an item made of its keys and one other attribute. */
export function firstFixture(spec: StreamSpec, fixture: number): AddedStreamFixture {
  const keys = Object.fromEntries(spec.keys.map((key) => [key.name, exampleValue(key)]));
  return {
    fixture,
    file: spec.eventFile.replace(/^events\//, ''),
    functionName: spec.functionName,
    description: `An item is created in ${spec.kebab} (INSERT, new image only).`,
    table: `${spec.kebab}-local`,
    keyNames: spec.keys.map((key) => key.name),
    changes: [{ eventName: 'INSERT', newImage: { note: { S: 'written by npm run new-stream' }, ...keys } }],
    expectedResponse: { batchItemFailures: [] },
  };
}
