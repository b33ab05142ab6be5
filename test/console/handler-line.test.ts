import { describe, expect, it } from 'vitest';
import { parseHandlerLine, type HandlerLine } from '../../lib/tools/console/handler-line.js';
import { formatReport } from '../../lib/local/runner/lambda-report.js';

const id = '6f1c2a8e-0b7d-4c59-9e38-0c3b2f1d9a11';
const [end, report] = formatReport({ requestId: id, durationMs: 12.5, memorySizeMb: 1024, maxMemoryUsedMb: 80, initDurationMs: 231.25 });
const [, warmReport] = formatReport({ requestId: id, durationMs: 3, memorySizeMb: 1024 });

describe('which invocation a handler line belongs to', () => {
  it.each<[string, string, HandlerLine]>([
    ['START', `START RequestId: ${id} Version: $LATEST`, { kind: 'start', requestId: id }],
    ['END', end!, { kind: 'end', requestId: id }],
    ['REPORT of a cold start, with its init duration', report!, { kind: 'report', requestId: id, initDurationMs: 231.25 }],
    ['REPORT of a warm start', warmReport!, { kind: 'report', requestId: id }],
    ['a logger line inside an invocation', JSON.stringify({ level: 'info', message: 'x', requestId: id }), { kind: 'log', requestId: id }],
    ['a logger line outside one', JSON.stringify({ level: 'info', message: 'x' }), { kind: 'log' }],
    ['a logger line with a non-text requestId', JSON.stringify({ requestId: 7 }), { kind: 'log' }],
    ['a plain line', 'hello', { kind: 'log' }],
    ['a line that looks like JSON but is not', '{ not json', { kind: 'log' }],
    ['a JSON array', '[1,2]', { kind: 'log' }],
  ])('%s', (_name, line, expected) => {
    // Act / Assess
    expect(parseHandlerLine(line)).toEqual(expected);
  });
});
