import { CommandUsageError } from '../../mapping/errors.js';
import { AppError } from '../../runtime/errors.js';

/** The exit codes of every command-line tool of this project. */
export const EXIT = { ok: 0, failure: 1, usage: 2, interrupted: 130 } as const;

/**
 * What SIGINT and SIGTERM do to a command:
 * - `exit`: exit 130 at once (nothing is lost by stopping mid-way);
 * - `abort-then-exit`: abort `signal` so main can finish what is under way and return; a second signal exits 130 at once;
 * - `abort`: abort `signal` and leave the ending to main, whatever else arrives (it owns its deadline).
 */
export type InterruptMode = 'exit' | 'abort-then-exit' | 'abort';

export interface CliContext {
  /** The arguments after the script's name. */
  argv: string[];
  /** Aborted by SIGINT or SIGTERM when the interrupt mode is not `exit`; its reason is the signal's name. */
  signal: AbortSignal;
}

/** The signal that aborted a CliContext's `signal` (SIGTERM when aborted otherwise). */
export const interruptSignalOf = (signal: AbortSignal): NodeJS.Signals => (signal.reason === 'SIGINT' ? 'SIGINT' : 'SIGTERM');

export interface RunCliOptions {
  /** Default `exit`. */
  interrupt?: InterruptMode;
  /** Called with the error of a failed main, after it was printed and before the exit. */
  onFailure?: (error: unknown) => void;
}

/** The exit code of a failed main: 2 for a command line that cannot be run as given, 1 for anything else. */
export const exitCodeOf = (error: unknown): number => (error instanceof CommandUsageError ? EXIT.usage : EXIT.failure);

/** What a failed command prints: `Name: message` for our errors (their messages say what to do), the stack for others. */
export function describeFailure(error: unknown): string {
  if (error instanceof AppError) return `${error.name}: ${error.message}`;
  if (error instanceof Error) return error.stack ?? `${error.name}: ${error.message}`;
  return `Uncaught ${typeof error}: ${String(error)}`;
}

/**
 * Runs a command-line tool's main and exits with its code. Errors are printed (see describeFailure) and mapped to
 * exit codes (see exitCodeOf); SIGINT and SIGTERM end in 130 (see InterruptMode). `process.exit` is used so that
 * open sockets of SDK clients do not keep a finished command alive.
 */
export function runCli(main: (context: CliContext) => Promise<number> | number, options: RunCliOptions = {}): void {
  const mode = options.interrupt ?? 'exit';
  const controller = new AbortController();
  const interrupted = (signal: NodeJS.Signals) => {
    if (mode === 'exit' || (mode === 'abort-then-exit' && controller.signal.aborted)) process.exit(EXIT.interrupted);
    controller.abort(signal);
  };
  process.on('SIGINT', interrupted);
  process.on('SIGTERM', interrupted);
  Promise.resolve()
    .then(() => main({ argv: process.argv.slice(2), signal: controller.signal }))
    .then(
      (code) => process.exit(code),
      (error: unknown) => {
        process.stderr.write(`${describeFailure(error)}\n`);
        options.onFailure?.(error);
        process.exit(exitCodeOf(error));
      },
    );
}
