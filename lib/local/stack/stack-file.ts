import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * What a running stack tells other local commands (`sls invoke local`) in `<stateDir>/stack.json`: where its
 * DynamoDB Local and its IAM proxy listen. Written once ready, removed on stop.
 */
export interface StackFile {
  stage: string;
  /** DynamoDB Local's endpoint. */
  endpoint: string;
  /** The IAM proxy in front of it; absent when the stack runs with --no-iam. */
  iamEndpoint?: string;
  /** The process that runs the stack. */
  pid: number;
}

export const stackFilePath = (stateDir: string): string => join(stateDir, 'stack.json');

export function writeStackFile(stateDir: string, info: StackFile): void {
  const file = stackFilePath(stateDir);
  // A reader never sees half a file.
  writeFileSync(`${file}.${process.pid}.tmp`, `${JSON.stringify(info, null, 2)}\n`);
  renameSync(`${file}.${process.pid}.tmp`, file);
}

/** The running stack's file, or undefined when there is none, it cannot be read, or its process is gone. */
export function readStackFile(stateDir: string): StackFile | undefined {
  let info: Partial<StackFile>;
  try {
    info = JSON.parse(readFileSync(stackFilePath(stateDir), 'utf8')) as Partial<StackFile>;
  } catch {
    return undefined;
  }
  if (typeof info.stage !== 'string' || typeof info.endpoint !== 'string' || typeof info.pid !== 'number') return undefined;
  try {
    process.kill(info.pid, 0);
  } catch (error) {
    // EPERM: alive, someone else's.
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return undefined;
  }
  return info as StackFile;
}

/** Removes the file if this stack wrote it (another stack, even of this process, may have taken the folder over since). */
export function removeStackFile(stateDir: string, endpoint: string): void {
  const info = readStackFile(stateDir);
  if (info?.pid === process.pid && info.endpoint === endpoint) rmSync(stackFilePath(stateDir), { force: true });
}
