import { resolve } from 'node:path';
import { parseRedriveArguments, runRedrive } from '../../../lib/tools/redrive/run-redrive.js';
import { dynamodbEndpoint } from '../../support/dynamodb.js';

const projectDir = resolve(__dirname, '..', '..', '..');

/** `npm run redrive -- booksStream <argv>` in this process, on the stage's tables and the dead letters in `dir`. */
export function redriveBooksStream(stage: string, dir: string): (...argv: string[]) => Promise<{ code: number; output: string }> {
  return async (...argv) => {
    const lines: string[] = [];
    const args = parseRedriveArguments(['booksStream', '--stage', stage, '--endpoint', dynamodbEndpoint(), '--dir', dir, ...argv])!;
    const code = await runRedrive({ ...args, projectDir, write: (line) => lines.push(line) });
    return { code, output: lines.join('\n') };
  };
}
