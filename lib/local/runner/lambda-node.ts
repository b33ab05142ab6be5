import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, dirname, join, sep } from 'node:path';

/** Which Node.js runs a function's handlers locally, and why. */
export type LambdaNode =
  | { kind: 'packaged'; execPath: string; version: string }
  | { kind: 'fallback'; execPath: string; version: string; reason: string };

/** The major version a Lambda runtime name promises: `nodejs22.x` gives 22; anything else gives undefined. */
export function runtimeMajor(runtime: string): number | undefined {
  const match = /^nodejs(\d+)\.x$/.exec(runtime);
  return match ? Number(match[1]) : undefined;
}

const versions = new Map<string, string | undefined>();

/** The version a Node.js binary reports (`v20.20.2`), asked once per path; undefined when it does not run. */
function versionOf(execPath: string): string | undefined {
  if (!versions.has(execPath)) {
    const answer = spawnSync(execPath, ['--version'], { encoding: 'utf8', timeout: 5000, env: {} });
    versions.set(execPath, answer.status === 0 ? answer.stdout.trim() : undefined);
  }
  return versions.get(execPath);
}

const majorOf = (version: string): number => Number(version.replace(/^v/, '').split('.')[0]);

/**
 * The first `node` on PATH of the given major, leaving out node_modules/.bin folders (under npm, npx and
 * `npm start`, the one there is the packaged Node 22 of node-linux-<arch>, which shadows the machine's own).
 */
export function machineNode(major: number, path: string = process.env.PATH ?? ''): { execPath: string; version: string } | undefined {
  for (const folder of path.split(delimiter)) {
    if (!folder || folder.split(sep).includes('node_modules')) continue;
    const execPath = join(folder, process.platform === 'win32' ? 'node.exe' : 'node');
    if (!existsSync(execPath)) continue;
    const version = versionOf(execPath);
    if (version && majorOf(version) === major) return { execPath, version };
  }
  return undefined;
}

/**
 * The Node.js binary that matches a function's runtime: this process's own when its major matches, else the one
 * the optional dependency `node-linux-<arch>` ships (pinned to the deployed major), else a `node` of that major
 * on PATH (the machine's own), else this process's own Node, with the reason.
 * Running handlers on the deployed major keeps "works locally, breaks on Lambda" from hiding in
 * version differences (and silences the SDK's warning about Node 20).
 */
export function lambdaNode(runtime: string, resolveFrom: string = __dirname): LambdaNode {
  const own = { execPath: process.execPath, version: process.version };
  const major = runtimeMajor(runtime);
  if (major === undefined) return { kind: 'fallback', ...own, reason: `runtime ${runtime} is not a Node.js runtime` };
  if (Number(process.versions.node.split('.')[0]) === major) return { kind: 'packaged', ...own };
  const packageName = `node-${process.platform}-${process.arch}`;
  let reason: string;
  try {
    const manifest = require.resolve(`${packageName}/package.json`, { paths: [resolveFrom] });
    const version = (require(manifest) as { version: string }).version;
    const execPath = join(dirname(manifest), 'bin', 'node');
    if (Number(version.split('.')[0]) === major && existsSync(execPath)) return { kind: 'packaged', execPath, version: `v${version}` };
    reason = `${packageName} ${version} does not provide Node.js ${major}`;
  } catch {
    reason = `the optional package ${packageName} is not installed`;
  }
  const machine = machineNode(major);
  if (machine) return { kind: 'packaged', ...machine };
  return { kind: 'fallback', ...own, reason: `${reason}, and no node on PATH is Node.js ${major}` };
}
