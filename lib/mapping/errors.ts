/** Errors of the model of Lambda's event-source mappings and of serverless.yml (rank 1). */

import { AppError, ConfigurationError } from '../runtime/errors.js';

/** A stream event's `filterPatterns` entry is not a valid EventBridge-style pattern; names the path inside it. */
export class FilterPatternError extends ConfigurationError {
  override readonly name: string = 'FilterPatternError';
}

/** A stream record the local engine cannot turn into the record Lambda delivers; names the attribute path. */
export class RecordConversionError extends AppError {
  override readonly name: string = 'RecordConversionError';
  constructor(
    readonly path: string,
    problem: string,
    options?: { cause?: unknown },
  ) {
    super(`${path} ${problem}`, options);
  }
}

/** A setting of a function or of one of its stream events in serverless.yml is invalid; names the function and the setting. */
export class InvalidSettingError extends ConfigurationError {
  override readonly name: string = 'InvalidSettingError';
  constructor(
    readonly functionName: string,
    readonly setting: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A command line that cannot be run as given (unknown option or function, missing value): the CLIs exit with 2. */
export class CommandUsageError extends ConfigurationError {
  override readonly name: string = 'CommandUsageError';
}
