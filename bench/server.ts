/**
 * The local stack in a process of its own, for the load and ingestion benches: the load generator
 * must not share an event loop with the server it measures. Started by bench/server-process.ts as
 *   node --import tsx bench/server.ts <dynamoDbEndpoint>
 * it prints one JSON line `{ url, awsEndpoint, tableName, controlUrl, agentToken, adminToken, requesterToken }` when ready and
 * stops when its stdin closes.
 *
 * `controlUrl` is a bench-only HTTP endpoint beside the stack (no production code involved):
 *   POST /settled   answers 204 once the stream poller has applied (or dead-lettered) every record
 *                   written before the request: LocalStack.settled(), across the process boundary.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startLocalStack } from '../local/runtime.ts';

const endpoint = process.argv[2];
if (endpoint === undefined) throw new Error('usage: bench/server.ts <dynamoDbEndpoint> [--no-seed]');
/**
 * --no-seed: a new table without the demo data (the knowledge search load writes its articles
 * into it, then rebuilds the search index).
 */
const seed = process.argv[3] !== '--no-seed';

const stack = await startLocalStack({ dynamoDbEndpoint: endpoint, tableName: `bench-load-${Date.now()}`, httpPort: 0, seed, printPublished: false });

const control = createServer((request, response) => {
  if (request.method === 'POST' && request.url === '/settled') {
    request.resume();
    stack.settled().then(
      () => response.writeHead(204).end(),
      (error: unknown) => response.writeHead(500, { 'content-type': 'text/plain' }).end(String(error)),
    );
    return;
  }
  response.writeHead(404).end();
});
await new Promise<void>((resolve) => control.listen(0, '127.0.0.1', () => resolve()));

const ready = {
  url: stack.url,
  awsEndpoint: stack.awsEndpoint,
  tableName: stack.tableName,
  controlUrl: `http://127.0.0.1:${(control.address() as AddressInfo).port}`,
  agentToken: await stack.token('alice', ['agent']),
  adminToken: await stack.token('ada', ['admin']),
  requesterToken: await stack.token('rita', []),
};
process.stdout.write(`${JSON.stringify(ready)}\n`);

process.stdin.resume();
process.stdin.on('end', () => {
  control.closeAllConnections();
  control.close();
  void stack.stop().then(() => process.exit(0));
});
