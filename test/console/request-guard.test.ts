import { describe, expect, it } from 'vitest';
import { guardRequest, type GuardedRequest } from '../../lib/tools/console/request-guard.js';

const token = 'T'.repeat(43);
const port = 8765;
const own = `http://127.0.0.1:${port}`;
const host = `127.0.0.1:${port}`;

/** A request as the console page sends it, changed by `change`. */
const request = (change: Partial<GuardedRequest> & { headers?: Record<string, string | undefined> }): GuardedRequest => ({
  method: 'GET',
  path: '/api/snapshot',
  ...change,
  headers: { host, ...change.headers },
});

describe('which requests the console answers', () => {
  it.each<[string, GuardedRequest, 'allow' | 403 | 405]>([
    ['the page shell, without a token', request({ path: '/' }), 'allow'],
    ['the page script, without a token', request({ path: '/console.js' }), 'allow'],
    ['a read with the token header', request({ headers: { 'x-console-token': token } }), 'allow'],
    ['the event stream with the token in the query', request({ path: '/api/events', queryToken: token }), 'allow'],
    ['localhost as the host', request({ headers: { host: `localhost:${port}`, 'x-console-token': token } }), 'allow'],
    ['a read without the token', request({}), 403],
    ['a read with a wrong token', request({ headers: { 'x-console-token': 'x'.repeat(43) } }), 403],
    ['a read with a token one character short', request({ queryToken: token.slice(1) }), 403],
    ['another host name (DNS rebinding)', request({ headers: { host: `evil.example:${port}`, 'x-console-token': token } }), 403],
    ['another port', request({ headers: { host: '127.0.0.1:9999', 'x-console-token': token } }), 403],
    ['no Host header', { method: 'GET', path: '/', headers: {} }, 403],
    ['a read from another site', request({ headers: { 'x-console-token': token, 'sec-fetch-site': 'cross-site' } }), 403],
    ['a read with another Origin', request({ headers: { 'x-console-token': token, origin: 'http://evil.example' } }), 403],
    [
      'a write from the page',
      request({
        method: 'POST',
        path: '/api/dead-letters/x/remove',
        headers: { origin: own, 'x-console-token': token, 'sec-fetch-site': 'same-origin' },
      }),
      'allow',
    ],
    ['a write without the token', request({ method: 'POST', path: '/api/dead-letters/x/remove', headers: { origin: own } }), 403],
    [
      'a write with the token in the query only',
      request({ method: 'POST', path: '/api/dead-letters/x/remove', queryToken: token, headers: { origin: own } }),
      403,
    ],
    [
      'a write without an Origin',
      request({ method: 'POST', path: '/api/dead-letters/x/remove', headers: { 'x-console-token': token } }),
      403,
    ],
    [
      'a write from an opaque origin',
      request({ method: 'POST', path: '/api/dead-letters/x/remove', headers: { origin: 'null', 'x-console-token': token } }),
      403,
    ],
    [
      'a write from another site with a stolen token',
      request({ method: 'POST', path: '/api/dead-letters/x/remove', headers: { origin: 'http://evil.example', 'x-console-token': token } }),
      403,
    ],
    [
      'a write marked same-site, not same-origin',
      request({
        method: 'POST',
        path: '/api/dead-letters/x/remove',
        headers: { origin: own, 'x-console-token': token, 'sec-fetch-site': 'same-site' },
      }),
      403,
    ],
    [
      'a write with DELETE',
      request({ method: 'DELETE', path: '/api/dead-letters/x', headers: { origin: own, 'x-console-token': token } }),
      405,
    ],
    ['a write to the page shell', request({ method: 'POST', path: '/', headers: { origin: own } }), 403],
  ])('%s', (_name, given, expected) => {
    // Act
    const decision = guardRequest(given, { token, port });
    // Assess
    expect(decision.kind === 'allow' ? 'allow' : decision.status).toBe(expected);
  });
});
