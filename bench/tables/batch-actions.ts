import { median } from '../harness/median.js';
import { streamActions, type Stream } from '../harness/stream-actions.js';
import { cpus, loadavg } from 'node:os';
import {
  GetItemCommand,
  PutItemCommand,
  TransactWriteItemsCommand,
  type DynamoDBClient,
  type GetItemCommandInput,
  type PutItemCommandInput,
  type TransactWriteItemsCommandInput,
} from '@aws-sdk/client-dynamodb';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { functionSpec } from '../../lib/mapping/function-spec.js';
import { EnvName } from '../../lib/runtime/env-names.js';
import { requireEnv } from '../../lib/runtime/require-env.js';
import { DEFAULT_DISPATCH_CONCURRENCY } from '../../lib/runtime/dispatch/default-concurrency.js';
import { createStreamHandler, type StreamHandler } from '../../lib/runtime/dispatch/stream-handler.js';
import { createDynamoDBClient } from '../../lib/runtime/dynamodb/client.js';
import { startDynamoDBLocal } from '../../lib/local/dynamodb-local/dynamodb-local.js';
import { createLogger } from '../../lib/runtime/logging/logger.js';
import { ensureTables } from '../../lib/data/ensure-table.js';
import { readServerlessConfig } from '../../lib/mapping/serverless-config.js';
import { tableDefinitions } from '../../lib/mapping/table-definition.js';
import { insertRecord, modifyRecord, streamEvent } from '../../test/factories/stream-record.js';
import { startLatencyProxy, type LatencyProxy } from '../harness/latency-proxy.js';
import { log, QUICK, tableMain } from '../harness/table-main.js';
import type { BatchActionsRow, BatchActionsTable, BatchCase, BatchMode } from '../report/types.js';

/*
 * Table 6, batch with real actions on DynamoDB Local: the books and orders actions as the functions build them
 * (log, change log, statistics with the applied-changes ledger), run three ways on the same kind of batch:
 * - sequential: concurrency 1 and batch actions off, one request per action per record (the behaviour before batch actions);
 * - batch: the handlers' settings (DEFAULT_DISPATCH_CONCURRENCY, batch actions on);
 * - floor: the very requests the sequential run made, replayed 32 at a time (ledger keys renamed so they write afresh).
 * Each with DynamoDB Local answering directly, and through a loopback proxy that holds each request 5 ms (AWS's round
 * trip, the only part of the cloud modelled). Requests are counted at the client; every round uses new item keys.
 * Runs from source through tsx: DynamoDB Local's jar is found next to lib/local.
 */

const STAGE = 'benchbatch';
const PROXY_MS = 5;
const FLOOR_CONCURRENCY = 32;
/** Statistics rows the distinct-key batches share (authors, customers), as live traffic shares them. */
const SHARED_AGGREGATES = 10;

const CASES: { id: BatchCase; label: string; records: number; keys: number; streams: Stream[] }[] = [
  { id: '100x100', label: '100 records, 100 keys', records: 100, keys: 100, streams: ['books', 'orders'] },
  { id: '100x1', label: '100 records, 1 key', records: 100, keys: 1, streams: ['books', 'orders'] },
  { id: 'author', label: '100 new books by one author', records: 100, keys: 100, streams: ['books'] },
  { id: '1000x100', label: '1,000 records, 100 keys', records: 1000, keys: 100, streams: ['books', 'orders'] },
];

