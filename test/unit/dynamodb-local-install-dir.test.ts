import { describe, expect, it } from 'vitest';
import { dynamoDBLocalDir } from '../../lib/local/dynamodb-local/dynamodb-local.js';
import { projectRoot } from '../../lib/mapping/project-paths.js';

describe('DynamoDB Local: where npm install puts it is where the launcher looks', () => {
  it('gives the installer and the launcher the same folder, under the project root', async () => {
    // Prepare: the installer is the postinstall script, plain ESM that runs before anything is built
    const previous = process.env.DYNAMODB_LOCAL_DIR;
    delete process.env.DYNAMODB_LOCAL_DIR;
    try {
      // Act
      const { installDir } = await import('../../lib/local/dynamodb-local/install-dynamodb-local.mjs');
      // Assess
      expect(installDir).toBe(dynamoDBLocalDir());
      expect(installDir.startsWith(`${projectRoot}/node_modules/`)).toBe(true);
    } finally {
      if (previous !== undefined) process.env.DYNAMODB_LOCAL_DIR = previous;
    }
  });
});
