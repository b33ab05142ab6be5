import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { createExpiryHeap } from './expiry-heap.js';
import { ttlDueSeconds } from './ttl-due-seconds.js';
import { canonical } from './ttl-registry.js';
import { tableNameOfArn } from '../../runtime/arn.js';

/** A table whose items expire: its name, TTL attribute and key attribute names. */
export interface ExpiringTable {
  tableName: string;
  ttlAttribute: string;
  keyAttributes: string[];
}

/** A stream record as far as the tracker looks at it (Lambda's JSON shape, as the mappings deliver it). */
export interface TrackableRecord {
  eventName?: string;
  eventSourceARN?: string;
  dynamodb?: {
    Keys?: Record<string, unknown>;
    NewImage?: Record<string, unknown>;
    SequenceNumber?: string;
  };
}

/** One item the tracker expects to expire: where, which key, and when its TTL passes (epoch seconds, rounded up). */
export interface TrackedItem {
  table: string;
  keys: Record<string, AttributeValue>;
  due: number;
  /** Sequence number of the record that set this TTL; -1 for items found by the start-up scan. */
  sequence: bigint;
}

/** An item whose TTL the stream record did not show (KEYS_ONLY or OLD_IMAGE streams): it must be read. */
export interface Lookup {
  table: string;
  keys: Record<string, AttributeValue>;
  sequence: bigint;
}

/** What observing one record did, for tests and counters. */
export type Observation =
  | { kind: 'ignored'; reason: 'other table' | 'no key' | 'older than known' | 'not a sequence number' }
  | { kind: 'tracked'; due: number }
  | { kind: 'untracked' }
  | { kind: 'lookup' }
  | { kind: 'full' };

/**
 * Which items of the expiring tables will expire, and when, learnt from the stream records the mappings
 * read (and from one scan at start-up), so that a sweep costs O(items due), not O(items). Pure: it issues no
 * request; the expirer reads and deletes. Items are keyed by table and key; a record only replaces what a
 * newer one said (two mappings can read one stream at different paces).
 */
export interface TtlTracker {
  observe(record: TrackableRecord): Observation;
  /** An item found by the start-up scan: kept unless a stream record already told about the key. */
  seed(table: string, item: Record<string, AttributeValue>): Observation;
  /** The answer to a lookup: the item as read now (undefined: gone). */
  resolve(lookup: Lookup, item: Record<string, AttributeValue> | undefined): Observation;
  /** Removes and returns every item due at `nowSeconds` (stale entries are skipped). */
  takeDue(nowSeconds: number): TrackedItem[];
  /** Forgets an item after its delete was tried (done, or refused because its TTL changed). */
  settle(item: TrackedItem): void;
  /** Puts back an item whose delete could not be tried (DynamoDB Local away): it is due again. */
  retry(item: TrackedItem): void;
  /** Removes and returns the keys to read (up to `max`). */
  takeLookups(max: number): Lookup[];
  /** Puts back a lookup that could not be read; a newer record of the key wins. */
  retryLookup(lookup: Lookup): void;
  readonly tables: ExpiringTable[];
  readonly size: number;
  /** Heap entries, stale ones included (bounded by about twice the items tracked). */
  readonly heapEntries: number;
  readonly pendingLookups: number;
}

export interface TtlTrackerOptions {
  tables: ExpiringTable[];
  /** Most items tracked at once (memory); beyond it, DynamoDB Local's own TTL job expires the rest, slowly. Default 500,000. */
  maxTracked?: number;
}

const hasOwn = (object: object, name: string) => Object.hasOwn(object, name);

/** Lambda JSON key values (B in base64) to the SDK's (B as bytes); keys are S, N or B only. */
function sdkKeys(keys: Record<string, unknown>): Record<string, AttributeValue> | undefined {
  const out: Record<string, AttributeValue> = Object.create(null) as Record<string, AttributeValue>;
  for (const name of Object.keys(keys)) {
    const value = keys[name] as Record<string, unknown> | undefined;
    if (!value || typeof value !== 'object') return undefined;
    if (typeof value.S === 'string') out[name] = { S: value.S };
    else if (typeof value.N === 'string') out[name] = { N: value.N };
    else if (typeof value.B === 'string') out[name] = { B: Buffer.from(value.B, 'base64') };
    else if (value.B instanceof Uint8Array) out[name] = { B: value.B };
    else return undefined;
  }
  return out;
}

const sequenceOf = (text: string | undefined): bigint | undefined => (text && /^\d{1,40}$/.test(text) ? BigInt(text) : undefined);

