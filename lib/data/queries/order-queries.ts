import type { AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createCursorCodec } from '../paging/cursor.js';
import { pageQuery, type PageRequest, type QueryPage } from './page-query.js';
import { ordersByStatusScope, ordersScope } from './table-keys.js';

/** An order as stored in the Orders table. */
export interface Order {
  customerId: string;
  /** ISO 8601 date or date-time: its text order is its time order. */
  orderDate: string;
  orderStatus: string;
  [attribute: string]: unknown;
}

export interface OrderQueriesOptions {
  client: DynamoDBClient;
  /** The Orders table, `orders-<stage>`. */
  tableName: string;
  cursorSecret: string | Uint8Array;
}

export interface DateRange {
  /** Earliest orderDate, inclusive (ISO 8601 text). */
  from?: string | undefined;
  /** Latest orderDate, inclusive (compared as text: for whole days of date-times use `2026-03-31T23:59:59.999Z`). */
  to?: string | undefined;
}

export interface OrderQueries {
  /** Orders of a customer in date order (newest first when asked), optionally within a date range (BETWEEN on orderDate). */
  byCustomer(customerId: string, request?: PageRequest & DateRange & { newestFirst?: boolean }): Promise<QueryPage<Order>>;
  /** Orders of a customer with one status, through the LSI `byStatus`. */
  byStatus(customerId: string, orderStatus: string, request?: PageRequest): Promise<QueryPage<Order>>;
}

export function createOrderQueries(options: OrderQueriesOptions): OrderQueries {
  const tableCodec = createCursorCodec(ordersScope(options.tableName), { secret: options.cursorSecret });
  const statusCodec = createCursorCodec(ordersByStatusScope(options.tableName), { secret: options.cursorSecret });
  return {
    byCustomer(customerId, request = {}) {
      const { from, to } = request;
      if (from !== undefined && to !== undefined && from > to)
        throw new RangeError(`the date range is empty: from ${from} is after to ${to}`);
      const values: Record<string, AttributeValue> = { ':customerId': { S: customerId } };
      let condition = 'customerId = :customerId';
      if (from !== undefined && to !== undefined) {
        condition += ' AND orderDate BETWEEN :from AND :to';
        values[':from'] = { S: from };
        values[':to'] = { S: to };
      } else if (from !== undefined) {
        condition += ' AND orderDate >= :from';
        values[':from'] = { S: from };
      } else if (to !== undefined) {
        condition += ' AND orderDate <= :to';
        values[':to'] = { S: to };
      }
      const newestFirst = request.newestFirst === true;
      return pageQuery<Order>(
        options.client,
        {
          TableName: options.tableName,
          KeyConditionExpression: condition,
          ExpressionAttributeValues: values,
          ScanIndexForward: !newestFirst,
        },
        tableCodec,
        JSON.stringify(['byCustomer', customerId, from ?? null, to ?? null, newestFirst]),
        request,
      );
    },
    byStatus(customerId, orderStatus, request = {}) {
      return pageQuery<Order>(
        options.client,
        {
          TableName: options.tableName,
          IndexName: 'byStatus',
          KeyConditionExpression: 'customerId = :customerId AND orderStatus = :status',
          ExpressionAttributeValues: { ':customerId': { S: customerId }, ':status': { S: orderStatus } },
        },
        statusCodec,
        JSON.stringify(['byStatus', customerId, orderStatus]),
        request,
      );
    },
  };
}
