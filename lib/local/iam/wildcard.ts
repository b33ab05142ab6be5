/**
 * IAM's wildcard matching: `*` matches any run of characters (also none, also across `:` and `/`),
 * `?` matches exactly one. Actions compare without case, resources with case, as IAM does.
 */
const cache = new Map<string, RegExp>();

const compile = (pattern: string, ignoreCase: boolean): RegExp => {
  const key = `${ignoreCase ? 'i' : 's'}${pattern}`;
  let regex = cache.get(key);
  if (!regex) {
    const source = [...pattern]
      .map((char) => (char === '*' ? '[\\s\\S]*' : char === '?' ? '[\\s\\S]' : char.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')))
      .join('');
    regex = new RegExp(`^${source}$`, ignoreCase ? 'iu' : 'u');
    if (cache.size > 10_000) cache.clear();
    cache.set(key, regex);
  }
  return regex;
};

/** Whether `value` matches the IAM wildcard `pattern`. */
export const matchesWildcard = (pattern: string, value: string, options: { ignoreCase?: boolean } = {}): boolean =>
  pattern === '*' || compile(pattern, options.ignoreCase ?? false).test(value);
