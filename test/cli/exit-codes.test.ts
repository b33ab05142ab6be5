import { spawn, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { until } from '../support/until.js';

// Every command-line tool exits the same way: 0 ok (--help included), 1 failure, 2 usage, 130 interrupted.

const projectDir = resolve(__dirname, '..', '..');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a TypeScript entry point as `npm run` does (node with tsx, no npm in between, so signals reach it). */
function runScript(script: string, argv: string[], started?: (child: ChildProcess, stdout: () => string) => void): Promise<Run> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(projectDir, script), ...argv], {
      cwd: projectDir,
      env: { ...process.env, NODE_NO_WARNINGS: '1' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.on('error', fail);
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
    started?.(child, () => stdout);
  });
}

const CLIS = ['backfill', 'dead-letters', 'new-stream', 'redrive', 'soak', 'start'].map((name) => `lib/tools/cli/${name}.ts`);

describe('the exit codes of every command-line tool', { timeout: 120_000 }, () => {
  it.each(CLIS)('%s --help prints the usage and exits 0', async (script) => {
    // Act
    const run = await runScript(script, ['--help']);

    // Assess
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^Usage: npm (run [a-z-]+|start) -- /);
  });

  it.each(CLIS)('%s --bogus names the option, prints the usage and exits 2', async (script) => {
    // Act
    const run = await runScript(script, ['--bogus']);

    // Assess
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toMatch(/^CommandUsageError: .*'--bogus'/);
    expect(run.stderr).toContain('Usage: npm ');
    expect(run.stderr).not.toMatch(/^\s+at /m);
    expect(run.stderr).not.toContain('local-stack-failed');
  });
});

describe('runCli on SIGINT and SIGTERM', { timeout: 120_000 }, () => {
  const fixture = 'test/cli/fixtures/interruptible-cli.ts';

  it.each<[string, NodeJS.Signals]>([
    ['exit', 'SIGINT'],
    ['exit', 'SIGTERM'],
  ])('mode %s: %s exits 130 at once', async (mode, signal) => {
    // Act
    const run = await runScript(fixture, [mode], (child, stdout) => {
      void until(() => stdout().includes('ready'), 60_000, 'ready').then(() => child.kill(signal));
    });

    // Assess
    expect(run.code).toBe(130);
    expect(run.stdout).not.toContain('aborted');
  });

  it.each<[string, NodeJS.Signals]>([
    ['abort-then-exit', 'SIGINT'],
    ['abort-then-exit', 'SIGTERM'],
  ])('mode %s: a second %s exits 130 while main is still finishing', async (mode, signal) => {
    // Act
    const run = await runScript(fixture, [mode], (child, stdout) => {
      void (async () => {
        await until(() => stdout().includes('ready'), 60_000, 'ready');
        child.kill(signal);
        await until(() => stdout().includes('signal 1'), 60_000, 'the first signal');
        child.kill(signal);
      })();
    });

    // Assess: the first signal aborted main's signal with its name; the second ended the process.
    expect(run.code).toBe(130);
    expect(run.stdout).toContain(`aborted ${signal}`);
    expect(run.stdout).not.toContain('signal 2');
  });

  it('mode abort: further signals leave the ending to main', async () => {
    // Act
    const run = await runScript(fixture, ['abort'], (child, stdout) => {
      void (async () => {
        await until(() => stdout().includes('ready'), 60_000, 'ready');
        child.kill('SIGINT');
        await until(() => stdout().includes('signal 1'), 60_000, 'the first signal');
        child.kill('SIGINT');
        await until(() => stdout().includes('signal 2'), 60_000, 'the second signal');
        child.stdin!.write('finish\n');
      })();
    });

    // Assess
    expect(run.code).toBe(130);
    expect(run.stdout).toContain('aborted SIGINT');
    expect(run.stdout).toContain('signal 2');
  });
});
