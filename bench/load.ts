import { type HttpClient, httpClient, type Reply } from './http.ts';
import { percentile } from './report.ts';
import { startServer } from './server-process.ts';

export interface LoadOptions {
  readonly concurrency: number;
  readonly warmupMs: number;
  readonly durationMs: number;
}

export interface LoadResult {
  readonly name: string;
  readonly request: string;
  readonly requests: number;
  readonly errors: number;
  /** One example of an unexpected answer, if any. */
  readonly firstError?: string;
  readonly requestsPerSecond: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
}

export interface LoadScenario {
  readonly name: string;
  readonly request: string;
  readonly status: number;
  readonly call: (client: HttpClient, n: number) => Promise<Reply>;
}

/**
 * `concurrency` workers send requests back to back on keep-alive connections; the first `warmupMs`
 * are discarded, then every request started within `durationMs` is measured to its end.
 */
export async function drive(client: HttpClient, scenario: LoadScenario, options: LoadOptions): Promise<LoadResult> {
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  let counter = 0;
  const warmupEnds = performance.now() + options.warmupMs;
  const ends = warmupEnds + options.durationMs;
  let measuredUntil = warmupEnds;

  const worker = async () => {
    for (;;) {
      const started = performance.now();
      if (started >= ends) return;
      let reply: Reply | undefined;
      let failure: string | undefined;
      try {
        reply = await scenario.call(client, counter++);
        if (reply.status !== scenario.status) failure = `HTTP ${reply.status} ${reply.text.slice(0, 200)}`;
      } catch (error) {
        failure = String(error);
      }
      const finished = performance.now();
      if (started < warmupEnds) continue;
      latencies.push(finished - started);
      measuredUntil = Math.max(measuredUntil, finished);
      if (failure !== undefined) {
        errors++;
        firstError ??= failure;
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  const seconds = (measuredUntil - warmupEnds) / 1000;
  return {
    name: scenario.name,
    request: scenario.request,
    requests: latencies.length,
    errors,
    ...(firstError === undefined ? {} : { firstError }),
    requestsPerSecond: latencies.length / seconds,
    p50: percentile(latencies, 50),
    p90: percentile(latencies, 90),
    p99: percentile(latencies, 99),
    max: Math.max(...latencies),
  };
}

/** Requests ordered before the request and task lists are measured: more than a page of each. */
const ORDERED_REQUESTS = 30;

/**
 * Password resets (no approval) ordered one after the other, then waits until their workflows have
 * opened every task in the service-desk queue, so the lists below read full pages. The workflows run
 * in the server process: they are done before the lists are measured.
 */
async function orderRequests(client: HttpClient): Promise<void> {
  for (let n = 0; n < ORDERED_REQUESTS; n++) {
    const reply = await client.send('POST', '/requests', { body: { item: 'password-reset', answers: { account: `load-${n}` } } });
    if (reply.status !== 201) throw new Error(`ordering a request failed: ${reply.status} ${reply.text}`);
  }
  for (let i = 0; i < 600; i++) {
    const reply = await client.send('GET', `/tasks?assignmentGroup=service-desk&status=open&limit=100`);
    if (reply.status === 200 && reply.json<{ items: unknown[] }>().items.length >= ORDERED_REQUESTS) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('the ordered requests never all reached fulfilment');
}

/**
 * Create, get and list under concurrent load against the local stack (server in its own process,
 * the load generator here). Get reads incidents made by the create run; list reads the first page.
 * The request and task lists (issue 15) read the first page after 30 requests were ordered.
 */
export async function measureLoad(dynamoDbEndpoint: string, options: LoadOptions): Promise<LoadResult[]> {
  const server = await startServer(dynamoDbEndpoint);
  const client = httpClient(server.url, server.agentToken, options.concurrency);
  try {
    const created: string[] = [];
    const scenarios: LoadScenario[] = [
      {
        name: 'create incident',
        request: 'POST /incidents',
        status: 201,
        call: async (c, n) => {
          const reply = await c.send('POST', '/incidents', {
            body: { title: `load ${n}`, impact: (n % 3) + 1, urgency: ((n >> 2) % 3) + 1, service: 'email', assignmentGroup: 'service-desk' },
          });
          if (reply.status === 201 && created.length < 5000) created.push(reply.json<{ id: string }>().id);
          return reply;
        },
      },
      {
        name: 'get incident by id',
        request: 'GET /incidents/{id}',
        status: 200,
        call: (c, n) => c.send('GET', `/incidents/${created[n % created.length]}`),
      },
      {
        name: 'list incidents (first page of 25)',
        request: 'GET /incidents',
        status: 200,
        call: (c) => c.send('GET', '/incidents'),
      },
      {
        name: 'list requests (first page of 25)',
        request: 'GET /requests',
        status: 200,
        call: (c) => c.send('GET', '/requests'),
      },
      {
        name: "list tasks (a group's open queue, first page of 25)",
        request: 'GET /tasks?assignmentGroup=service-desk&status=open',
        status: 200,
        call: (c) => c.send('GET', '/tasks?assignmentGroup=service-desk&status=open'),
      },
    ];
    const results: LoadResult[] = [];
    for (const scenario of scenarios) {
      if (scenario.request.startsWith('GET /incidents/{id}') && created.length === 0) throw new Error('the create run created nothing to read');
      if (scenario.request === 'GET /requests') await orderRequests(client);
      results.push(await drive(client, scenario, options));
    }
    return results;
  } finally {
    client.close();
    await server.stop();
  }
}
