import { createLogger, type Logger, type LogLevel } from '../../lib/runtime/logging/logger.js';

/** A real logger whose JSON lines are kept for assertions. */
export function captureLogger(level: LogLevel = 'debug'): { logger: Logger; lines: () => Record<string, unknown>[]; text: () => string } {
  const raw: string[] = [];
  const logger = createLogger({ level, write: (line) => raw.push(line) });
  return { logger, lines: () => raw.map((line) => JSON.parse(line) as Record<string, unknown>), text: () => raw.join('') };
}
