import type { InvocationResult } from '../runner/invocation-result.js';

/** What the function returned, or how it failed: the runner's {@link InvocationResult}. */
export type InvokeResult = InvocationResult;

/**
 * Invokes the mapped function once (the Lambda boundary). The invoker keeps the function timeout
 * (`timeoutMs`) and reports an invocation past it as `Sandbox.Timedout`: only it knows when the init
 * phase ends, which is when Lambda starts counting.
 */
export type Invoke = (
  event: unknown,
  options: { functionName: string; timeoutMs: number; requestId?: string },
) => Promise<InvocationResult>;

/**
 * Invokes once; a thrown error or rejected promise becomes a failed invocation. It starts no timer:
 * one started here would run from before the init phase and could fail an invocation that Lambda (and
 * the runner) would let finish. No safety timer either: a later one could still fire first, because an
 * invocation may wait for a free execution environment before its init and its timeout begin.
 */
export async function invokeOnce(
  invoke: Invoke,
  event: unknown,
  options: { functionName: string; timeoutMs: number; requestId: string },
): Promise<InvocationResult> {
  try {
    return await invoke(event, options);
  } catch (error) {
    return { ok: false, errorType: (error as Error)?.name ?? 'Error', errorMessage: (error as Error)?.message ?? String(error) };
  }
}
