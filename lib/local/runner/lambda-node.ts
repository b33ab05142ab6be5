import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Which Node.js runs a function's handlers locally, and why. */
export type LambdaNode =
  | { kind: 'packaged'; execPath: string; version: string }
  | { kind: 'fallback'; execPath: string; version: string; reason: string };

/** The major version a Lambda runtime name promises: `nodejs22.x` gives 22; anything else gives undefined. */
export function runtimeMajor(runtime: string): number | undefined {
  const match = /^nodejs(\d+)\.x$/.exec(runtime);
  return match ? Number(match[1]) : undefined;
}

/**
 * The Node.js binary that matches a function's runtime: the one the optional dependency
 * `node-linux-<arch>` ships (pinned to the deployed major), else this process's own Node, with the reason.
 * Running handlers on the deployed major keeps "works locally, breaks on Lambda" from hiding in
 * version differences (and silences the SDK's warning about Node 20).
 */
export function lambdaNode(runtime: string, resolveFrom: string = __dirname): LambdaNode {
  const own = { execPath: process.execPath, version: process.version };
  const major = runtimeMajor(runtime);
  if (major === undefined) return { kind: 'fallback', ...own, reason: `runtime ${runtime} is not a Node.js runtime` };
  if (Number(process.versions.node.split('.')[0]) === major) return { kind: 'packaged', ...own };
  const packageName = `node-${process.platform}-${process.arch}`;
  let manifest: string;
  try {
    manifest = require.resolve(`${packageName}/package.json`, { paths: [resolveFrom] });
  } catch {
    return { kind: 'fallback', ...own, reason: `the optional package ${packageName} is not installed` };
  }
  const version = (require(manifest) as { version: string }).version;
  const execPath = join(dirname(manifest), 'bin', 'node');
  if (Number(version.split('.')[0]) !== major || !existsSync(execPath)) {
    return { kind: 'fallback', ...own, reason: `${packageName} ${version} does not provide Node.js ${major}` };
  }
  return { kind: 'packaged', execPath, version: `v${version}` };
}
