import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ledgerAction } from '../aggregates/ledger-action.js';
import type { TransactionLimits } from '../aggregates/pack-transactions.js';
import type { StatsDelta } from '../aggregates/stats-delta.js';
import type { Action } from '../dispatch/action.js';

export interface AuthorStatsOptions {
  client: DynamoDBClient;
  /** Table keyed by `author`, holding `bookCount`. */
  statsTable: string;
  /** The applied-changes ledger table. */
  ledgerTable: string;
  name?: string;
  /** Limits of one statistics transaction; DynamoDB's by default (tests lower them to make several transactions). */
  transactionLimits?: TransactionLimits;
}

/** Keeps the number of books per author, exactly, across INSERT, MODIFY (a changed author) and REMOVE. */
export function authorStatsAction(options: AuthorStatsOptions): Action {
  const add = (author: string, delta: string): StatsDelta => ({
    table: options.statsTable,
    key: { author: { S: author } },
    add: [['bookCount', delta]],
  });
  return ledgerAction({
    name: options.name ?? 'authorStats',
    client: options.client,
    ledgerTable: options.ledgerTable,
    ...(options.transactionLimits === undefined ? {} : { transactionLimits: options.transactionLimits }),
    contributionOf(book, change) {
      if (typeof book.author !== 'string' || book.author === '') {
        throw new TypeError(
          `book ${change.sequenceNumber} has no author string (author is ${book.author === undefined ? 'missing' : typeof book.author}); ` +
            `fix the item, then run: npm run redrive -- <function> --from-item --entry <dead-letter-id> ` +
            `(npm run dead-letters prints it for each entry)`,
        );
      }
      return { author: book.author };
    },
    deltasFor(before, after) {
      const deltas: StatsDelta[] = [];
      if (before) deltas.push(add(before.author!, '-1'));
      if (after) deltas.push(add(after.author!, '1'));
      return deltas;
    },
  });
}
