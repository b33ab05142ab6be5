import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createTtlRegistry, TTL_USER_IDENTITY, type DecoratableRecord } from '../../lib/local/stack/ttl-registry.js';
import { parseStackOptionsEnv, parseStartArguments, stackOptionsEnv } from '../../lib/tools/start/stack-options.js';

const arn = (table: string) => `arn:aws:dynamodb:us-east-1:000000000000:table/${table}/stream/2026-01-01T00:00:00.000`;
const T0 = 1_800_000_000_000;

function remove(
  table: string,
  pk: string,
  sequenceNumber: string,
  extra: Partial<NonNullable<DecoratableRecord['dynamodb']>> = {},
): DecoratableRecord {
  return {
    eventName: 'REMOVE',
    eventSourceARN: arn(table),
    dynamodb: { Keys: { pk: { S: pk } }, SequenceNumber: sequenceNumber, ApproximateCreationDateTime: Math.floor(T0 / 1000), ...extra },
  };
}

describe('TTL registry: which REMOVE records the local expirer caused', () => {
  it.each([
    ['the REMOVE of an expired item', remove('t', 'a', '1'), true],
    ['a REMOVE of another key', remove('t', 'b', '1'), false],
    ['a REMOVE of the same key in another table', remove('u', 'a', '1'), false],
    ['an INSERT of the key', { ...remove('t', 'a', '1'), eventName: 'INSERT' }, false],
    ['a REMOVE from well before the delete', remove('t', 'a', '1', { ApproximateCreationDateTime: Math.floor(T0 / 1000) - 3600 }), false],
    [
      'a REMOVE whose old image is another version of the item',
      remove('t', 'a', '1', { OldImage: { pk: { S: 'a' }, v: { N: '1' } } }),
      false,
    ],
    [
      'a REMOVE with the deleted image (binary as base64, as Lambda delivers it)',
      remove('t', 'a', '1', { OldImage: { pk: { S: 'a' }, b: { B: 'AQI=' }, v: { N: '2' } } }),
      true,
    ],
  ])('%s: %s', (_case, record, expected) => {
    // Prepare
    const registry = createTtlRegistry({ now: () => T0 });
    registry.expiring('t', { pk: { S: 'a' } }).confirm({ pk: { S: 'a' }, v: { N: '2' }, b: { B: new Uint8Array([1, 2]) } });
    // Act
    const decorated = registry.decorate(record);
    // Assess
    expect(decorated.userIdentity).toEqual(expected ? TTL_USER_IDENTITY : undefined);
  });

  it('binds an expiry to its record: redelivery keeps the mark, a later ordinary delete of the key does not get it', () => {
    // Prepare
    const registry = createTtlRegistry({ now: () => T0 });
    registry.expiring('t', { pk: { S: 'a' } }).confirm(undefined);
    // Act
    const first = registry.isTtlDeletion(remove('t', 'a', '100'));
    const redelivered = registry.isTtlDeletion(remove('t', 'a', '100'));
    const later = registry.isTtlDeletion(remove('t', 'a', '200'));
    // Assess
    expect([first, redelivered, later]).toEqual([true, true, false]);
  });

  it('keeps its expiries in a file, so a REMOVE read after a restart still gets the mark', () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'ttl-registry-'));
    const file = join(dir, 'expiries.json');
    const before = createTtlRegistry({ now: () => T0, file });
    before.expiring('t', { pk: { S: 'a' } }).confirm({ pk: { S: 'a' } });
    // Act
    const after = createTtlRegistry({ now: () => T0, file });
    // Assess
    expect(after.isTtlDeletion(remove('t', 'a', '1', { OldImage: { pk: { S: 'a' } } }))).toBe(true);
    expect(after.isTtlDeletion(remove('t', 'b', '2'))).toBe(false);
    rmSync(dir, { recursive: true, force: true });
  });

  it('appends each expiry to its file instead of rewriting every expiry of the day (a sweep of k deletes writes O(k))', () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'ttl-registry-'));
    const file = join(dir, 'expiries.json');
    const registry = createTtlRegistry({ now: () => T0, file });
    const before = readFileSync(file, 'utf8');
    // Act
    for (let i = 0; i < 500; i++) registry.expiring('t', { pk: { S: `k${i}` } }).confirm({ pk: { S: `k${i}` } });
    const after = readFileSync(file, 'utf8');
    // Assess: what was there stays byte for byte; 500 expiries added 1,000 lines (the delete, then its old image).
    expect(after.startsWith(before)).toBe(true);
    expect(after.slice(before.length).trimEnd().split('\n')).toHaveLength(1000);
    expect(createTtlRegistry({ now: () => T0, file }).isTtlDeletion(remove('t', 'k499', '9', { OldImage: { pk: { S: 'k499' } } }))).toBe(
      true,
    );
    rmSync(dir, { recursive: true, force: true });
  });

  it.each([
    [
      'the JSON array earlier versions wrote',
      (file: string) => writeFileSync(file, JSON.stringify([{ table: 't', key: '{"pk":{"S":"a"}}', at: T0 }])),
    ],
    [
      'a journal whose last line was torn by a crash',
      (file: string) => {
        createTtlRegistry({ now: () => T0, file }).expiring('t', { pk: { S: 'a' } });
        appendFileSync(file, '{"n":7,"table":"t","ke');
      },
    ],
  ])('reads %s', (_case, write) => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'ttl-registry-'));
    const file = join(dir, 'expiries.json');
    write(file);
    // Act
    const registry = createTtlRegistry({ now: () => T0, file });
    // Assess
    expect(registry.isTtlDeletion(remove('t', 'a', '1'))).toBe(true);
    expect(registry.size).toBe(1);
    rmSync(dir, { recursive: true, force: true });
  });

  it('forgets a cancelled expiry (the conditional delete failed) and old ones', () => {
    // Prepare
    let now = T0;
    const registry = createTtlRegistry({ now: () => now, retentionMs: 1000 });
    registry.expiring('t', { pk: { S: 'a' } }).cancel();
    registry.expiring('t', { pk: { S: 'b' } });
    // Act
    now += 5000;
    registry.expiring('t', { pk: { S: 'c' } });
    // Assess
    expect(registry.isTtlDeletion(remove('t', 'a', '1'))).toBe(false);
    expect(registry.size).toBe(1);
  });
});

