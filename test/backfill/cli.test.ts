import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { BatchWriteItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import type { BackfillState } from '../../lib/tools/backfill/state-file.js';
import { createStageTables, dynamodbEndpoint, localClient, uniqueStage } from '../support/dynamodb.js';
import { statsByKey } from '../support/stats.js';

const client: DynamoDBClient = localClient();
const stage = uniqueStage('bfcli');
const projectDir = resolve(__dirname, '..', '..');
const statePath = join(mkdtempSync(join(tmpdir(), 'backfill-cli-')), 'state.json');
const books = Array.from({ length: 40 }, (_, i) => ({ isbn: `isbn-${i}`, title: `T${i}`, author: `Author ${i % 4}` }));

interface Run {
  code: number | null;
  stderr: string;
}

/** Runs `npm run backfill -- ...` as a real process (node with tsx, no npm in between, so signals reach it). */
function backfill(args: string[], onStderr?: (text: string, child: ReturnType<typeof spawn>) => void): Promise<Run> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'lib/tools/cli/backfill.ts',
        'booksStream',
        '--stage',
        stage,
        '--endpoint',
        dynamodbEndpoint(),
        '--state-file',
        statePath,
        ...args,
      ],
      {
        cwd: projectDir,
        env: { ...process.env, NODE_NO_WARNINGS: '1' },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      onStderr?.(stderr, child);
    });
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, stderr }));
  });
}

beforeAll(async () => {
  await createStageTables(client, stage);
  for (let i = 0; i < books.length; i += 25) {
    await client.send(
      new BatchWriteItemCommand({
        RequestItems: { [`books-${stage}`]: books.slice(i, i + 25).map((b) => ({ PutRequest: { Item: marshall(b) } })) },
      }),
    );
  }
});

describe('npm run backfill', () => {
  it('counts in a dry run with plain progress lines when not on a terminal', async () => {
    // Act
    const run = await backfill(['--dry-run', '--segments', '2', '--page-size', '7']);

    // Assess
    expect(run.code).toBe(0);
    expect(run.stderr).toContain(`Counting books-${stage}`);
    expect(run.stderr).toMatch(/booksStream 40 items \d+ items\/s ETA \? segments 2\/2 dry run: 40 items would be backfilled/);
    expect(run.stderr).not.toContain('\r');
  });

  it('saves the position on SIGINT, exits 130, and the next run continues to the exact statistics', async () => {
    // Prepare
    let signalled = false;

    // Act
    const interrupted = await backfill(
      ['--rate', '30', '--interval', '0.1', '--segments', '2', '--page-size', '4', '--batch-size', '2'],
      (text, child) => {
        if (!signalled && /booksStream ([1-9]\d*)\/40 items/.test(text)) {
          signalled = true;
          child.kill('SIGINT');
        }
      },
    );
    const saved = JSON.parse(readFileSync(statePath, 'utf8')) as BackfillState;
    const resumed = await backfill([]);
    const again = await backfill([]);

    // Assess
    expect(interrupted.code).toBe(130);
    expect(interrupted.stderr).toContain('interrupted: position saved to');
    expect(saved.completedAt).toBeUndefined();
    expect(saved.segments.reduce((sum, s) => sum + s.items, 0)).toBeLessThan(40);
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toMatch(/completed: \d+ items in this run, 40 in all \(resumed\)/);
    expect(again.stderr).toContain('already complete (40 items); run with --restart to backfill again');
    expect(await statsByKey(client, `author-stats-${stage}`, 'author')).toEqual({
      'Author 0': { bookCount: '10' },
      'Author 1': { bookCount: '10' },
      'Author 2': { bookCount: '10' },
      'Author 3': { bookCount: '10' },
    });
  });
});
