import { describe, expect, it } from 'vitest';
import { DEFAULT_CONSOLE_PORT } from '../../lib/tools/console/console-option.js';
import { consoleOf, parseStartArguments } from '../../lib/tools/start/stack-options.js';
import { consoleSummaryLine } from '../../lib/tools/start/stack-with-console.js';

describe('npm start and its console', () => {
  it.each<[string[], unknown]>([
    [[], { port: DEFAULT_CONSOLE_PORT }],
    [['--console-port', '9100'], { port: 9100 }],
    [['--console-port=0'], { port: 0 }],
    [['--no-console'], false],
  ])('%j serves the console on %j', (argv, expected) => {
    // Act
    const { stack } = parseStartArguments(argv, {});
    // Assess
    expect(consoleOf(stack)).toEqual(expected);
  });

  it('keeps clear of the ports of DynamoDB Local and serverless-offline by default', () => {
    // Assess
    expect([8000, 3000, 3001, 3002]).not.toContain(DEFAULT_CONSOLE_PORT);
  });

  it.each([[['--console-port', 'x']], [['--console-port', '70000']], [['--console-port']]])('refuses %j naming the option', (argv) => {
    // Act / Assess
    expect(() => parseStartArguments(argv, {})).toThrow('--console-port');
  });

  it.each<[string | undefined, string]>([
    ['http://127.0.0.1:8765/?token=abc', 'http://127.0.0.1:8765/?token=abc'],
    [undefined, 'off (npm start -- --console-port N turns it on)'],
  ])('puts a console at %j in the ready banner as %j', (url, text) => {
    // Act
    const line = consoleSummaryLine(url);
    // Assess
    expect(line).toEqual({ label: 'Console', text });
  });
});
