import { parseCommandLine } from './parse-command-line.js';
import { spawnSync } from 'node:child_process';
import { CommandUsageError } from '../../mapping/errors.js';
import { applyPlan } from '../scaffold/apply-plan.js';
import { planNewStream } from '../scaffold/new-stream-plan.js';
import { projectRoot } from '../../mapping/project-paths.js';
import { EXIT, runCli, type CliContext } from './run-cli.js';

// `npm run new-stream -- <name> --key <attr>:<S|N|B>[,<attr>:<S|N|B>]`: adds a table with a stream, its function,
// role and dead-letter queue to serverless.yml, a handler, a fixture and a test. Checks everything, then writes.

const USAGE = `Usage: npm run new-stream -- <name> --key <attribute>:<S|N|B>[,<attribute>:<S|N|B>] [--dry-run]
  <name>       kebab-case or camelCase, for example invoices or product-reviews: the table is <name>-\${sls:stage},
               the function <name>Stream (camelCase), the handler functions/<name>-stream.ts
  --key        the partition key, then optionally the sort key, for example --key customerId:S,invoiceDate:S
  --dry-run    check and show what would be added, write nothing
Exit codes: 0 added, 1 a name or file exists already (nothing changed), 2 usage.`;

const projectDir = projectRoot;

function main({ argv }: CliContext): number {
  const parsed = parseCommandLine(
    {
      args: argv,
      options: { key: { type: 'string' }, 'dry-run': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
    },
    USAGE,
  );
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return EXIT.ok;
  }
  if (positionals.length !== 1 || values.key === undefined) {
    const problem =
      positionals.length === 0
        ? 'Give the stream a name.'
        : positionals.length > 1
          ? `One name only, got ${positionals.join(' ')}.`
          : 'Give its key with --key.';
    throw new CommandUsageError(`${problem}\n${USAGE}`);
  }
  const plan = planNewStream(projectDir, positionals[0]!, values.key);
  if (plan.kind !== 'plan') {
    process.stderr.write(`Nothing was changed:\n${plan.problems.map((problem) => `  - ${problem}`).join('\n')}\n`);
    if (plan.kind === 'invalid') process.stderr.write(`${USAGE}\n`);
    return plan.kind === 'invalid' ? EXIT.usage : EXIT.failure;
  }
  const { spec } = plan;
  const files = [...plan.writes.map((write) => write.path), spec.eventFile];
  if (values['dry-run']) {
    process.stdout.write(`Would add ${spec.functionName} on ${spec.tableName}, writing:\n${files.map((file) => `  ${file}`).join('\n')}\n`);
    return EXIT.ok;
  }
  applyPlan(
    projectDir,
    plan.writes,
    () => {
      // The fixtures mechanism builds events/ from the factory cases; it is what `npm run fixtures` runs.
      const result = spawnSync(process.execPath, ['--import', 'tsx', 'test/fixtures/write-fixtures.ts'], {
        cwd: projectDir,
        encoding: 'utf8',
        timeout: 120_000,
      });
      if (result.status !== 0)
        throw new Error(`regenerating events/ failed (${result.error?.message ?? `exit ${result.status}`}): ${result.stderr}`);
    },
    [spec.eventFile],
  );
  process.stdout.write(
    `${[
      `Added ${spec.functionName}: table ${spec.tableName} (key ${spec.keys.map((key) => `${key.name}:${key.type}`).join(', ')}), ` +
        `${spec.roleLogicalId}, ${spec.queueLogicalId}.`,
      ...files.map((file) => `  ${file === 'serverless.yml' ? 'changed' : 'created'} ${file}`),
      `Longest stage these names allow: ${plan.longestStage} characters.`,
      'Next: write an action (docs/your-own-stream.md), then',
      `  npx vitest run --config test/vitest.config.mts ${spec.testFile}`,
      `  npx sls invoke local -f ${spec.functionName} -p ${spec.eventFile}`,
      '  npm start',
    ].join('\n')}\n`,
  );
  return EXIT.ok;
}

runCli(main);
