import { appendFileSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { tableNameOfArn } from '../../runtime/arn.js';

/** The `userIdentity` DynamoDB puts on a REMOVE that its TTL process caused. */
export const TTL_USER_IDENTITY = Object.freeze({ type: 'Service', principalId: 'dynamodb.amazonaws.com' });

/** A stream record as far as the registry looks at it (SDK or Lambda shape). */
export interface DecoratableRecord {
  eventName?: string;
  eventSourceARN?: string;
  userIdentity?: unknown;
  dynamodb?: {
    Keys?: Record<string, unknown>;
    OldImage?: Record<string, unknown>;
    SequenceNumber?: string;
    ApproximateCreationDateTime?: number | Date;
  };
}

interface Expiry {
  /** Identifies the expiry in the file's journal. */
  n: number;
  table: string;
  key: string;
  oldImage: string | undefined;
  /** Epoch ms of the delete request; the REMOVE cannot be older. */
  at: number;
  /** Sequence number of the REMOVE this expiry turned out to be, once seen. */
  sequenceNumber?: string;
}

/**
 * Remembers which deletes the local TTL expirer made, so the REMOVE records they cause can carry
 * DynamoDB's TTL `userIdentity`, as on AWS. DynamoDB Local's own records never have one.
 *
 * Matching: same table, same key, and (when the stream carries old images) the same old image, not
 * older than the delete. The first such REMOVE binds the expiry to its sequence number, so retries of
 * that record and other mappings of the same stream see the same answer, and a later ordinary delete
 * of the same key does not.
 */
export interface TtlRegistry {
  /** Call before deleting: the record may be read before DeleteItem returns. */
  expiring(
    table: string,
    keys: Record<string, AttributeValue>,
    at?: number,
  ): { confirm(oldImage: Record<string, AttributeValue> | undefined): void; cancel(): void };
  /** Returns the record with the TTL userIdentity when it is a TTL deletion; the same record otherwise. */
  decorate<R extends DecoratableRecord>(record: R): R;
  isTtlDeletion(record: DecoratableRecord): boolean;
  readonly size: number;
}

// Stream records come as SDK objects (Uint8Array for B) or as Lambda JSON (base64 strings): one canonical text for both.
export function canonical(value: unknown): string {
  if (value instanceof Uint8Array) return JSON.stringify(Buffer.from(value).toString('base64'));
  if (value instanceof Set) return canonical([...value]);
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/** One journal line; a torn last line (a crash mid-write) is skipped. */
function parseLine(line: string): Expiry[] {
  if (line.trim() === '') return [];
  try {
    return [JSON.parse(line) as Expiry];
  } catch {
    return [];
  }
}

export interface TtlRegistryOptions {
  /** How long an expiry is remembered, in ms: the stream keeps records 24 hours. */
  retentionMs?: number;
  now?: () => number;
  /**
   * File that keeps the expiries across restarts (data on disk): a REMOVE read after a restart still gets
   * its userIdentity. A journal of JSON lines (each change appended: a delete costs O(1), not a rewrite of
   * every expiry of the day), compacted when stale lines outnumber the live ones. None: in memory only.
   */
  file?: string;
}

export function createTtlRegistry(options: TtlRegistryOptions = {}): TtlRegistry {
  const retentionMs = options.retentionMs ?? 24 * 3600 * 1000;
  const now = options.now ?? Date.now;
  const byKey = new Map<string, Expiry[]>();
  const file = options.file;
  let nextId = 0;
  let journalLines = 0;
  let lastPrune = now();
  const idOf = (expiry: Pick<Expiry, 'table' | 'key'>) => `${expiry.table}\u0000${expiry.key}`;
  const live = () => [...byKey.values()].flat();
  if (file && existsSync(file)) {
    try {
      const text = readFileSync(file, 'utf8');
      // Earlier versions wrote one JSON array; the journal has one object per line, the last one for an expiry winning.
      const entries = text.startsWith('[') ? (JSON.parse(text) as Expiry[]) : text.split('\n').flatMap((line) => parseLine(line));
      const byNumber = new Map<number, Expiry>();
      entries.forEach((entry, index) => {
        const n = typeof entry.n === 'number' ? entry.n : -1 - index;
        if ((entry as { gone?: boolean }).gone) byNumber.delete(n);
        else byNumber.set(n, { ...entry, n });
      });
      for (const expiry of byNumber.values()) {
        byKey.set(idOf(expiry), [...(byKey.get(idOf(expiry)) ?? []), expiry]);
        nextId = Math.max(nextId, expiry.n + 1);
      }
    } catch {
      // An unreadable file only costs the TTL marks of records not yet delivered; start afresh.
    }
  }
  const compact = () => {
    if (!file) return;
    const entries = live();
    writeFileSync(`${file}.tmp`, entries.map((entry) => `${JSON.stringify(entry)}\n`).join(''));
    renameSync(`${file}.tmp`, file);
    journalLines = entries.length;
  };
  const journal = (line: Expiry | { n: number; gone: true }) => {
    if (!file) return;
    appendFileSync(file, `${JSON.stringify(line)}\n`);
    journalLines += 1;
    // Counting the live expiries walks them all: only every 1,000 lines.
    if (journalLines % 1000 === 0 && journalLines > 2 * live().length + 1000) compact();
  };
  // A file from an earlier version, or one with stale lines, starts compact.
  compact();

  // Pruning walks every expiry: at most once a minute (or retention), so a sweep of many deletes stays O(deletes).
  const prune = () => {
    if (now() - lastPrune < Math.min(60_000, retentionMs)) return;
    lastPrune = now();
    const oldest = now() - retentionMs;
    let pruned = false;
    for (const [id, list] of byKey) {
      const kept = list.filter((expiry) => expiry.at >= oldest);
      if (kept.length !== list.length) pruned = true;
      if (kept.length === 0) byKey.delete(id);
      else if (kept.length !== list.length) byKey.set(id, kept);
    }
    if (pruned) compact();
  };

  const find = (record: DecoratableRecord): Expiry | undefined => {
    if (record.eventName !== 'REMOVE' || !record.dynamodb?.Keys) return undefined;
    const table = tableNameOfArn(record.eventSourceARN);
    if (!table) return undefined;
    const list = byKey.get(`${table}\u0000${canonical(record.dynamodb.Keys)}`);
    if (!list) return undefined;
    const sequenceNumber = record.dynamodb.SequenceNumber;
    const bound = list.find((expiry) => expiry.sequenceNumber !== undefined && expiry.sequenceNumber === sequenceNumber);
    if (bound) return bound;
    const created = record.dynamodb.ApproximateCreationDateTime;
    const createdMs = created instanceof Date ? created.getTime() : typeof created === 'number' ? created * 1000 : undefined;
    const oldImage = record.dynamodb.OldImage ? canonical(record.dynamodb.OldImage) : undefined;
    const candidate = list.find(
      (expiry) =>
        expiry.sequenceNumber === undefined &&
        // DynamoDB Local rounds creation times down to the minute (AWS to the second): allow that much.
        (createdMs === undefined || createdMs >= expiry.at - 61_000) &&
        (oldImage === undefined || expiry.oldImage === undefined || oldImage === expiry.oldImage),
    );
    if (candidate && sequenceNumber) {
      candidate.sequenceNumber = sequenceNumber;
      journal(candidate);
    }
    return candidate;
  };

  return {
    expiring(table, keys, at = now()) {
      prune();
      const expiry: Expiry = { n: nextId++, table, key: canonical(keys), oldImage: undefined, at };
      const id = idOf(expiry);
      byKey.set(id, [...(byKey.get(id) ?? []), expiry]);
      journal(expiry);
      return {
        confirm(oldImage) {
          if (!oldImage) return;
          expiry.oldImage = canonical(oldImage);
          journal(expiry);
        },
        cancel() {
          const kept = (byKey.get(id) ?? []).filter((e) => e !== expiry);
          if (kept.length === 0) byKey.delete(id);
          else byKey.set(id, kept);
          journal({ n: expiry.n, gone: true });
        },
      };
    },
    decorate(record) {
      if (!find(record)) return record;
      return { ...record, userIdentity: { ...TTL_USER_IDENTITY } };
    },
    isTtlDeletion: (record) => find(record) !== undefined,
    get size() {
      let total = 0;
      for (const list of byKey.values()) total += list.length;
      return total;
    },
  };
}
