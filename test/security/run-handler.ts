// Runs a function module's real `handler` on an event read from stdin, in its own process, so the test
// sees exactly what the function prints (its logger writes JSON lines to stdout). The response goes to stderr.
import { resolve } from 'node:path';

let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => (input += chunk));
process.stdin.on('end', () => {
  const { module, event } = JSON.parse(input) as { module: string; event: unknown };
  void (async () => {
    const { handler } = (await import(resolve(__dirname, '..', '..', module))) as {
      handler: (event: unknown, context: unknown) => Promise<unknown>;
    };
    const response = await handler(event, { awsRequestId: 'child', getRemainingTimeInMillis: () => 60_000 });
    process.stderr.write(`RESPONSE ${JSON.stringify(response)}\n`);
  })().catch((error: unknown) => {
    process.stderr.write(`ERROR ${String(error)}\n`);
    process.exitCode = 1;
  });
});
