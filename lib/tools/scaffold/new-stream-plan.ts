import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIRST_ADDED_FIXTURE, firstFixture, type AddedStreamFixture } from './fixture-case.js';
import { handlerSource } from './handler-source.js';
import { handlerTestSource } from './handler-test-source.js';
import { addStreamToServerless } from './serverless-additions.js';
import { parseStreamSpec, type StreamSpec } from './stream-spec.js';

/** One file the command writes: created new, or (serverless.yml) replaced. */
export interface PlannedWrite {
  /** Relative to the project. */
  path: string;
  content: string;
  /** The content before, for a file that exists (restored if a later step fails). */
  previous?: string;
}

/**
 * What `npm run new-stream` decides before it writes anything: the writes, or why it refuses.
 * `invalid`: the arguments are wrong (usage, exit 2); `conflict`: the project already has one of the names (exit 1).
 */
export type NewStreamPlan =
  | { kind: 'plan'; spec: StreamSpec; writes: PlannedWrite[]; longestStage: number }
  | { kind: 'invalid'; problems: string[] }
  | { kind: 'conflict'; problems: string[] };

const nextFixtureNumber = (dir: string): number => {
  const used = existsSync(dir)
    ? readdirSync(dir)
        .filter((name) => name.endsWith('.json'))
        .map((name) => (JSON.parse(readFileSync(join(dir, name), 'utf8')) as AddedStreamFixture).fixture)
    : [];
  return Math.max(FIRST_ADDED_FIXTURE - 1, ...used) + 1;
};

/** Checks everything and computes every file to write; reads the project, writes nothing. */
export function planNewStream(projectDir: string, name: string, keySpec: string): NewStreamPlan {
  const parsed = parseStreamSpec(name, keySpec);
  if (parsed.kind === 'invalid') return parsed;
  const { spec } = parsed;
  const serverlessPath = join(projectDir, 'serverless.yml');
  const serverlessText = readFileSync(serverlessPath, 'utf8');
  const added = addStreamToServerless(serverlessText, spec);
  const problems = added.kind === 'conflict' ? [...added.problems] : [];
  for (const file of [spec.handlerFile, spec.testFile, spec.fixtureCaseFile, spec.eventFile]) {
    if (existsSync(join(projectDir, file))) problems.push(`${file} exists already`);
  }
  if (problems.length > 0 || added.kind !== 'ok') return { kind: 'conflict', problems };
  const fixture = firstFixture(spec, nextFixtureNumber(join(projectDir, 'test', 'fixtures', 'streams')));
  return {
    kind: 'plan',
    spec,
    longestStage: added.longestStage,
    writes: [
      { path: spec.fixtureCaseFile, content: `${JSON.stringify(fixture, null, 2)}\n` },
      { path: spec.handlerFile, content: handlerSource(spec) },
      { path: spec.testFile, content: handlerTestSource(spec) },
      { path: 'serverless.yml', content: added.text, previous: serverlessText },
    ],
  };
}
