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
 *   POST /cpu-profile/start, POST /cpu-profile/stop?file=<path>
 *                   a V8 CPU profile of this process between the two (node:inspector), written as
 *                   a .cpuprofile (Chrome DevTools opens it; bench/profile-summary.ts sums it up):
 *                   the profile of one measured run, without the start or the seeding around it.
 *   GET /cpu        this process's CPU time so far (process.cpuUsage(), microseconds): what a run
 *                   cost the server, per request.
 */
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { Session } from 'node:inspector/promises';
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

let inspector: Session | undefined;
async function cpuProfile(action: string, file: string | null): Promise<void> {
  if (action === 'start') {
    inspector ??= new Session();
    inspector.connect();
    await inspector.post('Profiler.enable');
    await inspector.post('Profiler.setSamplingInterval', { interval: 100 });
    await inspector.post('Profiler.start');
    return;
  }
  if (inspector === undefined || file === null) throw new Error('POST /cpu-profile/stop?file= after /cpu-profile/start');
  const { profile } = await inspector.post('Profiler.stop');
  inspector.disconnect();
  await writeFile(file, JSON.stringify(profile));
}

const control = createServer((request, response) => {
  const url = new URL(request.url ?? '/', 'http://127.0.0.1');
  const profiling = /^\/cpu-profile\/(start|stop)$/.exec(url.pathname);
  if (request.method === 'GET' && url.pathname === '/cpu') {
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(process.cpuUsage()));
    return;
  }
  if (request.method === 'POST' && profiling !== null) {
    request.resume();
    cpuProfile(profiling[1] as string, url.searchParams.get('file')).then(
      () => response.writeHead(204).end(),
      (error: unknown) => response.writeHead(500, { 'content-type': 'text/plain' }).end(String(error)),
    );
    return;
  }
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
