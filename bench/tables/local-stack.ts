import { subscribe } from 'node:diagnostics_channel';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { BatchWriteItemCommand, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { DEFAULT_DISPATCH_CONCURRENCY } from '../../lib/runtime/dispatch/default-concurrency.js';
import { createDynamoDBClient } from '../../lib/runtime/dynamodb/client.js';
import { createLogger } from '../../lib/runtime/logging/logger.js';
import { log, QUICK, tableMain } from '../harness/table-main.js';

/*
 * Table 5, local stack: writes to the Orders table of a fresh local stack (DynamoDB Local in memory, the
 * stream mappings, the esbuild-built ordersStream handler in its worker process) and times each write
 * until the handler logs the change ("change received", which carries the item's keys).
 * Runs from source through tsx (not bundled): the stack finds its worker and DynamoDB Local's jar next to
 * its own files. Without a programmatic start API the table says so instead of guessing numbers.
 */
const ROOT = resolve(__dirname, '..', '..');
const STACK_MODULE = join(ROOT, 'lib', 'local', 'stack', 'local-stack.ts');
const STAGE = 'bench';
const FUNCTION = 'ordersStream';
const TABLE = `orders-${STAGE}`;
/** Items written before measuring into each TTL table (the change log and the ledger grow with every record). */
const PREFILL = Number(process.env.BENCH_STACK_PREFILL ?? (QUICK ? 1000 : 3000));
/** The TTL sweeper's interval, as `npm start` runs it (1 s); 0 turns it off. */
const TTL_INTERVAL_MS = Number(process.env.BENCH_STACK_TTL_MS ?? 1000);
/** ordersStream with concurrency 1 and batch actions off: the same actions as before issue 13. */
const SEQUENTIAL_HANDLER = 'bench/handlers/orders-stream-sequential.handler';

type StackModule = typeof import('../../lib/local/stack/local-stack.js');
type StackConfigModule = typeof import('../../lib/local/stack/stack-config.js');

/**
 * Where the time goes: every request the SDK clients of this process send, by command ("client GetRecords", "client
 * Scan": the stack's mappings and TTL sweeper; "client BatchWriteItem": the bench's own writers),
 * every handler invocation (REPORT lines: Lambda's own format) and every DynamoDB request of the handlers, as the IAM
 * proxy in this process serves them. Observation only: the requests are the real ones.
 */
interface Cost {
  count: number;
  ms: number;
}
const costs = new Map<string, Cost>();
let recording = false;
const addCost = (name: string, ms: number) => {
  if (!recording) return;
  const cost = costs.get(name) ?? { count: 0, ms: 0 };
  cost.count += 1;
  cost.ms += ms;
  costs.set(name, cost);
};
function observeRequests(): void {
  for (const Client of [DynamoDBClient, DynamoDBStreamsClient] as unknown as {
    prototype: { send: (...args: unknown[]) => Promise<unknown> };
  }[]) {
    const send = Client.prototype.send;
    Client.prototype.send = async function timedSend(this: unknown, ...args: unknown[]) {
      const name = `client ${(args[0] as object).constructor.name.replace(/Command$/, '')}`;
      const started = performance.now();
      try {
        return await send.apply(this, args);
      } finally {
        addCost(name, performance.now() - started);
      }
    };
  }
  subscribe('http.server.request.start', (message) => {
    const { request, response } = message as { request: IncomingMessage; response: ServerResponse };
    const target = String(request.headers['x-amz-target'] ?? '').split('.')[1] ?? 'other';
    const started = performance.now();
    response.once('finish', () => addCost(`handler ${target}`, performance.now() - started));
  });
}
const REPORT = /^REPORT RequestId: \S+\tDuration: ([\d.]+) ms/;

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * (sorted.length - 1)))]!;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The stream event settings of ordersStream with `batchWindow` replaced, or as configured when undefined. */
function withBatchWindow(config: ReturnType<StackConfigModule['loadStackConfig']>, seconds: number | undefined) {
  if (seconds === undefined) return config;
  const fn = config.functions[FUNCTION]!;
  const events = (fn.events as Record<string, unknown>[]).map((e) =>
    e.stream ? { ...e, stream: { ...(e.stream as object), batchWindow: seconds } } : e,
  );
  return { ...config, functions: { ...config.functions, [FUNCTION]: { ...fn, events } } };
}

/** The stream event settings with ordersStream's handler replaced by `handler` (`path/file.export`). */
function withHandler(config: ReturnType<StackConfigModule['loadStackConfig']>, handler: string | undefined) {
  if (handler === undefined) return config;
  return { ...config, functions: { ...config.functions, [FUNCTION]: { ...config.functions[FUNCTION]!, handler } } };
}

interface MeasureOptions {
  /** Replaces the batching window of serverless.yml; undefined keeps it. */
  batchWindow?: number;
  /** Replaces ordersStream's handler; undefined keeps functions/orders-stream.handler. */
  handler?: string;
  /** Writes timed one by one at 10/s; 0 skips the latency phase. */
  latencyWrites: number;
  sustained: boolean;
}

