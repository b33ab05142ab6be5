import { cpSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** The project root (where serverless.yml is). */
export const projectRoot = resolve(__dirname, '..', '..');

// Build output and state that a copy must not share with the working tree.
const LEFT_OUT = new Set(['node_modules', '.git', '.esbuild', '.serverless', '.build', '.dynamodb', '.local', 'coverage']);

export interface ProjectCopy {
  dir: string;
  remove(): void;
}

/**
 * A throwaway copy of the project (node_modules linked, not copied) to run `sls` in.
 * serverless-esbuild builds in a fixed `.esbuild/` folder of the service and deletes it afterwards,
 * so two `sls` commands in one directory at once break each other; a copy per test file avoids that.
 */
export function copyProject(prefix = 'sls-'): ProjectCopy {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  for (const entry of readdirSync(projectRoot)) {
    if (!LEFT_OUT.has(entry)) cpSync(join(projectRoot, entry), join(dir, entry), { recursive: true });
  }
  symlinkSync(join(projectRoot, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Environment for `sls` in tests: no telemetry, no notification or update checks over the network. */
export const slsEnv = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
  ...process.env,
  SLS_TELEMETRY_DISABLED: '1',
  SLS_NOTIFICATIONS_MODE: 'off',
  npm_config_update_notifier: 'false',
  ...extra,
});
