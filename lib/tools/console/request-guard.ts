import { tokenMatches } from './console-token.js';

/** The parts of a request the guard decides on. */
export interface GuardedRequest {
  method: string;
  /** Path without the query. */
  path: string;
  /** Lower-case header names. */
  headers: Record<string, string | undefined>;
  /** The `token` query parameter (the page's URL, and the event stream, which cannot send headers). */
  queryToken?: string;
}

/** The server's own identity: its token and the port it listens on. */
export interface GuardContext {
  token: string;
  port: number;
}

export type GuardDecision = { kind: 'allow' } | { kind: 'reject'; status: 400 | 403 | 405; reason: string };

/** The header the page sends its token in. */
export const TOKEN_HEADER = 'x-console-token';

const LOCAL_HOSTS = ['127.0.0.1', 'localhost'];

/** Paths anyone on this machine may load: the page shell and its assets hold no data. */
const PUBLIC_PATHS = new Set(['/', '/index.html', '/console.js', '/console.css', '/favicon.ico']);

const reject = (status: 400 | 403 | 405, reason: string): GuardDecision => ({ kind: 'reject', status, reason });

/**
 * Decides whether the console answers a request. Everything but the page's shell needs the page's token;
 * writes are POST only, carry the token in a header (a form or an image elsewhere cannot set one), and come
 * from the console's own origin. A Host that is not this machine (DNS rebinding) is refused outright.
 */
export function guardRequest(request: GuardedRequest, context: GuardContext): GuardDecision {
  const host = request.headers.host;
  if (!host || !LOCAL_HOSTS.map((name) => `${name}:${context.port}`).includes(host.toLowerCase())) {
    return reject(403, `Host ${JSON.stringify(host ?? '')} is not this console (http://127.0.0.1:${context.port})`);
  }
  const origin = request.headers.origin;
  const ownOrigins = LOCAL_HOSTS.map((name) => `http://${name}:${context.port}`);
  if (origin !== undefined && origin !== 'null' && !ownOrigins.includes(origin.toLowerCase())) {
    return reject(403, `cross-site request from ${origin} refused`);
  }
  const site = request.headers['sec-fetch-site'];
  const write = request.method !== 'GET' && request.method !== 'HEAD';
  if (write) {
    if (request.method !== 'POST') return reject(405, `${request.method} is not allowed; the console changes things with POST only`);
    if (origin === undefined || origin === 'null') return reject(403, 'a write must come from the console page (no Origin header)');
    if (site !== undefined && site !== 'same-origin') return reject(403, `cross-site request refused (Sec-Fetch-Site: ${site})`);
    if (!tokenMatches(context.token, request.headers[TOKEN_HEADER]))
      return reject(403, `a write needs the page's token in the ${TOKEN_HEADER} header`);
    return { kind: 'allow' };
  }
  if (PUBLIC_PATHS.has(request.path)) return { kind: 'allow' };
  if (site !== undefined && site !== 'same-origin' && site !== 'none')
    return reject(403, `cross-site request refused (Sec-Fetch-Site: ${site})`);
  if (tokenMatches(context.token, request.headers[TOKEN_HEADER]) || tokenMatches(context.token, request.queryToken))
    return { kind: 'allow' };
  return reject(403, "this needs the page's token: open the URL the ready banner prints (…/?token=…)");
}