async function measureStack(stackModule: StackModule, configModule: StackConfigModule, options: MeasureOptions) {
  const { batchWindow, latencyWrites, sustained } = options;
  const stateDir = mkdtempSync(join(tmpdir(), 'bench-local-'));
  const seen = new Map<string, number>();
  const base = configModule.loadStackConfig({ projectDir: ROOT, stage: STAGE });
  const config = withHandler(withBatchWindow(base, batchWindow), options.handler);
  const window =
    (config.functions[FUNCTION]!.events as { stream?: { batchWindow?: number } }[]).find((e) => e.stream)?.stream?.batchWindow ?? 0;
  const stack = await stackModule.startLocalStack({
    projectDir: ROOT,
    config,
    stage: STAGE,
    port: 0,
    inMemory: true,
    stateDir,
    watch: false,
    ttlIntervalMs: TTL_INTERVAL_MS,
    functions: [FUNCTION],
    logger: createLogger({ level: 'warn', write: (line) => process.stderr.write(`    stack: ${line}`) }),
    handlerOutput: (_fn, line) => {
      const at = performance.now();
      const report = REPORT.exec(line);
      if (report) addCost('handler invocation (REPORT Duration)', Number(report[1]));
      if (!line.includes('change received')) return;
      try {
        const parsed = JSON.parse(line) as { message?: string; keys?: { customerId?: string } };
        if (parsed.message === 'change received' && parsed.keys?.customerId && !seen.has(parsed.keys.customerId))
          seen.set(parsed.keys.customerId, at);
      } catch {
        // Not one of the handler's JSON lines.
      }
    },
  });
  const client = createDynamoDBClient({ endpoint: stack.endpoint, region: 'us-east-1' });
  const item = (customerId: string) => ({
    customerId: { S: customerId },
    orderDate: { S: new Date().toISOString() },
    orderStatus: { S: 'PENDING' },
    total: { N: '42.50' },
    lines: { L: [{ M: { sku: { S: 'SKU-1' }, quantity: { N: '2' }, unitPrice: { N: '21.25' } } }] },
  });
  const waitFor = async (ids: string[], timeoutMs: number) => {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until && ids.some((id) => !seen.has(id))) await sleep(50);
  };
  try {
    await prefill(client, PREFILL);
    // Warm-up: the first record waits for shard discovery and the handler's first load; not a steady-state figure.
    const warmStarted = performance.now();
    await client.send(new PutItemCommand({ TableName: TABLE, Item: item(`warm-${window}`) }));
    await waitFor([`warm-${window}`], 60_000);
    const firstRecordMs = seen.has(`warm-${window}`) ? seen.get(`warm-${window}`)! - warmStarted : undefined;
    // Latency: writes at a steady rate below the sustained throughput (so that no queue builds up), each
    // timed from before its PutItem to the handler's log line.
    const writes = latencyWrites;
    const ratePerSecond = 10;
    const sent = new Map<string, number>();
    const puts: Promise<unknown>[] = [];
    const latencyStarted = performance.now();
    for (let i = 0; i < writes; i++) {
      const wait = latencyStarted + (i * 1000) / ratePerSecond - performance.now();
      if (wait > 0) await sleep(wait);
      const id = `lat-${window}-${i}`;
      sent.set(id, performance.now());
      puts.push(client.send(new PutItemCommand({ TableName: TABLE, Item: item(id) })));
    }
    await Promise.all(puts);
    await waitFor([...sent.keys()], 30_000);
    const latencies = [...sent]
      .filter(([id]) => seen.has(id))
      .map(([id, t]) => seen.get(id)! - t)
      .sort((a, b) => a - b);
    const result: Record<string, unknown> = {
      handler: options.handler ?? config.functions[FUNCTION]!.handler,
      batchWindowSeconds: window,
      firstRecordMs,
      writes,
      writeRatePerSecond: ratePerSecond,
      delivered: latencies.length,
    };
    if (writes > 0) {
      result.latencyMedianMs = quantile(latencies, 0.5);
      result.latencyP99Ms = quantile(latencies, 0.99);
      result.latencyMaxMs = latencies[latencies.length - 1];
    }
    if (writes > 0)
      log(
        `local stack (batchWindow ${window} s): ${latencies.length}/${writes} delivered, ` +
          `median ${(result.latencyMedianMs as number).toFixed(0)} ms, p99 ${(result.latencyP99Ms as number).toFixed(0)} ms`,
      );
    if (sustained) {
      // Sustained: as many writes as BatchWriteItem takes, four requests in flight, then wait for the handler.
      const total = QUICK ? 300 : 1000;
      const ids = Array.from({ length: total }, (_, i) => `load-${window}-${i}`);
      const started = performance.now();
      const chunks: string[][] = [];
      for (let i = 0; i < ids.length; i += 25) chunks.push(ids.slice(i, i + 25));
      const writer = async () => {
        for (let chunk = chunks.shift(); chunk; chunk = chunks.shift()) {
          let request: Record<string, { PutRequest: { Item: ReturnType<typeof item> } }[]> | undefined = {
            [TABLE]: chunk.map((id) => ({ PutRequest: { Item: item(id) } })),
          };
          while (request && Object.keys(request).length > 0) {
            const response = await client.send(new BatchWriteItemCommand({ RequestItems: request }));
            request = response.UnprocessedItems as typeof request;
          }
        }
      };
      costs.clear();
      recording = true;
      await Promise.all([writer(), writer(), writer(), writer()]);
      const written = performance.now();
      await waitFor(ids, 120_000);
      recording = false;
      const deliveredTimes = ids.filter((id) => seen.has(id)).map((id) => seen.get(id)!);
      const last = Math.max(...deliveredTimes);
      result.sustained = {
        written: total,
        delivered: deliveredTimes.length,
        lost: total - deliveredTimes.length,
        writeSeconds: (written - started) / 1000,
        seconds: (last - started) / 1000,
        recordsPerSecond: deliveredTimes.length / ((last - started) / 1000),
        prefilledPerTtlTable: PREFILL,
        ttlIntervalMs: TTL_INTERVAL_MS,
        // Summed over the sustained phase; requests overlap (several writers, the sweeper beside the mapping).
        costs: Object.fromEntries(
          [...costs]
            .sort((a, b) => b[1].ms - a[1].ms)
            .map(([name, c]) => [name, { count: c.count, totalMs: Math.round(c.ms), meanMs: Number((c.ms / c.count).toFixed(2)) }]),
        ),
      };
      log(`local stack sustained: ${deliveredTimes.length}/${total} delivered in ${((last - started) / 1000).toFixed(1)} s`);
    }
    return result;
  } finally {
    client.destroy();
    await stack.stop();
    rmSync(stateDir, { recursive: true, force: true });
  }
}

