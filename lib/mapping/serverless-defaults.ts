/**
 * What Serverless (v3) and Lambda use when serverless.yml leaves a setting out, and the account the local
 * stack stands in with. Every part of the tooling that needs one of these reads it here.
 */
export const SERVERLESS_DEFAULTS = {
  /** Serverless's default `provider.region` (and the AWS SDK's fallback in the tools). */
  region: 'us-east-1',
  /** The stage the local tools run when none is given. */
  stage: 'local',
  /** Serverless's default function timeout, in seconds. */
  timeoutSeconds: 6,
  /** Serverless's default memory size, in MB (Lambda's own is 128). */
  memorySizeMb: 1024,
  /** The runtime a function runs on when neither it nor the provider names one. */
  runtime: 'nodejs22.x',
  /** The account id DynamoDB Local puts in its ARNs; the local stack uses it everywhere. */
  localAccountId: '000000000000',
} as const;
