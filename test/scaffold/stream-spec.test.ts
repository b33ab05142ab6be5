import { describe, expect, it } from 'vitest';
import { parseStreamSpec } from '../../lib/tools/scaffold/stream-spec.js';

describe('parseStreamSpec (pure)', () => {
  it.each([
    { name: 'invoices', key: 'id:S', kebab: 'invoices', fn: 'invoicesStream', table: 'InvoicesTable', keys: [{ name: 'id', type: 'S' }] },
    {
      name: 'product-reviews',
      key: 'isbn:S,reviewId:n',
      kebab: 'product-reviews',
      fn: 'productReviewsStream',
      table: 'ProductReviewsTable',
      keys: [
        { name: 'isbn', type: 'S' },
        { name: 'reviewId', type: 'N' },
      ],
    },
    {
      name: 'productReviews',
      key: 'blob:B',
      kebab: 'product-reviews',
      fn: 'productReviewsStream',
      table: 'ProductReviewsTable',
      keys: [{ name: 'blob', type: 'B' }],
    },
    {
      name: 'v2-orders',
      key: 'a.b_c-d:S',
      kebab: 'v2-orders',
      fn: 'v2OrdersStream',
      table: 'V2OrdersTable',
      keys: [{ name: 'a.b_c-d', type: 'S' }],
    },
  ])('$name --key $key derives every name once', ({ name, key, kebab, fn, table, keys }) => {
    // Act
    const result = parseStreamSpec(name, key);
    // Assess
    expect(result).toMatchObject({
      kind: 'ok',
      spec: {
        kebab,
        functionName: fn,
        tableLogicalId: table,
        roleLogicalId: `${fn.charAt(0).toUpperCase() + fn.slice(1)}Role`,
        queueLogicalId: `${fn.charAt(0).toUpperCase() + fn.slice(1)}DeadLetterQueue`,
        tableName: `${kebab}-\${sls:stage}`,
        handlerFile: `functions/${kebab}-stream.ts`,
        handlerPath: `functions/${kebab}-stream.handler`,
        eventFile: `events/${kebab}-insert.json`,
        keys,
      },
    });
  });

  it.each([
    { name: 'Invoices', key: 'id:S', names: 'name' },
    { name: 'in_voices', key: 'id:S', names: 'name' },
    { name: '2invoices', key: 'id:S', names: 'name' },
    { name: 'invoices-', key: 'id:S', names: 'name' },
    { name: 'a'.repeat(41), key: 'id:S', names: 'name' },
    { name: 'invoices', key: 'id', names: 'partition key' },
    { name: 'invoices', key: ':S', names: 'partition key' },
    { name: 'invoices', key: 'id:BOOL', names: 'partition key' },
    { name: 'invoices', key: 'id:S,when:SS', names: 'sort key' },
    { name: 'invoices', key: 'id:S,id:S', names: 'both' },
    { name: 'invoices', key: 'a:S,b:S,c:S', names: '3 attributes' },
    { name: 'invoices', key: 'my key:S', names: 'partition key name' },
    { name: 'invoices', key: `${'k'.repeat(256)}:S`, names: '255' },
  ])('refuses name "$name" / key "$key", saying what is wrong ($names)', ({ name, key, names }) => {
    // Act
    const result = parseStreamSpec(name, key);
    // Assess
    expect(result.kind).toBe('invalid');
    expect(result.kind === 'invalid' && result.problems.join('\n')).toContain(names);
  });
});
