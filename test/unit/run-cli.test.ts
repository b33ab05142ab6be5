import { describe, expect, it } from 'vitest';
import { CommandUsageError } from '../../lib/mapping/errors.js';
import { parseStartArguments } from '../../lib/tools/start/stack-options.js';
import { FilterPatternError } from '../../lib/mapping/errors.js';
import { ConfigurationError, MalformedEventError } from '../../lib/runtime/errors.js';
import { describeFailure, EXIT, exitCodeOf } from '../../lib/tools/cli/run-cli.js';
import { RedriveFailedError } from '../../lib/tools/errors.js';

describe('runCli: errors to exit codes and text', () => {
  it.each<[string, unknown, number]>([
    ['a command line that cannot be run', new CommandUsageError('Unknown option --x'), EXIT.usage],
    ['a configuration error (serverless.yml, environment)', new ConfigurationError('CHANGE_LOG_TABLE is not set'), EXIT.failure],
    ['a subclass of ConfigurationError that is no usage error', new FilterPatternError('bad pattern'), EXIT.failure],
    ['one of our errors', new RedriveFailedError('records failed again'), EXIT.failure],
    ['an error of a library', new TypeError('x is not a function'), EXIT.failure],
    ['something thrown that is not an error', 'oops', EXIT.failure],
  ])('%s exits %i', (_case, error, code) => {
    // Act / Assess
    expect(exitCodeOf(error)).toBe(code);
  });

  it('keeps the exit codes of the table', () => {
    // Assess
    expect(EXIT).toEqual({ ok: 0, failure: 1, usage: 2, interrupted: 130 });
  });

  it.each<[string, unknown, RegExp]>([
    [
      'our errors as Name: message, no stack',
      new MalformedEventError('not a stream event: pass the event Lambda delivers'),
      /^MalformedEventError: not a stream event: pass the event Lambda delivers$/,
    ],
    ['others with their stack', new TypeError('x is not a function'), /^TypeError: x is not a function\n\s+at /],
    ['a thrown string with its type', 'oops', /^Uncaught string: oops$/],
  ])('prints %s', (_case, error, expected) => {
    // Act / Assess
    expect(describeFailure(error)).toMatch(expected);
  });
});

describe('npm start arguments through node:util parseArgs', () => {
  it.each<[string[], unknown]>([
    [['--console-port', '9100', '--no-console'], false],
    [['--no-console', '--console-port=9100'], { port: 9100 }],
  ])('%j: the last of the console options wins', (argv, expected) => {
    // Act / Assess
    expect(parseStartArguments(argv, {}).stack.console).toEqual(expected);
  });

  it.each<[string[], NodeJS.ProcessEnv, string]>([
    [['--frobnicate'], {}, 'CommandUsageError'],
    [['--port', 'eighty'], {}, 'CommandUsageError'],
    [['--stage'], {}, 'CommandUsageError'],
    [['books-local'], {}, 'CommandUsageError'],
    [[], { DYNAMODB_PORT: 'eighty' }, 'ConfigurationError'],
    [[], { LOCAL_IAM: 'maybe' }, 'ConfigurationError'],
  ])('%j with %j is refused with a %s', (argv, env, name) => {
    // Act
    const refused = (() => {
      try {
        parseStartArguments(argv, env);
        return undefined;
      } catch (error) {
        return error as Error;
      }
    })();

    // Assess
    expect(refused?.name).toBe(name);
  });
});
