import { join, resolve } from 'node:path';

/**
 * The project's root: the folder of serverless.yml. The local stack and the tools run from source (never from
 * a Lambda bundle), so their location fixes it; every path of the project is derived here, once.
 */
export const projectRoot = resolve(__dirname, '..', '..');

/** The project's files and the folders the local stack and the tools keep their state in (all git-ignored). */
export const projectPaths = (root: string = projectRoot) => ({
  root,
  serverlessYml: join(root, 'serverless.yml'),
  /** DynamoDB Local's data, when not in memory. */
  dynamodbData: join(root, '.dynamodb'),
  /** Checkpoints, dead letters, TTL marks and backfill positions. */
  localState: join(root, '.local'),
  checkpoints: join(root, '.local', 'checkpoints'),
  deadLetters: join(root, '.local', 'dead-letters'),
  ttlExpiries: join(root, '.local', 'ttl-expiries.json'),
  backfillState: (functionName: string, stage: string) => join(root, '.local', 'backfill', `${functionName}-${stage}.json`),
  /** The handlers the local stack builds, per stage. */
  localBuild: join(root, '.esbuild', '.local-stack'),
});
