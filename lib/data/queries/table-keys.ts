import type { CursorScope } from '../paging/cursor.js';

// Key schemas of the tables in serverless.yml. Queries run inside Lambda, where serverless.yml is not
// at hand, so they are written here; test/queries checks them against serverless.yml.

/** Books table (`books-<stage>`) and its GSI `byAuthor` (author, title). */
export const booksByAuthorScope = (tableName: string): CursorScope => ({
  tableName,
  indexName: 'byAuthor',
  tableKeySchema: [{ AttributeName: 'isbn', KeyType: 'HASH' }],
  indexKeySchema: [
    { AttributeName: 'author', KeyType: 'HASH' },
    { AttributeName: 'title', KeyType: 'RANGE' },
  ],
  attributeTypes: { isbn: 'S', author: 'S', title: 'S' },
});

/** Orders table (`orders-<stage>`), keyed (customerId, orderDate). */
export const ordersScope = (tableName: string): CursorScope => ({
  tableName,
  tableKeySchema: [
    { AttributeName: 'customerId', KeyType: 'HASH' },
    { AttributeName: 'orderDate', KeyType: 'RANGE' },
  ],
  attributeTypes: { customerId: 'S', orderDate: 'S' },
});

/** Orders table's LSI `byStatus` (customerId, orderStatus). */
export const ordersByStatusScope = (tableName: string): CursorScope => ({
  ...ordersScope(tableName),
  indexName: 'byStatus',
  indexKeySchema: [
    { AttributeName: 'customerId', KeyType: 'HASH' },
    { AttributeName: 'orderStatus', KeyType: 'RANGE' },
  ],
  attributeTypes: { customerId: 'S', orderDate: 'S', orderStatus: 'S' },
});
