import type { DynamoDBClient, TransactWriteItem } from '@aws-sdk/client-dynamodb';
import { ledgerAction } from '../aggregates/ledger-action.js';
import type { Action } from '../dispatch/action.js';

export interface AuthorStatsOptions {
  client: DynamoDBClient;
  /** Table keyed by `author`, holding `bookCount`. */
  statsTable: string;
  /** The applied-changes ledger table. */
  ledgerTable: string;
  name?: string;
}

/** Keeps the number of books per author, exactly, across INSERT, MODIFY (a changed author) and REMOVE. */
export function authorStatsAction(options: AuthorStatsOptions): Action {
  const add = (author: string, delta: number): TransactWriteItem => ({
    Update: {
      TableName: options.statsTable,
      Key: { author: { S: author } },
      UpdateExpression: 'ADD bookCount :delta',
      ExpressionAttributeValues: { ':delta': { N: String(delta) } },
    },
  });
  return ledgerAction({
    name: options.name ?? 'authorStats',
    client: options.client,
    ledgerTable: options.ledgerTable,
    contributionOf(book, change) {
      if (typeof book.author !== 'string' || book.author === '') {
        throw new TypeError(`book ${change.sequenceNumber} has no author string (author is ${book.author === undefined ? 'missing' : typeof book.author}); fix the item, then run: npm run redrive -- <function> --from-item --entry <dead-letter-id> (npm run dead-letters prints it for each entry)`);
      }
      return { author: book.author };
    },
    updatesFor(before, after) {
      const writes: TransactWriteItem[] = [];
      if (before) writes.push(add(before.author!, -1));
      if (after) writes.push(add(after.author!, 1));
      return writes;
    },
  });
}
