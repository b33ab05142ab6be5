import { lambdaNode, runtimeMajor } from '../../local/runner/lambda-node.js';
import { invokedFunction, stageOf, type HookContext } from './serverless-hooks.js';
import { SERVERLESS_DEFAULTS } from '../../mapping/serverless-defaults.js';

/** Set in the environment of the re-run command, so that it never re-runs itself. */
export const INVOKE_LOCAL_RERUN_ENV = 'LOCAL_INVOKE_RERUN_ON_RUNTIME_NODE';

/** Which Node.js `sls invoke local` should run the handler on: osls runs it in its own process. */
export type InvokeLocalNode =
  | { kind: 'as-is' }
  | { kind: 're-run'; execPath: string; version: string; runtime: string }
  | { kind: 'notice'; message: string };

/**
 * On the stage `local`, when this process's Node.js is not the function's runtime's major: the same command is
 * to be re-run on the runtime's Node (the packaged node-linux-<arch>, or a node of that major on PATH) when there
 * is one, else a one-line notice. Never for the re-run itself, nor for a runtime that is not Node.js.
 */
export function invokeLocalNode(context: HookContext, env: NodeJS.ProcessEnv, currentVersion: string = process.version): InvokeLocalNode {
  if (stageOf(context) !== 'local' || env[INVOKE_LOCAL_RERUN_ENV]) return { kind: 'as-is' };
  const invoked = invokedFunction(context);
  if (!invoked) return { kind: 'as-is' };
  const runtime = String(invoked.fn.runtime ?? context.serverless.service.provider.runtime ?? SERVERLESS_DEFAULTS.runtime);
  const major = runtimeMajor(runtime);
  if (major === undefined || Number(currentVersion.replace(/^v/, '').split('.')[0]) === major) return { kind: 'as-is' };
  const node = lambdaNode(runtime);
  if (node.kind === 'packaged' && node.execPath !== process.execPath) {
    return { kind: 're-run', execPath: node.execPath, version: node.version, runtime };
  }
  const reason = node.kind === 'fallback' ? node.reason : 'no other Node.js found';
  const message = `sls invoke local runs ${invoked.name} on this machine's Node.js ${currentVersion}, not on ${runtime}: ${reason}`;
  return { kind: 'notice', message };
}
