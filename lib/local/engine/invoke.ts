import { systemClock, type Clock } from './clock.js';

/** What the function returned, or how it failed. */
export type InvokeResult = { ok: true; response: unknown } | { ok: false; errorType: string; errorMessage: string };
/** Invokes the mapped function once (the Lambda boundary). */
export type Invoke = (event: unknown, options: { functionName: string; timeoutMs: number; requestId?: string }) => Promise<InvokeResult>;

/**
 * Invokes once and fails the invocation as Lambda does when it runs past the function timeout
 * (`Sandbox.Timedout`). A thrown error or rejected promise becomes a failed invocation too.
 */
export async function invokeWithTimeout(
  invoke: Invoke,
  event: unknown,
  options: { functionName: string; timeoutSeconds: number; requestId: string },
  clock: Clock = systemClock,
): Promise<InvokeResult> {
  const timeoutMs = options.timeoutSeconds * 1000;
  let timer: unknown;
  const timedOut = new Promise<InvokeResult>((resolve) => {
    timer = clock.setTimeout(
      () => resolve({ ok: false, errorType: 'Sandbox.Timedout', errorMessage: `Task timed out after ${options.timeoutSeconds.toFixed(2)} seconds` }),
      timeoutMs,
    );
  });
  const invoked = Promise.resolve()
    .then(() => invoke(event, { functionName: options.functionName, timeoutMs, requestId: options.requestId }))
    .catch((error: unknown): InvokeResult => ({ ok: false, errorType: (error as Error)?.name ?? 'Error', errorMessage: (error as Error)?.message ?? String(error) }));
  try {
    return await Promise.race([invoked, timedOut]);
  } finally {
    clock.clearTimeout(timer);
  }
}
