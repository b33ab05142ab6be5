import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorStatsAction } from '../../lib/runtime/actions/author-stats.js';
import { customerStatsAction } from '../../lib/runtime/actions/customer-stats.js';
import { runBackfill } from '../../lib/tools/backfill/run-backfill.js';
import { resolveBackfillSource } from '../../lib/tools/backfill/source.js';
import { createStreamHandler } from '../../lib/runtime/dispatch/stream-handler.js';
import { ActionError } from '../../lib/runtime/errors.js';
import { BackfillActionError } from '../../lib/tools/errors.js';
import { createLogger } from '../../lib/runtime/logging/logger.js';
import type { ServerlessConfig } from '../../lib/mapping/serverless-config.js';
import { insertRecord, streamEvent, type PlainItem } from '../factories/stream-record.js';
import { captureLogger } from '../support/capture-logger.js';
import { createStageTables, localClient, uniqueStage } from '../support/dynamodb.js';

/*
 * A statistics action rejects bad data with advice a person can follow: from a stream, the exact
 * from-item redrive command (the dead-letters listing fills in function and id); in a backfill, where
 * nothing is dead-lettered, running the backfill again.
 */
const REDRIVE_ADVICE = 'fix the item, then run: npm run redrive -- <function> --from-item --entry <dead-letter-id>';
const stage = uniqueStage('advice');
const stateDir = mkdtempSync(join(tmpdir(), 'error-advice-'));
let client: DynamoDBClient;
let config: ServerlessConfig;

beforeAll(async () => {
  client = localClient();
  config = await createStageTables(client, stage);
});

afterAll(() => {
  rmSync(stateDir, { recursive: true, force: true });
});

describe("advice in the statistics actions' errors", () => {
  const authorStats = () => authorStatsAction({ client, statsTable: `author-stats-${stage}`, ledgerTable: `applied-changes-${stage}` });
  const customerStats = () =>
    customerStatsAction({ client, statsTable: `customer-stats-${stage}`, ledgerTable: `applied-changes-${stage}` });
  it.each([
    { case: 'a book without an author', action: authorStats, table: () => `books-${stage}`, keys: ['isbn'], item: { isbn: 'a1' } },
    {
      case: 'an order without a status',
      action: customerStats,
      table: () => `orders-${stage}`,
      keys: ['customerId', 'orderDate'],
      item: { customerId: 'c1', orderDate: 'd1', total: 5 } as PlainItem,
    },
    {
      case: 'an order without a total',
      action: customerStats,
      table: () => `orders-${stage}`,
      keys: ['customerId', 'orderDate'],
      item: { customerId: 'c1', orderDate: 'd2', orderStatus: 'NEW' },
    },
  ])('$case: the failure names the from-item redrive command', async ({ action, table, keys, item }) => {
    // Prepare
    const { logger, lines } = captureLogger('info');
    const handler = createStreamHandler({ actions: [action()], logger });
    // Act
    const response = await handler(streamEvent([insertRecord(table(), keys, item)]));
    // Assess
    expect(response.batchItemFailures).toHaveLength(1);
    const failure = lines().find((line) => line.level === 'error' && typeof line.errorMessage === 'string');
    expect(failure?.errorName).toBe('TypeError');
    expect(failure?.errorMessage).toContain(REDRIVE_ADVICE);
  });

  it('in a backfill, says that redrive does not apply and what does', async () => {
    // Prepare: one book the statistics cannot count.
    await client.send(new PutItemCommand({ TableName: `books-${stage}`, Item: marshall({ isbn: 'b1', title: 'No author' }) }));
    const source = resolveBackfillSource(config, 'booksStream');
    // Act
    const failed = await runBackfill({
      client,
      source,
      actions: [authorStats()],
      logger: createLogger({ level: 'silent' }),
      segments: 1,
      statePath: join(stateDir, 'state.json'),
    }).catch((error: unknown) => error);
    // Assess
    expect(failed).toBeInstanceOf(BackfillActionError);
    expect(failed).toBeInstanceOf(ActionError);
    expect((failed as Error).name).toBe('BackfillActionError');
    expect((failed as Error).message).toContain('This is a backfill, which dead-letters nothing, so redrive does not apply');
    expect((failed as Error).message).toContain('fix the item, then run npm run backfill -- booksStream again');
  });
});
