import { Agent, createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A loopback HTTP proxy in front of an endpoint that holds each request `delayMs` before forwarding it. */
export interface LatencyProxy {
  readonly endpoint: string;
  /** Requests forwarded so far. */
  requests(): number;
  close(): Promise<void>;
}

/**
 * Models AWS's network round trip in front of DynamoDB Local (which answers in about a millisecond on this
 * machine): every request waits `delayMs` and then goes to `target` over kept-alive connections.
 */
export async function startLatencyProxy(target: string, delayMs: number): Promise<LatencyProxy> {
  const url = new URL(target);
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  let count = 0;
  const server: Server = createServer((incoming, outgoing) => {
    count++;
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      setTimeout(() => {
        const forward = request(
          { host: url.hostname, port: url.port, method: incoming.method, path: incoming.url, headers: incoming.headers, agent },
          (answer) => {
            outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(outgoing);
          },
        );
        forward.on('error', (error) => {
          outgoing.writeHead(502);
          outgoing.end(String(error));
        });
        forward.end(Buffer.concat(chunks));
      }, delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests: () => count,
    close: () =>
      new Promise<void>((resolve) => {
        agent.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
