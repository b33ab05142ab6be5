import { readFileSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';

/** A watch on one file; `close` ends it. */
export interface ConfigFileWatch {
  close(): void;
}

const contentOf = (file: string): string | undefined => {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
};

/**
 * Calls `onChange` once a file's content has changed and stayed so for `settleMs`. The folder is watched, not
 * the file: editors that save by renaming a new file over the old one would end a watch on the file itself.
 */
export function watchConfigFile(file: string, onChange: () => void, settleMs = 150): ConfigFileWatch {
  let last = contentOf(file);
  let timer: NodeJS.Timeout | undefined;
  const watcher: FSWatcher = watch(dirname(file), (_event, name) => {
    if (name !== null && String(name) !== basename(file)) return;
    clearTimeout(timer);
    timer = setTimeout(() => {
      const now = contentOf(file);
      // Touching the file, or an editor's save of the same text, is no change.
      if (now === undefined || now === last) return;
      last = now;
      onChange();
    }, settleMs);
  });
  watcher.on('error', () => watcher.close());
  return {
    close() {
      clearTimeout(timer);
      watcher.close();
    },
  };
}
