import { DeleteItemCommand, GetItemCommand, PutItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { orderTotalText, totalClassOf, type TotalClass } from './order-totals.js';

/** One write that is known to have taken effect, and the stream change it must cause. */
export interface MadeWrite {
  table: 'books' | 'orders';
  kind: 'insert' | 'update' | 'delete' | 'reinsert';
  /** Item key, as a plain object. */
  key: Record<string, string>;
  /** The change the stream holds for it: INSERT/MODIFY carry the new `v`, REMOVE the removed item's `v`. */
  eventName: 'INSERT' | 'MODIFY' | 'REMOVE';
  v: string;
}

export interface WritersOptions {
  client: DynamoDBClient;
  booksTable: string;
  ordersTable: string;
  writers: number;
  /** Writes per writer. */
  writesPerWriter: number;
  /** Seed of the pseudo-random choices (the run is repeatable up to timing). */
  seed?: number;
  /** Called after each write that took effect (progress, mid-run restart trigger). */
  onWrite?: (made: number) => void;
  /** Called when a write's outcome was unknown (DynamoDB Local unreachable) and had to be resolved. */
  onUncertain?: () => void;
}

const AUTHORS = [
  'Ada Lovelace',
  'Alan Turing',
  'Grace Hopper',
  'Edsger Dijkstra',
  'Barbara Liskov',
  'Donald Knuth',
  'Frances Allen',
  'Ken Thompson',
];
const STATUSES = ['PLACED', 'PAID', 'SHIPPED', 'DELIVERED', 'CANCELLED'];

/** mulberry32: small, seedable, good enough to pick operations. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const isConditionFailure = (error: unknown) => (error as { name?: string })?.name === 'ConditionalCheckFailedException';

interface Owned {
  table: 'books' | 'orders';
  key: Record<string, string>;
  /** The current `v` when the item exists, undefined when it does not (never written, or deleted). */
  v: string | undefined;
  everWritten: boolean;
  /** Orders only: the class of totals of the order's customer, and the order's position among that customer's. */
  totalClass?: TotalClass;
  order?: number;
}

/**
 * Concurrent writers, each owning its own keys, so every writer knows the exact state of its items.
 * Every write changes the item's `v` (a unique token), so each one causes exactly one stream record,
 * and all writes are conditional on the state the writer knows. When a call fails without an answer
 * (DynamoDB Local restarting), the writer reads the item back once the endpoint answers and decides
 * whether the write took effect, so the list of writes made is exact.
 */
export async function runWriters(options: WritersOptions): Promise<MadeWrite[]> {
  const made: MadeWrite[] = [];
  const record = (write: MadeWrite) => {
    made.push(write);
    options.onWrite?.(made.length);
  };
  const tableName = (table: 'books' | 'orders') => (table === 'books' ? options.booksTable : options.ordersTable);

  const current = async (owned: Owned): Promise<string | undefined> => {
    for (;;) {
      try {
        const out = await options.client.send(
          new GetItemCommand({ TableName: tableName(owned.table), Key: marshall(owned.key), ConsistentRead: true }),
        );
        return out.Item ? String(unmarshall(out.Item).v) : undefined;
      } catch {
        await sleep(200);
      }
    }
  };

  /** Performs one conditional write until it is known to have taken effect. */
  const perform = async (owned: Owned, wanted: string | undefined, send: () => Promise<unknown>): Promise<void> => {
    for (;;) {
      try {
        await send();
        return;
      } catch (error) {
        // The SDK retries on its own: a condition failure can mean an earlier attempt of this very write took effect.
        options.onUncertain?.();
        if (!isConditionFailure(error)) await sleep(100);
        const now = await current(owned);
        if (now === wanted) return;
        if (now !== owned.v)
          throw new Error(`item ${JSON.stringify(owned.key)} holds v=${now}, neither the known ${owned.v} nor the wanted ${wanted}`);
        if (isConditionFailure(error))
          throw new Error(`writer state out of step for ${JSON.stringify(owned.key)}: ${(error as Error).message}`);
      }
    }
  };

  const writer = async (w: number): Promise<void> => {
    const random = prng((options.seed ?? 1) * 1000 + w);
    const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!;
    const items: Owned[] = [];
    for (let k = 0; k < 6; k++) items.push({ table: 'books', key: { isbn: `w${w}-book-${k}` }, v: undefined, everWritten: false });
    for (let k = 0; k < 6; k++) {
      const key = { customerId: `cust-${w}-${k % 3}`, orderDate: `2026-11-${String(10 + k).padStart(2, '0')}T00:00:00Z` };
      items.push({ table: 'orders', key, v: undefined, everWritten: false, totalClass: totalClassOf(k % 3), order: Math.floor(k / 3) });
    }
    let counter = 0;
    const item = (owned: Owned, v: string): Record<string, AttributeValue> =>
      owned.table === 'books'
        ? marshall({ ...owned.key, v, author: pick(AUTHORS), title: `Title ${v}` })
        : {
            ...marshall({ ...owned.key, v, orderStatus: pick(STATUSES) }),
            // As text: a JS number would round 38-digit totals before they reached DynamoDB.
            total: { N: orderTotalText(random, owned.totalClass!, owned.order!) },
          };

    for (let n = 0; n < options.writesPerWriter; n++) {
      const owned = pick(items);
      const v = `w${w}-${++counter}`;
      const table = tableName(owned.table);
      if (owned.v === undefined) {
        const kind = owned.everWritten ? 'reinsert' : 'insert';
        await perform(owned, v, () =>
          options.client.send(
            new PutItemCommand({ TableName: table, Item: item(owned, v), ConditionExpression: 'attribute_not_exists(v)' }),
          ),
        );
        record({ table: owned.table, kind, key: owned.key, eventName: 'INSERT', v });
        owned.v = v;
        owned.everWritten = true;
      } else if (random() < 0.25) {
        const previous = owned.v;
        await perform(owned, undefined, () =>
          options.client.send(
            new DeleteItemCommand({
              TableName: table,
              Key: marshall(owned.key),
              ConditionExpression: 'v = :v',
              ExpressionAttributeValues: marshall({ ':v': previous }),
            }),
          ),
        );
        record({ table: owned.table, kind: 'delete', key: owned.key, eventName: 'REMOVE', v: previous });
        owned.v = undefined;
      } else {
        await perform(owned, v, () =>
          options.client.send(
            new PutItemCommand({
              TableName: table,
              Item: item(owned, v),
              ConditionExpression: 'v = :v',
              ExpressionAttributeValues: marshall({ ':v': owned.v }),
            }),
          ),
        );
        record({ table: owned.table, kind: 'update', key: owned.key, eventName: 'MODIFY', v });
        owned.v = v;
      }
    }
  };

  await Promise.all(Array.from({ length: options.writers }, (_, w) => writer(w)));
  return made;
}
