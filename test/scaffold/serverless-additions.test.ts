import { readFileSync } from 'node:fs';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { addStreamToServerless, roundTripsUnchanged } from '../../lib/tools/scaffold/serverless-additions.js';
import { parseStreamSpec, type StreamSpec } from '../../lib/tools/scaffold/stream-spec.js';
import { readServerlessConfig } from '../../lib/mapping/serverless-config.js';
import { projectRoot } from '../support/fixture-project-copy.js';

const original = readFileSync(join(projectRoot, 'serverless.yml'), 'utf8');
const spec = (name: string, key: string): StreamSpec => {
  const result = parseStreamSpec(name, key);
  if (result.kind !== 'ok') throw new Error(result.problems.join('; '));
  return result.spec;
};
/** The text as the project's tooling reads it, for stage `s`. */
function readText(text: string) {
  const dir = mkdtempSync(join(tmpdir(), 'sls-yml-'));
  try {
    writeFileSync(join(dir, 'serverless.yml'), text);
    return readServerlessConfig({ path: join(dir, 'serverless.yml'), stage: 's' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('addStreamToServerless (pure, on the project serverless.yml)', () => {
  it('serverless.yml survives the yaml library unchanged, so an edit keeps every other byte (keep it that way)', () => {
    // Act / Assess
    expect(roundTripsUnchanged(original)).toBe(true);
  });

  it.each([
    { name: 'receipts', key: 'receiptId:S' },
    { name: 'file-blobs', key: 'owner:S,blobKey:B' },
  ])(
    '$name --key $key: the new function, table, queue and role read back as intended, quoted where YAML 1.1 would not',
    ({ name, key }) => {
      // Prepare
      const s = spec(name, key);
      // Act
      const result = addStreamToServerless(original, s);
      // Assess
      expect(result.kind).toBe('ok');
      const text = result.kind === 'ok' ? result.text : '';
      expect(text.startsWith(original.trimEnd().split('\nresources:')[0]!.split('\n  ordersStream:')[0]!)).toBe(true);
      const config = readText(text);
      const fn = config.functions[s.functionName]!;
      expect(fn).toMatchObject({ handler: s.handlerPath, role: s.roleLogicalId });
      const stream = (fn.events as { stream: Record<string, unknown> }[])[0]!.stream;
      expect(stream).toMatchObject({
        type: 'dynamodb',
        arn: { 'Fn::GetAtt': [s.tableLogicalId, 'StreamArn'] },
        destinations: { onFailure: { arn: { 'Fn::GetAtt': [s.queueLogicalId, 'Arn'] }, type: 'sqs' } },
      });
      expect(stream.filterPatterns).toEqual([
        { dynamodb: { Keys: Object.fromEntries(s.keys.map((k) => [k.name, { [k.type]: [{ exists: true }] }])) } },
      ]);
      const table = config.resources[s.tableLogicalId] as { Properties: Record<string, unknown> };
      expect(table.Properties).toMatchObject({
        TableName: `${s.kebab}-s`,
        DeletionProtectionEnabled: true,
        StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
      });
      expect(table.Properties.KeySchema).toEqual(s.keys.map((k, i) => ({ AttributeName: k.name, KeyType: i === 0 ? 'HASH' : 'RANGE' })));
      expect(table.Properties.AttributeDefinitions).toEqual(s.keys.map((k) => ({ AttributeName: k.name, AttributeType: k.type })));
      expect(config.resources[s.queueLogicalId]).toMatchObject({
        Type: 'AWS::SQS::Queue',
        Properties: { QueueName: `ddb-streams-s-${s.kebab}-stream-dlq` },
      });
      // js-yaml (Serverless) reads a bare 2012-10-17 as a date: the policy versions must be quoted.
      expect(text.match(/Version: '2012-10-17'/g)?.length).toBe(original.match(/Version: '2012-10-17'/g)!.length + 2);
    },
  );

  it.each([
    { name: 'books', key: 'isbn:S', conflict: 'BooksTable' },
    { name: 'orders', key: 'id:S', conflict: 'ordersStream' },
    { name: 'author-stats', key: 'author:S', conflict: 'AuthorStatsTable' },
  ])('refuses $name: $conflict', ({ name, key, conflict }) => {
    // Act
    const result = addStreamToServerless(original, spec(name, key));
    // Assess
    expect(result.kind).toBe('conflict');
    expect(result.kind === 'conflict' && result.problems.join('\n')).toContain(conflict);
  });

  it("refuses a name that leaves no room for the stage `local` within Lambda's 64 characters", () => {
    // Prepare: <service>-local-<name>Stream reaches 64 characters with the longest name (40) and a 13-character service.
    const longest = spec(`a${'b'.repeat(39)}`, 'id:S');
    const longerService = original.replace(/^service: ddb-streams$/m, 'service: ddb-streams-x');
    // Act
    const ok = addStreamToServerless(original, longest);
    const refused = addStreamToServerless(longerService, longest);
    // Assess
    expect(ok).toMatchObject({ kind: 'ok', longestStage: 5 });
    expect(refused.kind).toBe('conflict');
    expect(refused.kind === 'conflict' && refused.problems.join()).toContain('at most 64');
  });
});