export function createTtlTracker(options: TtlTrackerOptions): TtlTracker {
  const maxTracked = options.maxTracked ?? 500_000;
  const byTable = new Map(options.tables.map((table) => [table.tableName, table]));
  const current = new Map<string, TrackedItem>();
  const lookups = new Map<string, Lookup>();
  const heap = createExpiryHeap<TrackedItem>();
  const idOf = (table: string, keys: Record<string, unknown>) => `${table}\u0000${canonical(keys)}`;

  /** The newest sequence number heard of for the key, tracked or waiting for its lookup. */
  const knownSequence = (id: string): bigint | undefined => {
    const tracked = current.get(id)?.sequence;
    const looking = lookups.get(id)?.sequence;
    if (tracked === undefined) return looking;
    return looking === undefined || looking < tracked ? tracked : looking;
  };

  const dueOf = (table: ExpiringTable, image: Record<string, unknown>): number | undefined => {
    if (!hasOwn(image, table.ttlAttribute)) return undefined;
    const value = image[table.ttlAttribute] as { N?: unknown } | undefined;
    // DynamoDB ignores a TTL attribute that is not a Number.
    return value && typeof value.N === 'string' ? ttlDueSeconds(value.N) : undefined;
  };

  const track = (id: string, item: TrackedItem): Observation => {
    if (!current.has(id) && current.size >= maxTracked) return { kind: 'full' };
    current.set(id, item);
    heap.push(item.due, item);
    // Each TTL change leaves its old entry behind; rebuild before the stale ones outnumber the live.
    if (heap.size > 2 * current.size + 1024) heap.rebuild([...current.values()].map((value) => ({ due: value.due, value })));
    return { kind: 'tracked', due: item.due };
  };

  const apply = (
    table: ExpiringTable,
    id: string,
    keys: Record<string, AttributeValue>,
    sequence: bigint,
    image: Record<string, unknown> | undefined,
  ): Observation => {
    const due = image ? dueOf(table, image) : undefined;
    if (due === undefined) {
      current.delete(id);
      return { kind: 'untracked' };
    }
    return track(id, { table: table.tableName, keys, due, sequence });
  };

  return {
    observe(record) {
      const tableName = tableNameOfArn(record.eventSourceARN);
      const table = tableName === undefined ? undefined : byTable.get(tableName);
      if (!table) return { kind: 'ignored', reason: 'other table' };
      const rawKeys = record.dynamodb?.Keys;
      const keys = rawKeys ? sdkKeys(rawKeys) : undefined;
      if (!rawKeys || !keys) return { kind: 'ignored', reason: 'no key' };
      const sequence = sequenceOf(record.dynamodb?.SequenceNumber);
      if (sequence === undefined) return { kind: 'ignored', reason: 'not a sequence number' };
      const id = idOf(table.tableName, rawKeys);
      const known = knownSequence(id);
      if (known !== undefined && known >= sequence) return { kind: 'ignored', reason: 'older than known' };
      lookups.delete(id);
      if (record.eventName === 'REMOVE') return apply(table, id, keys, sequence, undefined);
      const image = record.dynamodb?.NewImage;
      if (!image) {
        lookups.set(id, { table: table.tableName, keys, sequence });
        return { kind: 'lookup' };
      }
      return apply(table, id, keys, sequence, image);
    },
    seed(tableName, item) {
      const table = byTable.get(tableName);
      if (!table) return { kind: 'ignored', reason: 'other table' };
      const keys = Object.fromEntries(table.keyAttributes.map((name) => [name, item[name]!])) as Record<string, AttributeValue>;
      const id = idOf(tableName, keys);
      if (current.has(id) || lookups.has(id)) return { kind: 'ignored', reason: 'older than known' };
      return apply(table, id, keys, -1n, item);
    },
    resolve(lookup, item) {
      const table = byTable.get(lookup.table)!;
      const id = idOf(lookup.table, lookup.keys);
      const known = knownSequence(id);
      if (known !== undefined && known > lookup.sequence) return { kind: 'ignored', reason: 'older than known' };
      return apply(table, id, lookup.keys, lookup.sequence, item);
    },
    takeDue(nowSeconds) {
      const due: TrackedItem[] = [];
      for (let top = heap.peek(); top && top.due <= nowSeconds; top = heap.peek()) {
        heap.pop();
        const id = idOf(top.value.table, top.value.keys);
        if (current.get(id) !== top.value) continue;
        due.push(top.value);
      }
      return due;
    },
    settle(item) {
      const id = idOf(item.table, item.keys);
      if (current.get(id) === item) current.delete(id);
    },
    retry(item) {
      if (current.get(idOf(item.table, item.keys)) === item) heap.push(item.due, item);
    },
    takeLookups(max) {
      const taken: Lookup[] = [];
      for (const [id, lookup] of lookups) {
        if (taken.length >= max) break;
        lookups.delete(id);
        taken.push(lookup);
      }
      return taken;
    },
    retryLookup(lookup) {
      const id = idOf(lookup.table, lookup.keys);
      const known = knownSequence(id);
      if (known === undefined || known < lookup.sequence) lookups.set(id, lookup);
    },
    tables: options.tables,
    get size() {
      return current.size;
    },
    get heapEntries() {
      return heap.size;
    },
    get pendingLookups() {
      return lookups.size;
    },
  };
}
