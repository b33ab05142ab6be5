import { median } from '../harness/median.js';
import { streamActions, type Stream } from '../harness/stream-actions.js';
import { setTimeout as delay } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { functionSpec } from '../../lib/mapping/function-spec.js';
import { createStreamHandler } from '../../lib/runtime/dispatch/stream-handler.js';
import { createDynamoDBClient } from '../../lib/runtime/dynamodb/client.js';
import { startDynamoDBLocal, type DynamoDBLocal } from '../../lib/local/dynamodb-local/dynamodb-local.js';
import { createLogger } from '../../lib/runtime/logging/logger.js';
import { ensureTables } from '../../lib/data/ensure-table.js';
import { readServerlessConfig } from '../../lib/mapping/serverless-config.js';
import { tableDefinitions } from '../../lib/mapping/table-definition.js';
import { insertRecord, modifyRecord, streamEvent } from '../../test/factories/stream-record.js';

/*
 * How fast the real stream handlers (the books and orders actions, against DynamoDB Local) get through a
 * 100-record batch at each dispatcher concurrency: with 100 distinct item keys, where records can overlap,
 * and with 1 key, where they cannot. Prints the median ms per batch of --runs rounds (after one warm-up round).
 * DynamoDB Local on this machine answers in about a millisecond and shares the CPU with the handler, so it hides
 * what concurrency buys against AWS, where each call is a network round trip: `--latency-ms N` adds N ms before
 * every request to model that round trip (the only part of the cloud this bench mocks).
 * Not wired into bench/run.ts: run it with `node --import tsx bench/tables/dispatch-concurrency.ts [--runs 7] [--latency-ms 0]`.
 */

const CONCURRENCIES = [1, 4, 8, 16, 32] as const;
const BATCH_SIZE = 100;
/** Aggregate items the distinct-key batches share (authors, customers): live traffic shares them too. */
const SHARED_AGGREGATES = 10;
const STAGE = 'benchdispatch';

type Keys = 'distinct' | 'one';

/** A fresh batch for run `run`: new item keys per run, so the ledger applies every record instead of skipping it. */
function batchFor(stream: Stream, keys: Keys, run: string): DynamoDBStreamEvent {
  const records: DynamoDBRecord[] = [];
  for (let n = 0; n < BATCH_SIZE; n++) {
    const key = keys === 'distinct' ? `${run}-${n}` : run;
    if (stream === 'books') {
      const book = (v: number) => ({ isbn: `isbn-${key}`, title: `Title ${key}`, author: `author-${v % SHARED_AGGREGATES}` });
      const fresh = keys === 'distinct' || n === 0;
      records.push(fresh ? insertRecord('books-bench', ['isbn'], book(n)) : modifyRecord('books-bench', ['isbn'], book(n - 1), book(n)));
    } else {
      const order = (v: number) => ({
        customerId: keys === 'distinct' ? `customer-${n % SHARED_AGGREGATES}` : 'customer-one',
        orderDate: `2026-01-01T00:00:00.000Z#${key}`,
        orderStatus: ['PENDING', 'PAID', 'SHIPPED'][v % 3]!,
        total: 10 + v / 100,
      });
      const fresh = keys === 'distinct' || n === 0;
      const keyNames = ['customerId', 'orderDate'];
      const table = 'orders-bench';
      records.push(fresh ? insertRecord(table, keyNames, order(n)) : modifyRecord(table, keyNames, order(n - 1), order(n)));
    }
  }
  return streamEvent(records);
}

interface Row {
  stream: Stream;
  keys: Keys;
  concurrency: number;
  medianMs: number;
  /** Batches that reported a failed record (their time is not comparable: they stopped early). */
  failedBatches: number;
}

