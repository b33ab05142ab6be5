import { randomUUID } from 'node:crypto';
import {
  Agent,
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../../runtime/logging/logger.js';
import { answerFault } from '../faults/fault-answer.js';
import type { FaultDecision, FaultInjector } from '../faults/fault-injector.js';
import { sdkAttemptOf } from '../faults/sdk-attempt.js';
import { accessDeniedBody, accessDeniedMessage, type AssumedRole } from './access-denied.js';
import { requiredAccess, type ArnContext } from './dynamodb-request-access.js';
import { firstDenied } from './evaluate-access.js';
import type { IamRole } from './policy.js';

/** A caller the proxy checks: the identity its calls carry and the role whose policies apply. */
export interface Principal {
  identity: AssumedRole;
  role: IamRole;
  /** For logs: the function's key in serverless.yml. */
  functionName: string;
}

export interface IamProxyOptions {
  /** DynamoDB Local's endpoint, `http://host:port`. */
  target: string;
  /** Address to listen on; default 127.0.0.1. The port is always a free one. */
  host?: string;
  /** Access key id -> principal. Any other key (the AWS CLI, the stack's own client) passes unchecked. */
  principals: ReadonlyMap<string, Principal>;
  arns: ArnContext;
  logger?: Logger;
  /** Fails some of the principals' allowed calls as the cloud does (the soak); none when absent. */
  faults?: FaultInjector;
}

export interface IamProxy {
  readonly endpoint: string;
  readonly port: number;
  /** Calls checked, refused, and passed through unchecked, since the start. */
  counts(): { checked: number; denied: number; unchecked: number };
  stop(): Promise<void>;
}

const CREDENTIAL = /Credential=([^/,\s]+)\//;
const UPSTREAM_KEY_ID = 'local';

// Connection headers belong to one hop; everything else travels as it came.
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade']);
const forwardable = (headers: IncomingHttpHeaders): IncomingHttpHeaders =>
  Object.fromEntries(Object.entries(headers).filter(([name]) => !HOP_BY_HOP.has(name)));

/**
 * An HTTP proxy in front of DynamoDB Local that enforces the functions' IAM roles: it tells the caller by the
 * access key id of its SigV4 signature, the action by `X-Amz-Target`, and the resources by the JSON body. A
 * denied call gets the HTTP 400 AccessDeniedException DynamoDB sends; any other call reaches DynamoDB Local
 * unchanged, and its answer streams back. With `faults`, an allowed call may instead fail as DynamoDB fails under a
 * transient fault, before it reaches DynamoDB Local or after (its answer lost).
 */
export async function startIamProxy(options: IamProxyOptions): Promise<IamProxy> {
  const target = new URL(options.target);
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const counts = { checked: 0, denied: 0, unchecked: 0 };

  /** Sends the request on; `lose` replaces DynamoDB Local's answer, once it has come, with a fault. */
  const forward = (req: IncomingMessage, res: ServerResponse, body: Buffer | undefined, lose?: () => void): void => {
    const headers: IncomingHttpHeaders = { ...forwardable(req.headers), host: target.host };
    // A DynamoDB Local without -sharedDb keeps one database per access key: a checked function's call goes on
    // under the key the functions used before (`local`), so it sees the stack's tables. Signatures are not verified there.
    if (body && headers.authorization) headers.authorization = headers.authorization.replace(CREDENTIAL, `Credential=${UPSTREAM_KEY_ID}/`);
    const upstream = httpRequest(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers, agent },
      (answer) => {
        if (lose) {
          answer.resume();
          answer.on('end', lose);
          answer.on('error', () => res.destroy());
          return;
        }
        res.writeHead(answer.statusCode ?? 502, forwardable(answer.headers));
        answer.pipe(res);
        answer.on('error', () => res.destroy());
      },
    );
    // DynamoDB Local unreachable: the caller sees the connection fail, as it would without the proxy, and retries.
    upstream.on('error', () => res.destroy());
    if (body) upstream.end(body);
    else req.pipe(upstream);
  };

  const deny = (res: ServerResponse, message: string): void => {
    const body = accessDeniedBody(message);
    res.writeHead(400, {
      'content-type': 'application/x-amz-json-1.0',
      'content-length': Buffer.byteLength(body),
      'x-amzn-requestid': randomUUID(),
    });
    res.end(body);
  };

  const faultOrForward = (req: IncomingMessage, res: ServerResponse, principal: Principal, target: string, body: Buffer): void => {
    const decision: FaultDecision = options.faults?.decide({ ...sdkAttemptOf(req.headers), target, body }) ?? { kind: 'pass' };
    if (decision.kind === 'pass') return forward(req, res, body);
    options.logger?.debug('fault injected', {
      event: 'fault-injected',
      functionName: principal.functionName,
      action: target.slice(target.indexOf('.') + 1),
      when: decision.kind === 'fail-after' ? 'after-forward' : 'before-forward',
      answer: decision.answer,
      attempt: decision.attempt,
      firstOfCall: decision.firstOfCall,
    });
    if (decision.kind === 'fail-before') return answerFault(res, decision.answer);
    return forward(req, res, body, () => answerFault(res, decision.answer));
  };

  const check = (req: IncomingMessage, res: ServerResponse, principal: Principal, body: Buffer): void => {
    const targetHeader = req.headers['x-amz-target'];
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      parsed = undefined;
    }
    // Not an API call DynamoDB Local could act on: it answers with its own validation error.
    if (typeof targetHeader !== 'string' || parsed === undefined) return forward(req, res, body);
    counts.checked += 1;
    const refused = firstDenied(principal.role, requiredAccess(targetHeader, parsed, options.arns));
    if (!refused) return faultOrForward(req, res, principal, targetHeader, body);
    counts.denied += 1;
    options.logger?.warn('IAM denied a call', {
      event: 'iam-denied',
      functionName: principal.functionName,
      role: principal.role.name,
      action: refused.request.action,
      resource: refused.request.resource,
      decision: refused.decision.kind,
      ...(refused.decision.kind === 'explicitly-denied' ? { statement: refused.decision.statement.label } : {}),
    });
    return deny(res, accessDeniedMessage(principal.identity, refused.request, refused.decision));
  };

  const server = createServer((req, res) => {
    const keyId = CREDENTIAL.exec(req.headers.authorization ?? '')?.[1];
    const principal = keyId === undefined ? undefined : options.principals.get(keyId);
    if (!principal) {
      counts.unchecked += 1;
      return forward(req, res, undefined);
    }
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => check(req, res, principal, Buffer.concat(chunks)));
    req.on('error', () => res.destroy());
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let stopping: Promise<void> | undefined;
  return {
    endpoint: `http://${host}:${address.port}`,
    port: address.port,
    counts: () => ({ ...counts }),
    stop() {
      stopping ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        agent.destroy();
      });
      return stopping;
    },
  };
}
