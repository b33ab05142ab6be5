import { existsSync, readFileSync } from 'node:fs';

/** The JSON lines a test handler appended to `file` (the observer fixtures), oldest first; none while it does not exist. */
export function readJsonLines<T>(file: string): T[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as T);
}