describe('npm start arguments', () => {
  it.each([
    [[], {}, { stack: {}, offlinePorts: {}, offline: true, help: false }],
    [['--port', '8001', '--in-memory'], {}, { stack: { port: 8001, inMemory: true }, offlinePorts: {}, offline: true, help: false }],
    [
      ['--port=8002', '--reset', '--no-offline', '--no-watch'],
      {},
      { stack: { port: 8002, reset: true, watch: false }, offlinePorts: {}, offline: false, help: false },
    ],
    [
      ['--ttl-interval', '0'],
      { DYNAMODB_PORT: '9000' },
      { stack: { port: 9000, ttlIntervalMs: 0 }, offlinePorts: {}, offline: true, help: false },
    ],
    [['--help'], {}, { stack: {}, offlinePorts: {}, offline: true, help: true }],
    [
      ['--recreate', 'books-local', '--recreate=orders-local,books-local'],
      {},
      { stack: { recreate: ['books-local', 'orders-local'] }, offlinePorts: {}, offline: true, help: false },
    ],
    [
      ['--http-port', '4000', '--lambda-port=4002'],
      {},
      { stack: {}, offlinePorts: { httpPort: 4000, lambdaPort: 4002 }, offline: true, help: false },
    ],
  ])('%j with %j', (argv, env, expected) => {
    // Act / Assess
    expect(parseStartArguments(argv, env)).toEqual(expected);
  });

  it.each([
    [['--port', 'eighty']],
    [['--port', '70000']],
    [['--frobnicate']],
    [['--ttl-interval', '-1']],
    [['--recreate']],
    [['--recreate', ',']],
    [['--lambda-port', '0']],
  ])('refuses %j with a message naming the option', (argv) => {
    // Act / Assess
    expect(() => parseStartArguments(argv, {})).toThrow(argv[0]!);
  });
});

describe('options reaching the plugin inside sls offline start', () => {
  it.each([
    [
      'npm start passes its options through the environment',
      stackOptionsEnv({ port: 8001, inMemory: true }),
      { port: 8001, inMemory: true },
    ],
    [
      'a plain sls offline start takes the port of a local DYNAMODB_ENDPOINT',
      { DYNAMODB_ENDPOINT: 'http://127.0.0.1:8009' },
      { port: 8009 },
    ],
    ['DYNAMODB_PORT wins over DYNAMODB_ENDPOINT', { DYNAMODB_ENDPOINT: 'http://127.0.0.1:8009', DYNAMODB_PORT: '8010' }, { port: 8010 }],
    ['an endpoint elsewhere does not move the local port', { DYNAMODB_ENDPOINT: 'https://dynamodb.us-east-1.amazonaws.com' }, {}],
  ])('%s', (_case, env, expected) => {
    // Act / Assess
    expect(parseStackOptionsEnv(env)).toEqual(expected);
  });
});
