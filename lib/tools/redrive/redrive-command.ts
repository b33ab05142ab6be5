/** The exact `npm run redrive` command that redrives one dead-letter entry (ids are shell-safe: letters, digits, `-`, `_`, `.`). */
export function redriveCommand(functionName: string, entryId: string, options: { fromItem: boolean; stage?: string }): string {
  const stage = options.stage && options.stage !== 'local' ? ` --stage ${options.stage}` : '';
  return `npm run redrive -- ${functionName}${options.fromItem ? ' --from-item' : ''} --entry ${entryId}${stage}`;
}
