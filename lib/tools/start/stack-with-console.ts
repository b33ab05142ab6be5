import { startLocalStack, type LocalStack, type LocalStackOptions, type SummaryLine } from '../../local/stack/local-stack.js';
import type { StackCompanion, StartStackCompanion } from '../../local/stack/stack-companion.js';
import type { ConsoleOption } from '../console/console-option.js';
import { startStackConsole, type StackConsole } from '../console/stack-console.js';

/** The local stack as `npm start` runs it: with its web console, unless the console is off. */
export interface StackWithConsole {
  readonly stack: LocalStack;
  /** The console's address with its token; undefined when the console is off. */
  readonly consoleUrl: string | undefined;
  /** The ready banner: the stack's summary with the console's line. */
  summary(): string;
}

/** The ready banner's console line: its address with the page's token, or how to turn it on. */
export const consoleSummaryLine = (consoleUrl: string | undefined): SummaryLine => ({
  label: 'Console',
  text: consoleUrl ?? 'off (npm start -- --console-port N turns it on)',
});

/** The console as the stack's companion: fed from before the first mapping starts, stopped with the stack. */
function consoleCompanion(port: number, onStarted: (stackConsole: StackConsole) => void): StartStackCompanion {
  return async (parts): Promise<StackCompanion> => {
    const { config, deadLetters, checkpoints, dynamodb, streams, invoke, logger } = parts;
    const stackConsole = await startStackConsole({
      port,
      config,
      mappings: [...parts.mappings],
      deadLetters,
      checkpoints,
      dynamodb,
      streams,
      invoke,
      logger,
    });
    onStarted(stackConsole);
    const unsubscribe = parts.bus.subscribe(stackConsole.onEvent);
    return {
      handlerLine: stackConsole.handlerLine,
      observeInvoke: stackConsole.observeInvoke,
      async stop() {
        unsubscribe();
        await stackConsole.stop();
      },
    };
  };
}

/** The stack's options, and its console: on a port (0 for a free one) or off. */
export type StackWithConsoleOptions = Omit<LocalStackOptions, 'companion'> & { console: ConsoleOption };

/**
 * Starts the local stack and, unless `console` is false, its web console on 127.0.0.1: the one start of
 * `npm start -- --no-offline` and of the plugin inside `sls offline start`.
 */
export async function startStackWithConsole(options: StackWithConsoleOptions): Promise<StackWithConsole> {
  const { console: consoleOption, ...stackOptions } = options;
  let stackConsole: StackConsole | undefined;
  const companion = consoleOption ? consoleCompanion(consoleOption.port, (started) => (stackConsole = started)) : undefined;
  const stack = await startLocalStack({ ...stackOptions, ...(companion ? { companion } : {}) });
  const consoleUrl = stackConsole?.url;
  return { stack, consoleUrl, summary: () => stack.summary([consoleSummaryLine(consoleUrl)]) };
}
