import type { StreamSpec } from './stream-spec.js';

/** A test file for the new handler: every fixture of the function gives its documented response and logs each change. */
export const handlerTestSource = (spec: StreamSpec): string =>
  `import type { DynamoDBStreamEvent } from 'aws-lambda';
import { describe, expect, it, vi } from 'vitest';
import { buildFixture, fixtureCases } from '../fixtures/fixture-cases.js';

// Written by \`npm run new-stream\`; the ${spec.functionName} handler on its fixtures (${spec.fixtureCaseFile}).
const FUNCTION_NAME = '${spec.functionName}';
const cases = fixtureCases.filter((fixture) => fixture.functionName === FUNCTION_NAME);
const context = { awsRequestId: 'test-request', getRemainingTimeInMillis: () => 60_000 };

/** Loads the real handler module afresh and runs it on \`event\`; returns its response and the JSON lines it logged. */
async function invoke(event: DynamoDBStreamEvent): Promise<{ response: unknown; logged: Record<string, unknown>[] }> {
  const written: string[] = [];
  vi.stubEnv('LOG_LEVEL', 'info');
  vi.resetModules();
  const stdout = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  });
  try {
    const { handler } = await import('../../${spec.handlerFile.replace(/\.ts$/, '.js')}');
    const response = await handler(event, context);
    const logged = written
      .join('')
      .split('\\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    return { response, logged: logged.filter((line) => line.function === FUNCTION_NAME) };
  } finally {
    stdout.mockRestore();
    vi.unstubAllEnvs();
  }
}

describe(FUNCTION_NAME, () => {
  it('has at least one fixture', () => {
    // Assess
    expect(cases.length).toBeGreaterThan(0);
  });

  it.each(cases)('$file: answers its documented response and logs every change by key and sequence number, no images', async (fixture) => {
    // Prepare
    const event = buildFixture(fixture);
    // Act
    const { response, logged } = await invoke(event);
    // Assess
    expect(response).toEqual(fixture.expectedResponse);
    const changes = logged.filter((line) => line.action === 'log');
    expect(changes.map((line) => line.sequenceNumber)).toEqual(event.Records.map((record) => record.dynamodb!.SequenceNumber));
    expect(changes.map((line) => line.eventName)).toEqual(event.Records.map((record) => record.eventName));
    for (const line of logged) expect(Object.keys(line)).not.toEqual(expect.arrayContaining(['newImage']));
  });

  it('reports a record it cannot read by its sequence number, and runs nothing after it', async () => {
    // Prepare: the first record of the first fixture with an event name Lambda never sends.
    const event = buildFixture(cases[0]!);
    const broken = { ...event.Records[0]!, eventName: 'UPSERT' } as unknown as DynamoDBStreamEvent['Records'][number];
    // Act
    const { response, logged } = await invoke({ Records: [broken, ...event.Records.slice(1)] });
    // Assess
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: broken.dynamodb!.SequenceNumber }] });
    expect(logged.filter((line) => line.action === 'log')).toEqual([]);
  });
});
`;