async function measure(runs: number, latencyMs: number, endpoint: string): Promise<Row[]> {
  const client = createDynamoDBClient({ endpoint });
  if (latencyMs > 0) {
    client.middlewareStack.add(
      (next) => async (args) => {
        await delay(latencyMs);
        return next(args);
      },
      { step: 'finalizeRequest', name: 'modelledRoundTrip' },
    );
  }
  const config = readServerlessConfig({ stage: STAGE });
  await ensureTables(client, tableDefinitions(config.resources));
  // The handlers' own info-level logging is built and serialised, as in Lambda, but not printed.
  const logger = createLogger({ level: 'info', write: () => {} });
  const configs = (['books', 'orders'] as const).flatMap((stream) => {
    const env = functionSpec(config, `${stream}Stream`).environment;
    const actions = streamActions(stream, client, env);
    return (['distinct', 'one'] as const).flatMap((keys) =>
      CONCURRENCIES.map((concurrency) => {
        const handler = createStreamHandler({ actions, logger, concurrency });
        return { stream, keys, concurrency, handler, times: [] as number[], failedBatches: 0 };
      }),
    );
  });
  let runId = 0;
  // Round 0 warms DynamoDB Local's JVM, the connections and the JIT. Each round runs every configuration once,
  // so a load change on the shared machine reaches all of them alike instead of skewing one.
  for (let round = 0; round <= runs; round++) {
    for (const c of configs) {
      const event = batchFor(c.stream, c.keys, `r${++runId}`);
      const started = performance.now();
      const response = await c.handler(event);
      const ms = performance.now() - started;
      if (response.batchItemFailures.length > 0) c.failedBatches++;
      if (round > 0) c.times.push(ms);
    }
    process.stderr.write(`  round ${round}/${runs} done\n`);
  }
  const rows: Row[] = configs.map(({ stream, keys, concurrency, times, failedBatches }) => ({
    stream,
    keys,
    concurrency,
    medianMs: Math.round(median(times) * 10) / 10,
    failedBatches,
  }));
  client.destroy();
  return rows;
}

function render(rows: Row[], runs: number, latencyMs: number): string {
  const lines = [
    `ms per ${BATCH_SIZE}-record batch, median of ${runs} runs (real actions, DynamoDB Local, ${latencyMs} ms added per request)`,
    '',
    `| stream | item keys | ${CONCURRENCIES.map((c) => `c=${c}`).join(' | ')} |`,
    `| --- | --- | ${CONCURRENCIES.map(() => '---').join(' | ')} |`,
  ];
  for (const stream of ['books', 'orders'] as const) {
    for (const keys of ['distinct', 'one'] as const) {
      const cells = CONCURRENCIES.map((c) => {
        const row = rows.find((r) => r.stream === stream && r.keys === keys && r.concurrency === c)!;
        return row.failedBatches > 0 ? `${row.medianMs} (${row.failedBatches} failed)` : String(row.medianMs);
      });
      lines.push(`| ${stream} | ${keys === 'distinct' ? BATCH_SIZE : 1} | ${cells.join(' | ')} |`);
    }
  }
  return `${lines.join('\n')}\n`;
}

async function main(): Promise<number> {
  let runs: number;
  let latencyMs: number;
  try {
    const options = { runs: { type: 'string', default: '7' }, 'latency-ms': { type: 'string', default: '0' } } as const;
    const { values } = parseArgs({ options, strict: true });
    runs = Number(values.runs);
    latencyMs = Number(values['latency-ms']);
    if (!Number.isSafeInteger(runs) || runs < 1) throw new Error(`--runs is "${values.runs}"; give a whole number of at least 1`);
    if (!Number.isSafeInteger(latencyMs) || latencyMs < 0) {
      throw new Error(`--latency-ms is "${values['latency-ms']}"; give a whole number, 0 or more`);
    }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`${message}\nusage: node --import tsx bench/tables/dispatch-concurrency.ts [--runs N] [--latency-ms N]\n`);
    return 2;
  }
  // Node 20 is what local machines have; the SDK's reminder of that only adds noise to the output.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  let local: DynamoDBLocal | undefined;
  const interrupted = () => {
    process.stderr.write('interrupted\n');
    void (local?.stop() ?? Promise.resolve()).finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    local = await startDynamoDBLocal({ port: 0 });
    const rows = await measure(runs, latencyMs, local.endpoint);
    process.stdout.write(render(rows, runs, latencyMs));
    return 0;
  } catch (error) {
    process.stderr.write(`dispatch-concurrency bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return 1;
  } finally {
    await local?.stop();
  }
}

main().then((code) => {
  process.exitCode = code;
});
