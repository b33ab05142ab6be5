import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { answersDynamoDB, freePort } from '../../lib/local/dynamodb-local/dynamodb-local.js';
import { runToExit } from '../support/run-to-exit.js';

const projectDir = resolve(__dirname, '..', '..');
const serverless = join(projectDir, 'node_modules', 'osls', 'bin', 'serverless.js');

/** Runs the Serverless CLI of this project; never any AWS call (dummy credentials, no profile). */
async function sls(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; output: string }> {
  const { code, stdout, stderr } = await runToExit(process.execPath, [serverless, ...args], {
    cwd: projectDir,
    env: {
      ...process.env,
      SLS_TELEMETRY_DISABLED: '1',
      SLS_NOTIFICATIONS_MODE: 'off',
      AWS_ACCESS_KEY_ID: 'none',
      AWS_SECRET_ACCESS_KEY: 'none',
      AWS_PROFILE: '',
      ...env,
    },
    timeoutMs: 110_000,
  });
  return { code, output: `${stdout}${stderr}` };
}

describe('in-repository Serverless plugin', () => {
  it('stops `sls deploy` on the stage local with a message that says what to run', async () => {
    // Act
    const { code, output } = await sls(['deploy']);
    // Assess
    expect(code).not.toBe(0);
    expect(output).toContain('LocalStackError');
    expect(output).toContain('npx sls deploy --stage dev');
    expect(output).not.toMatch(/at Object\.guardDeploy/);
  });

  it('`sls invoke local` starts a throwaway DynamoDB Local when nothing answers, succeeds, and stops it', async () => {
    // Prepare: an endpoint where nothing listens
    const port = await freePort();
    const endpoint = `http://127.0.0.1:${port}`;
    // Act
    const { code, output } = await sls(['invoke', 'local', '-f', 'booksStream', '-p', 'events/books-insert.json'], {
      DYNAMODB_ENDPOINT: endpoint,
    });
    // Assess
    expect(output).toContain(`Nothing answered at ${endpoint}: started a throwaway in-memory DynamoDB Local`);
    expect(output).toMatch(/"batchItemFailures": \[\]/);
    expect(code).toBe(0);
    expect(await answersDynamoDB(endpoint, 500)).toBe(false);
  }, 120_000);
});
