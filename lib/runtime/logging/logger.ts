import { errorFields, isErrorLike } from './error-fields.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

/**
 * Fields of a log line. Item images belong at debug level only: they may hold personal data. An error (at any depth)
 * is written as its name, message, stack and cause chain (see errorFields).
 */
export type LogFields = Record<string, unknown>;

/** Structured JSON-lines logger. */
export interface Logger {
  readonly level: LogLevel;
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  isEnabled(level: LogLevel): boolean;
  /** A logger that adds `fields` to every line. */
  child(fields: LogFields): Logger;
}

export interface LoggerOptions {
  level?: LogLevel | string | undefined;
  /** Where lines go; stdout by default (one JSON object per line, as CloudWatch expects). */
  write?: (line: string) => void;
  fields?: LogFields;
}

const replacer = (_key: string, value: unknown) => {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Set) return [...value];
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  // An error becomes name, message, stack and its cause chain; its other properties may hold item contents.
  if (isErrorLike(value)) return errorFields(value);
  return value;
};

/** Parses a level name, falling back to info for anything unknown. */
export const parseLogLevel = (level: string | undefined): LogLevel => (level && level in RANK ? (level as LogLevel) : 'info');

/** Creates a JSON-lines logger. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const level = parseLogLevel(options.level);
  const write = options.write ?? ((line: string) => process.stdout.write(line));
  const base = options.fields ?? {};
  const threshold = RANK[level];
  const emit = (lineLevel: LogLevel, message: string, fields?: LogFields) => {
    if (RANK[lineLevel] < threshold) return;
    write(`${JSON.stringify({ level: lineLevel, time: new Date().toISOString(), message, ...base, ...fields }, replacer)}\n`);
  };
  return {
    level,
    debug: (message, fields) => emit('debug', message, fields),
    info: (message, fields) => emit('info', message, fields),
    warn: (message, fields) => emit('warn', message, fields),
    error: (message, fields) => emit('error', message, fields),
    isEnabled: (lineLevel) => RANK[lineLevel] >= threshold,
    child: (fields) => createLogger({ level, write, fields: { ...base, ...fields } }),
  };
}