/** A batch of fresh item keys (`run` in every key): the first change of a key is an INSERT, the others MODIFY it. */
function batchFor(stream: Stream, c: (typeof CASES)[number], run: string): DynamoDBStreamEvent {
  const records: DynamoDBRecord[] = [];
  const version = new Map<number, number>();
  for (let n = 0; n < c.records; n++) {
    const k = n % c.keys;
    const v = version.get(k);
    version.set(k, (v ?? -1) + 1);
    const key = `${run}-${k}`;
    if (stream === 'books') {
      const author = (x: number) => (c.id === 'author' ? `author-${run}` : `author-${(k + x) % SHARED_AGGREGATES}`);
      const book = (x: number) => ({ isbn: `isbn-${key}`, title: `Title ${key} v${x}`, author: author(x) });
      records.push(
        v === undefined ? insertRecord('books-bench', ['isbn'], book(0)) : modifyRecord('books-bench', ['isbn'], book(v), book(v + 1)),
      );
    } else {
      const order = (x: number) => ({
        customerId: `customer-${k % SHARED_AGGREGATES}`,
        orderDate: `2026-01-01T00:00:00.000Z#${key}`,
        orderStatus: ['PENDING', 'PAID', 'SHIPPED'][x % 3]!,
        total: 10 + x / 100,
      });
      const keyNames = ['customerId', 'orderDate'];
      records.push(
        v === undefined ? insertRecord('orders-bench', keyNames, order(0)) : modifyRecord('orders-bench', keyNames, order(v), order(v + 1)),
      );
    }
  }
  return streamEvent(records);
}

interface Recorded {
  name: string;
  input: unknown;
}

/** A client that counts its requests and, while `recording` is set, keeps each one for the floor's replay. */
function countingClient(endpoint: string) {
  const client = createDynamoDBClient({ endpoint });
  const state = { count: 0, recording: undefined as Recorded[] | undefined };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      state.count++;
      state.recording?.push({ name: context.commandName ?? '', input: structuredClone(args.input) });
      return next(args);
    },
    { step: 'initialize', name: 'benchRequestCounter' },
  );
  return { client, state };
}

/** The recorded request as a command again, its ledger keys renamed with `suffix` so it writes a fresh entry. */
function replayCommand(request: Recorded, ledgerTable: string, suffix: string) {
  const input: unknown = structuredClone(request.input);
  switch (request.name) {
    case 'GetItemCommand': {
      const get = input as GetItemCommandInput;
      if (get.TableName === ledgerTable && get.Key?.pk?.S !== undefined) get.Key.pk = { S: get.Key.pk.S + suffix };
      return new GetItemCommand(get);
    }
    case 'PutItemCommand':
      return new PutItemCommand(input as PutItemCommandInput);
    case 'TransactWriteItemsCommand': {
      const transaction = input as TransactWriteItemsCommandInput;
      for (const item of transaction.TransactItems ?? []) {
        const put = item.Put;
        if (put?.TableName === ledgerTable && put.Item?.pk?.S !== undefined) put.Item.pk = { S: put.Item.pk.S + suffix };
      }
      return new TransactWriteItemsCommand(transaction);
    }
    default:
      throw new Error(`the sequential run sent ${request.name}, which the floor cannot replay`);
  }
}

/** Replays the requests `concurrency` at a time; resolves with how many failed (a condition that no longer holds). */
async function replay(client: DynamoDBClient, requests: Recorded[], ledgerTable: string, suffix: string): Promise<number> {
  let next = 0;
  let failed = 0;
  const worker = async () => {
    while (next < requests.length) {
      const command = replayCommand(requests[next++]!, ledgerTable, suffix);
      try {
        await client.send(command as GetItemCommand);
      } catch {
        failed++;
      }
    }
  };
  await Promise.all(Array.from({ length: FLOOR_CONCURRENCY }, worker));
  return failed;
}

interface Config {
  stream: Stream;
  case: (typeof CASES)[number];
  proxyMs: number;
  counter: ReturnType<typeof countingClient>;
  sequential: StreamHandler;
  batch: StreamHandler;
  ledgerTable: string;
  times: Record<BatchMode, number[]>;
  requests: Record<BatchMode, number>;
  failedBatches: Record<BatchMode, number>;
  replayFailures: number;
}

