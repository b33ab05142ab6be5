import { randomBytes, timingSafeEqual } from 'node:crypto';

/** A fresh page token: 32 random bytes, URL-safe. Printed in the banner URL, never stored. */
export const newConsoleToken = (): string => randomBytes(32).toString('base64url');

/** Compares in constant time, so the token cannot be guessed byte by byte from response times. */
export function tokenMatches(expected: string, given: string | undefined): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}