/** Fills the stack's TTL tables the way a long session does: items whose TTL is 30 days ahead; the Orders ones reach the handler. */
async function prefill(client: ReturnType<typeof createDynamoDBClient>, count: number): Promise<void> {
  if (count <= 0) return;
  const expiresAt = String(Math.floor(Date.now() / 1000) + 30 * 86_400);
  type Item = Record<string, { S: string } | { N: string }>;
  const items = (table: string): Item[] =>
    Array.from(
      { length: count },
      (_, i): Item =>
        table === `change-log-${STAGE}`
          ? { pk: { S: `${TABLE}#prefill-${i}` }, sk: { S: String(i).padStart(40, '0') }, expiresAt: { N: expiresAt } }
          : { pk: { S: `prefill-${i}` }, expiresAt: { N: expiresAt } },
    );
  for (const table of [`change-log-${STAGE}`, `applied-changes-${STAGE}`]) {
    const all = items(table);
    const writers = Array.from({ length: 4 }, async () => {
      for (let chunk = all.splice(0, 25); chunk.length > 0; chunk = all.splice(0, 25)) {
        let request: Record<string, { PutRequest: { Item: Item } }[]> | undefined = {
          [table]: chunk.map((Item) => ({ PutRequest: { Item } })),
        };
        while (request && Object.keys(request).length > 0)
          request = (await client.send(new BatchWriteItemCommand({ RequestItems: request }))).UnprocessedItems as typeof request;
      }
    });
    await Promise.all(writers);
  }
  log(`local stack: ${count} items written to each TTL table without a stream`);
}

tableMain('local-stack', async () => {
  observeRequests();
  if (!existsSync(STACK_MODULE)) {
    log('local stack: not measured (local stack not available)');
    return { measured: false, reason: 'local stack not available' };
  }
  const stackModule = (await import(STACK_MODULE)) as StackModule;
  if (typeof stackModule.startLocalStack !== 'function')
    return { measured: false, reason: 'local stack not available (no startLocalStack export)' };
  const configModule = (await import(join(ROOT, 'lib', 'local', 'stack', 'stack-config.ts'))) as StackConfigModule;
  const configured = await measureStack(stackModule, configModule, { latencyWrites: QUICK ? 100 : 500, sustained: true });
  // The same writes to the handler as it was before key-ordered concurrency and batch actions, in this run.
  const sequential = await measureStack(stackModule, configModule, { handler: SEQUENTIAL_HANDLER, latencyWrites: 0, sustained: true });
  // When serverless.yml sets a batching window, once more without it: the mapping's own overhead.
  const noWindow =
    configured.batchWindowSeconds === 0
      ? undefined
      : await measureStack(stackModule, configModule, { batchWindow: 0, latencyWrites: QUICK ? 60 : 100, sustained: false });
  return {
    measured: true,
    writes: configured.writes,
    latencyMedianMs: configured.latencyMedianMs,
    latencyP99Ms: configured.latencyP99Ms,
    latencyMaxMs: configured.latencyMaxMs,
    sustained: configured.sustained,
    configured,
    sequential,
    handlerConcurrency: DEFAULT_DISPATCH_CONCURRENCY,
    noWindow,
  };
});
