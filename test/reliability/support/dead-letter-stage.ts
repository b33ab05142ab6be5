import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { createFileDeadLetterStore, type DeadLetterStore } from '../../../lib/local/store/dead-letter-store.js';
import { uniqueStage } from '../../support/dynamodb.js';

/** A test file's own stage name and dead-letter store (in a temporary folder). */
export interface DeadLetterStage {
  stage: string;
  /** The store's folder, as `--dir` gives it to the CLIs. */
  dir: string;
  store: DeadLetterStore;
}

/** For a test file: a stage and a dead-letter store of its own, the folder removed after the file's tests. */
export function deadLetterStage(prefix: string): DeadLetterStage {
  const stage = uniqueStage(prefix);
  const dir = mkdtempSync(join(tmpdir(), `${prefix}-dead-letters-`));
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  return { stage, dir, store: createFileDeadLetterStore({ dir }) };
}
