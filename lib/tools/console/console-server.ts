import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { AppError } from '../../runtime/errors.js';
import { DeadLetterNotFoundError, InvalidDeadLetterIdError } from '../../local/errors.js';
import { ConsoleRequestError, ConsoleStartError } from '../errors.js';
import type { Logger } from '../../runtime/logging/logger.js';
import type { ConsoleMessage } from './console-view.js';
import type { ConsoleState } from './console-state.js';
import { newConsoleToken } from './console-token.js';
import type { DeadLetterDesk } from './dead-letter-desk.js';
import type { PageAssets } from './page-assets.js';
import { guardRequest } from './request-guard.js';
import type { TableBrowser } from './table-browser.js';

export interface ConsoleServerOptions {
  /** 0 for a free one. */
  port: number;
  /** When the port is taken: a free one instead (for the default port), or an error (for a port asked for). */
  fallbackToFreePort?: boolean;
  /** Default: a fresh random one. */
  token?: string;
  state: ConsoleState;
  deadLetters: DeadLetterDesk;
  tables: TableBrowser;
  assets: PageAssets;
  logger: Logger;
  /** How often changes go to the pages; default 250 ms. Mappings and charts move once a second. */
  tickMs?: number;
  /** Called once a second while a page is open (the records-behind count runs only then). */
  whileWatched?: () => void;
}

/** The running console. */
export interface ConsoleServer {
  readonly port: number;
  readonly token: string;
  /** The page's address, token included: the banner prints it. */
  readonly url: string;
  /** Pages connected now. */
  clients(): number;
  /** The dead-letter store changed: pages reload their table. */
  deadLettersChanged(): void;
  stop(): Promise<void>;
}

/** At most this many pages at once: each holds a connection open. */
const MAX_CLIENTS = 20;
const BODY_LIMIT = 16 * 1024;

const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-resource-policy': 'same-origin',
  'cache-control': 'no-store',
};

const sendJson = (response: ServerResponse, status: number, body: unknown) => {
  response.writeHead(status, { ...SECURITY_HEADERS, 'content-type': 'application/json; charset=utf-8' });
  response.end(JSON.stringify(body));
};

const statusOf = (error: unknown): number =>
  error instanceof DeadLetterNotFoundError
    ? 404
    : error instanceof InvalidDeadLetterIdError || error instanceof ConsoleRequestError
      ? 400
      : 500;

async function readBody(request: IncomingMessage): Promise<unknown> {
  let text = '';
  for await (const chunk of request) {
    text += String(chunk);
    if (text.length > BODY_LIMIT) throw new ConsoleRequestError(`the request body is over ${BODY_LIMIT} bytes`);
  }
  if (text === '') return {};
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ConsoleRequestError('the request body is not JSON', { cause: error });
  }
}

/**
 * Starts the console's HTTP server on 127.0.0.1 only: the page, a JSON API and a server-sent event stream.
 * Every request passes guardRequest (token, Host, Origin, POST for writes) before anything else.
 */
