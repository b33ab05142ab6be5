import type { PlainItem } from './stream-record.js';

/** An item of serverless.yml's books table; `author` takes anything, bad data included. */
export const book = (isbn: string, author: unknown, title = `Title ${isbn}`): PlainItem => ({ isbn, title, author });

/** An item of serverless.yml's orders table. */
export const order = (customerId: string, orderDate: string, orderStatus: string, total: number): PlainItem => ({
  customerId,
  orderDate,
  orderStatus,
  total,
});
