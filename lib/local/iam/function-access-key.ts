import { createHash } from 'node:crypto';

/**
 * The access key id a function's execution environment signs with locally: fixed per deployed function,
 * shaped like a temporary key of an assumed role (ASIA + 16 characters), so the IAM proxy knows the caller.
 */
export const functionAccessKeyId = (deployedName: string): string =>
  `ASIA${createHash('sha256').update(deployedName).digest('hex').slice(0, 16).toUpperCase()}`;
