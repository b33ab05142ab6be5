import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ScaffoldError } from '../errors.js';
import type { PlannedWrite } from './new-stream-plan.js';

/**
 * Writes the planned files, then runs `afterWrite` (regenerating events/); if anything fails, puts every file
 * back as it was (new files and the `generated` ones removed, serverless.yml restored) and throws a ScaffoldError,
 * so nothing is half-added.
 */
export function applyPlan(projectDir: string, writes: PlannedWrite[], afterWrite: () => void, generated: string[] = []): void {
  const done: PlannedWrite[] = [];
  try {
    for (const write of writes) {
      const path = join(projectDir, write.path);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, write.content, write.previous === undefined ? { flag: 'wx' } : {});
      done.push(write);
    }
    afterWrite();
  } catch (error) {
    for (const file of generated) rmSync(join(projectDir, file), { force: true });
    for (const write of done.reverse()) {
      const path = join(projectDir, write.path);
      if (write.previous === undefined) rmSync(path, { force: true });
      else writeFileSync(path, write.previous);
    }
    throw new ScaffoldError(
      `Adding the stream failed, and every file was put back as it was: ${error instanceof Error ? error.message : String(error)}. ` +
        'Fix the cause and run the command again.',
      { cause: error },
    );
  }
}