export async function startConsoleServer(options: ConsoleServerOptions): Promise<ConsoleServer> {
  const token = options.token ?? newConsoleToken();
  const { state, logger } = options;
  const clients = new Set<ServerResponse>();
  let port = 0;

  const write = (client: ServerResponse, message: ConsoleMessage) => {
    client.write(`event: ${message.type}\ndata: ${JSON.stringify(message)}\n\n`);
  };
  const broadcast = (message: ConsoleMessage) => {
    for (const client of clients) write(client, message);
  };

  const openEvents = (request: IncomingMessage, response: ServerResponse) => {
    if (clients.size >= MAX_CLIENTS) return sendJson(response, 503, { error: `at most ${MAX_CLIENTS} console pages at once; close one` });
    response.writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'text/event-stream; charset=utf-8', connection: 'keep-alive' });
    clients.add(response);
    write(response, { type: 'snapshot', snapshot: state.snapshot() });
    request.on('close', () => clients.delete(response));
  };

  const api = async (request: IncomingMessage, response: ServerResponse, url: URL): Promise<void> => {
    const parts = url.pathname
      .split('/')
      .slice(2)
      .map((part) => decodeURIComponent(part));
    const [resource, id, action] = parts;
    if (request.method === 'GET') {
      if (resource === 'events' && parts.length === 1) return openEvents(request, response);
      if (resource === 'snapshot' && parts.length === 1) return sendJson(response, 200, state.snapshot());
      if (resource === 'invocations' && id && parts.length === 2) {
        const detail = state.detail(id);
        return detail
          ? sendJson(response, 200, detail)
          : sendJson(response, 404, { error: `no invocation ${id} in the console's memory (it keeps the newest ones only)` });
      }
      if (resource === 'logs' && id && parts.length === 2) return sendJson(response, 200, { requestId: id, logs: state.logsOf(id) });
      if (resource === 'dead-letters' && parts.length === 1) return sendJson(response, 200, await options.deadLetters.listing());
      if (resource === 'dead-letters' && id && parts.length === 2) return sendJson(response, 200, await options.deadLetters.entry(id));
      if (resource === 'tables' && parts.length === 1) return sendJson(response, 200, await options.tables.tables());
      if (resource === 'tables' && id && action === 'items' && parts.length === 3) {
        const startKey = url.searchParams.get('startKey') ?? undefined;
        return sendJson(response, 200, await options.tables.items(id, startKey ? { startKey } : {}));
      }
    }
    if (request.method === 'POST' && resource === 'dead-letters' && id && parts.length === 3) {
      const body = (await readBody(request)) as { fromItem?: unknown };
      let result;
      if (action === 'redrive') result = await options.deadLetters.redrive(id, { fromItem: body?.fromItem === true });
      else if (action === 'remove') result = await options.deadLetters.remove(id);
      else return sendJson(response, 404, { error: `no action ${action}` });
      logger.info(`console: ${result.action} ${id}: ${result.ok ? 'done' : `failed (${result.errorName})`}`, {
        deadLetterId: id,
        action: result.action,
        ok: result.ok,
      });
      if (result.ok) broadcast({ type: 'deadLetters' });
      return sendJson(response, result.ok ? 200 : 409, result);
    }
    return sendJson(response, 404, { error: `no ${request.method} ${url.pathname}` });
  };

  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const headers = Object.fromEntries(
      Object.entries(request.headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(',') : value]),
    );
    const decision = guardRequest(
      {
        method: request.method ?? 'GET',
        path: url.pathname,
        headers,
        ...(url.searchParams.has('token') ? { queryToken: url.searchParams.get('token')! } : {}),
      },
      { token, port },
    );
    if (decision.kind === 'reject') {
      logger.warn(`console: refused ${request.method} ${url.pathname}: ${decision.reason}`, { status: decision.status });
      return sendJson(response, decision.status, { error: decision.reason });
    }
    const handle = url.pathname.startsWith('/api/')
      ? api(request, response, url)
      : options.assets.get(url.pathname).then((asset) => {
          if (!asset) return sendJson(response, 404, { error: `no ${url.pathname}` });
          response.writeHead(200, { ...SECURITY_HEADERS, 'content-type': asset.contentType });
          response.end(request.method === 'HEAD' ? undefined : asset.body);
        });
    handle.catch((error: unknown) => {
      const status = statusOf(error);
      if (status === 500)
        logger.error(`console: ${request.method} ${url.pathname} failed: ${(error as Error)?.message}`, { error: (error as Error)?.name });
      if (response.headersSent) return response.end();
      sendJson(response, status, {
        error: error instanceof AppError || error instanceof Error ? error.message : String(error),
        errorName: (error as Error)?.name,
      });
    });
  });

  const listen = (wanted: number) =>
    new Promise<number>((resolve, reject) => {
      const onError = (error: NodeJS.ErrnoException) => {
        server.off('listening', onListening);
        reject(error);
      };
      const onListening = () => {
        server.off('error', onError);
        resolve((server.address() as { port: number }).port);
      };
      server.once('error', onError);
      server.once('listening', onListening);
      server.listen(wanted, '127.0.0.1');
    });
  try {
    port = await listen(options.port);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EADDRINUSE' || !options.fallbackToFreePort) {
      throw new ConsoleStartError(
        `The console could not listen on 127.0.0.1:${options.port} (${code ?? (error as Error).message}); ` +
          'start with --console-port N (0 for a free port) or --no-console',
        { cause: error },
      );
    }
    logger.warn(`console: port ${options.port} is taken; using a free one (choose one with --console-port N)`);
    port = await listen(0);
  }

  let ticks = 0;
  const tickMs = options.tickMs ?? 250;
  const perSecond = Math.max(1, Math.round(1000 / tickMs));
  const timer = setInterval(() => {
    ticks += 1;
    const changes = state.takeChanges();
    if (clients.size === 0) return;
    if (changes.length > 0) broadcast({ type: 'invocations', invocations: changes });
    if (ticks % perSecond === 0) {
      options.whileWatched?.();
      broadcast({ type: 'mappings', mappings: state.mappings() });
      broadcast({ type: 'metrics', points: state.metricsAt(Math.floor(Date.now() / 1000) - 1) });
    }
  }, tickMs);
  timer.unref();
  // Proxies and browsers close a silent stream: a comment line every 15 s keeps it open.
  const keepAlive = setInterval(() => {
    for (const client of clients) client.write(': keep-alive\n\n');
  }, 15_000);
  keepAlive.unref();

  return {
    port,
    token,
    url: `http://127.0.0.1:${port}/?token=${token}`,
    clients: () => clients.size,
    deadLettersChanged: () => broadcast({ type: 'deadLetters' }),
    async stop() {
      clearInterval(timer);
      clearInterval(keepAlive);
      for (const client of clients) client.end();
      clients.clear();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
