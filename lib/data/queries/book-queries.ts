import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createCursorCodec } from '../paging/cursor.js';
import { pageQuery, type PageRequest, type QueryPage } from './page-query.js';
import { booksByAuthorScope } from './table-keys.js';

/** A book as stored in the Books table. */
export interface Book {
  isbn: string;
  author: string;
  title: string;
  [attribute: string]: unknown;
}

export interface BookQueriesOptions {
  client: DynamoDBClient;
  /** The Books table, `books-<stage>`. */
  tableName: string;
  /** HMAC key that seals cursors (see createCursorCodec). */
  cursorSecret: string | Uint8Array;
}

export interface BookQueries {
  /** Books of an author in title order (descending when asked), through the GSI `byAuthor`. */
  byAuthor(author: string, request?: PageRequest & { descending?: boolean }): Promise<QueryPage<Book>>;
}

export function createBookQueries(options: BookQueriesOptions): BookQueries {
  const codec = createCursorCodec(booksByAuthorScope(options.tableName), { secret: options.cursorSecret });
  return {
    byAuthor(author, request = {}) {
      const descending = request.descending === true;
      return pageQuery<Book>(
        options.client,
        {
          TableName: options.tableName,
          IndexName: 'byAuthor',
          KeyConditionExpression: 'author = :author',
          ExpressionAttributeValues: { ':author': { S: author } },
          ScanIndexForward: !descending,
        },
        codec,
        JSON.stringify(['byAuthor', author, descending]),
        request,
      );
    },
  };
}
