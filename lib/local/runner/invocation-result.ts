/**
 * What one invocation of a function returns: the handler's response, or the error Lambda would report
 * (`Sandbox.Timedout`, `Runtime.ExitError`, the handler's own error type). The runner makes it; the
 * event-source mapping, the console and redrive read it.
 */
export type InvocationResult = { ok: true; response: unknown } | { ok: false; errorType: string; errorMessage: string };

/** Lambda's result for an invocation that ran past the function timeout. */
export const timedOutResult = (requestId: string, timeoutMs: number): InvocationResult => ({
  ok: false,
  errorType: 'Sandbox.Timedout',
  errorMessage: `RequestId: ${requestId} Error: Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds`,
});