tableMain('batch-actions', async (): Promise<BatchActionsTable> => {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const runs = QUICK ? 1 : 3;
  const loadBefore = loadavg();
  const local = await startDynamoDBLocal({ port: 0 });
  let proxy: LatencyProxy | undefined;
  try {
    proxy = await startLatencyProxy(local.endpoint, PROXY_MS);
    const config = readServerlessConfig({ stage: STAGE });
    const setup = createDynamoDBClient({ endpoint: local.endpoint });
    await ensureTables(setup, tableDefinitions(config.resources));
    setup.destroy();
    // The handlers' own info-level logging is built and serialised, as in Lambda, but not printed.
    const logger = createLogger({ level: 'info', write: () => {} });
    const configs: Config[] = [];
    for (const proxyMs of [0, PROXY_MS]) {
      const counter = countingClient(proxyMs === 0 ? local.endpoint : proxy.endpoint);
      for (const c of CASES) {
        for (const stream of c.streams) {
          const env = functionSpec(config, `${stream}Stream`).environment;
          const actions = streamActions(stream, counter.client, env);
          configs.push({
            stream,
            case: c,
            proxyMs,
            counter,
            sequential: createStreamHandler({ actions, logger, concurrency: 1, batchActions: false }),
            batch: createStreamHandler({ actions, logger, concurrency: DEFAULT_DISPATCH_CONCURRENCY }),
            ledgerTable: requireEnv(env, EnvName.appliedChangesTable),
            times: { sequential: [], batch: [], floor: [] },
            requests: { sequential: 0, batch: 0, floor: 0 },
            failedBatches: { sequential: 0, batch: 0, floor: 0 },
            replayFailures: 0,
          });
        }
      }
    }
    let runId = 0;
    // Round 0 warms DynamoDB Local's JVM, the connections and the JIT (the 1,000-record case is left out of it).
    // Each round runs every configuration once, so a load change on the shared machine reaches all alike.
    for (let round = 0; round <= runs; round++) {
      for (const c of configs) {
        if (round === 0 && c.case.records > 100) continue;
        const { state } = c.counter;
        const time = async (mode: BatchMode, run: () => Promise<boolean>) => {
          const before = state.count;
          const started = performance.now();
          const ok = await run();
          const ms = performance.now() - started;
          if (round > 0) {
            c.times[mode].push(ms);
            c.requests[mode] = state.count - before;
            if (!ok) c.failedBatches[mode]++;
          }
        };
        const recorded: Recorded[] = [];
        state.recording = recorded;
        await time(
          'sequential',
          async () => (await c.sequential(batchFor(c.stream, c.case, `r${++runId}`))).batchItemFailures.length === 0,
        );
        state.recording = undefined;
        await time('floor', async () => {
          const failed = await replay(c.counter.client, recorded, c.ledgerTable, `#floor${runId}`);
          if (round > 0) c.replayFailures += failed;
          return true;
        });
        await time('batch', async () => (await c.batch(batchFor(c.stream, c.case, `r${++runId}`))).batchItemFailures.length === 0);
      }
      log(`batch actions: round ${round}/${runs} done`);
    }
    const rows: BatchActionsRow[] = configs.flatMap((c) =>
      (['sequential', 'batch', 'floor'] as const).map((mode) => ({
        case: c.case.id,
        label: c.case.label,
        stream: c.stream,
        records: c.case.records,
        proxyMs: c.proxyMs,
        mode,
        medianMs: Math.round(median(c.times[mode]) * 10) / 10,
        requests: c.requests[mode],
        requestsPerChange: c.requests[mode] / c.case.records,
        recordsPerSecond: Math.round(c.case.records / (median(c.times[mode]) / 1000)),
        failedBatches: c.failedBatches[mode],
        ...(mode === 'floor' ? { replayFailures: c.replayFailures } : {}),
      })),
    );
    for (const c of configs) c.counter.client.destroy();
    return {
      runs,
      proxyMs: PROXY_MS,
      floorConcurrency: FLOOR_CONCURRENCY,
      batchConcurrency: DEFAULT_DISPATCH_CONCURRENCY,
      machine: { cores: cpus().length, loadAverageBefore: loadBefore, loadAverageAfter: loadavg() },
      rows,
    };
  } finally {
    await proxy?.close();
    await local.stop();
  }
});
