/**
 * The local stack in a process of its own, for the load test: the load generator must not share an
 * event loop with the server it measures. Started by bench/load.ts as
 *   node --import tsx bench/server.ts <dynamoDbEndpoint>
 * it prints one JSON line `{ url, agentToken }` when ready and stops when its stdin closes.
 */
import { startLocalStack } from '../local/runtime.ts';

const endpoint = process.argv[2];
if (endpoint === undefined) throw new Error('usage: bench/server.ts <dynamoDbEndpoint>');

const stack = await startLocalStack({ dynamoDbEndpoint: endpoint, tableName: `bench-load-${Date.now()}`, httpPort: 0, seed: true });
process.stdout.write(`${JSON.stringify({ url: stack.url, agentToken: await stack.token('alice', ['agent']) })}\n`);

process.stdin.resume();
process.stdin.on('end', () => {
  void stack.stop().then(() => process.exit(0));
});
