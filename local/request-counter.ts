import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A pass-through proxy in front of DynamoDB Local that counts requests by operation. Tests and the
 * benchmark point the functions at it to measure round trips per API call from the outside, without
 * instrumenting production code. DynamoDB Streams requests (the local stream poller, standing in
 * for Lambda's event source mappings, not a function) pass through uncounted and undelayed.
 * A Query of the search index's change log (partition `SEARCH#<index>`, functions/shared/search
 * reader.ts refresh) is counted under its own name, SEARCH_INDEX_READ, so a caller can tell it
 * from the reads of the records (and leave it out: test/support/round-trips.ts); so is a queue
 * counting consumer's write (QUEUE_COUNT_WRITE).
 */
export const SEARCH_INDEX_READ = 'Query:search-index';

/** The search index's change log lives in partitions `SEARCH#<index>` (functions/shared/search/change-log.ts). */
const readsSearchIndex = (operation: string, body: Buffer): boolean => operation === 'Query' && body.includes('"SEARCH#');

/**
 * The queue counting consumers' writes (functions/shared/stream/queue-counts-handler.ts), counted
 * under their own name: they follow an API call's write through the stream, and may land before the
 * call's answer is back, but they are not the call's. Each carries a marker, partition `COUNTED#`.
 */
export const QUEUE_COUNT_WRITE = 'TransactWriteItems:queue-counts';
const writesQueueCounts = (operation: string, body: Buffer): boolean => operation === 'TransactWriteItems' && body.includes('"COUNTED#');

export interface RequestCounter {
  readonly endpoint: string;
  /** Operations seen since the last reset, in order, e.g. ['UpdateItem', 'TransactWriteItems']. */
  operations(): string[];
  /**
   * The same operations grouped into round trips: requests in flight at the same time (a handler's
   * Promise.all) are one round trip, e.g. [['Query', 'GetItem'], ['TransactWriteItems']].
   * Operations named in `without` are left out before grouping (they neither count nor join rounds).
   */
  rounds(without?: readonly string[]): string[][];
  /**
   * Holds every request this long before forwarding it, as a network would. Locally a request can
   * finish before a concurrent one has even left the SDK, so without it rounds() cannot tell
   * concurrent requests from sequential ones.
   */
  setLatency(milliseconds: number): void;
  reset(): void;
  stop(): Promise<void>;
}

export async function startRequestCounter(target: string): Promise<RequestCounter> {
  const upstream = new URL(target);
  let seen: { operation: string; start: number; end: number }[] = [];
  let latency = 0;
  const server: Server = createServer((incoming, outgoing) => {
    const target = String(incoming.headers['x-amz-target'] ?? '');
    const counted = !target.startsWith('DynamoDBStreams_');
    const operation = target.split('.').pop() ?? 'unknown';
    const record = { operation, start: performance.now(), end: Number.POSITIVE_INFINITY };
    if (counted) seen.push(record);
    outgoing.on('finish', () => {
      record.end = performance.now();
    });
    // The body is read whole (small: one request) to tell a read of the search index, then forwarded.
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    const forward = httpRequest(
      { host: upstream.hostname, port: upstream.port, method: incoming.method, path: incoming.url, headers: incoming.headers },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
      },
    );
    forward.on('error', () => {
      outgoing.writeHead(502);
      outgoing.end();
    });
    incoming.on('end', () => {
      const body = Buffer.concat(chunks);
      if (readsSearchIndex(operation, body)) record.operation = SEARCH_INDEX_READ;
      if (writesQueueCounts(operation, body)) record.operation = QUEUE_COUNT_WRITE;
      if (latency === 0 || !counted) forward.end(body);
      else setTimeout(() => forward.end(body), latency);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    operations: () => seen.map((r) => r.operation),
    rounds: (without = []) => {
      const rounds: string[][] = [];
      let roundEnd = Number.NEGATIVE_INFINITY;
      for (const record of seen.filter((r) => !without.includes(r.operation)).sort((a, b) => a.start - b.start)) {
        const current = rounds.at(-1);
        if (current === undefined || record.start >= roundEnd) {
          rounds.push([record.operation]);
          roundEnd = record.end;
        } else {
          current.push(record.operation);
          roundEnd = Math.max(roundEnd, record.end);
        }
      }
      return rounds;
    },
    setLatency: (milliseconds) => {
      latency = milliseconds;
    },
    reset: () => {
      seen = [];
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
