import { resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isListening, javaEnvironment, type ParentDeathWatch } from '../../lib/local/dynamodb-local/dynamodb-local.js';
import { environmentNames, isRunning, killGroup, runCommand, until, type RunningCommand } from './fixtures/processes.js';

const projectDir = resolve(__dirname, '..', '..');
const parentScript = resolve(__dirname, 'fixtures', 'dynamodb-local-parent.ts');
const SHELL_SECRETS = {
  AWS_ACCESS_KEY_ID: 'AKIAFROMTHESHELL',
  AWS_SECRET_ACCESS_KEY: 'shell-secret',
  AWS_SESSION_TOKEN: 'shell-token',
  AWS_PROFILE: 'work',
};

describe('javaEnvironment', () => {
  it.each([
    { name: 'drops AWS credentials and the rest', env: { PATH: '/b', ...SHELL_SECRETS, NODE_OPTIONS: '-' }, expected: { PATH: '/b' } },
    {
      name: 'keeps JAVA_HOME, HOME and TMPDIR',
      env: { PATH: '/p', JAVA_HOME: '/j', HOME: '/h', TMPDIR: '/t' },
      expected: { PATH: '/p', JAVA_HOME: '/j', HOME: '/h', TMPDIR: '/t' },
    },
    { name: 'leaves out empty values', env: { PATH: '/p', JAVA_HOME: '' }, expected: { PATH: '/p' } },
  ])('$name', ({ env, expected }) => {
    // Act
    const result = javaEnvironment(env);
    // Assess
    expect(result).toEqual({ ...expected, DDB_LOCAL_TELEMETRY: '0' });
  });
});

// A busy machine makes JVM starts slow: a generous start limit, a tight limit on what is asserted (the stop).
describe('DynamoDB Local dies with the process that started it', { timeout: 150_000 }, () => {
  let parent: RunningCommand | undefined;
  afterEach(() => killGroup(parent?.child.pid));

  it.each<{ parentDeath: ParentDeathWatch }>([{ parentDeath: 'setpriv' }, { parentDeath: 'poll' }])(
    'SIGKILL of the parent takes the JVM and its port with it ($parentDeath), and the JVM never saw the shell credentials',
    async ({ parentDeath }) => {
      // Prepare: a parent with AWS credentials in its environment starts DynamoDB Local
      const env = { ...process.env, ...SHELL_SECRETS };
      parent = runCommand(process.execPath, ['--import', 'tsx', parentScript, parentDeath], { cwd: projectDir, env });
      const started = await until(() => parent!.jsonLines().find((line) => line.event === 'dynamodb-local-started'), 120_000, 'the JVM');
      const jvmPid = Number(started.jvmPid);
      const port = Number(started.port);
      const jvmVariables = environmentNames(jvmPid);

      // Act
      const killedAt = Date.now();
      process.kill(Number(started.pid), 'SIGKILL');
      await until(() => (isRunning(jvmPid) ? undefined : true), 10_000, `JVM ${jvmPid} to stop`);
      await until(async () => ((await isListening('127.0.0.1', port, 200)) ? undefined : true), 10_000, `port ${port} to be free`);
      const stopMs = Date.now() - killedAt;

      // Assess
      expect(jvmVariables).not.toEqual(expect.arrayContaining(['AWS_ACCESS_KEY_ID']));
      expect(jvmVariables.filter((name) => name.startsWith('AWS_'))).toEqual([]);
      expect(jvmVariables).toContain('DDB_LOCAL_TELEMETRY');
      expect(stopMs).toBeLessThan(5_000);
      process.stderr.write(`[timing] ${parentDeath}: JVM gone and port ${port} free ${stopMs} ms after SIGKILL of its parent\n`);
    },
  );
});
