import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type HttpClient, httpClient, type Reply } from './http.ts';
import { percentile } from './report.ts';
import { type ServerProcess, startServer } from './server-process.ts';

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
  /** Mean size of the response bodies measured (characters of the text). */
  readonly meanBodyBytes: number;
  /** Requests sent during the warmup (not measured). */
  readonly warmupRequests: number;
}

export interface LoadScenario {
  readonly name: string;
  readonly request: string;
  readonly status: number;
  readonly call: (client: HttpClient, n: number) => Promise<Reply>;
}

/** What one run of a scenario measured, before it is summed up (runs of one scenario add up). */
interface Samples {
  readonly latencies: number[];
  readonly errors: number;
  readonly firstError?: string;
  /** From the end of the warmup to the end of the last measured request. */
  readonly seconds: number;
  readonly bodyBytes: number;
  readonly warmupRequests: number;
}

/**
 * `concurrency` workers send requests back to back on keep-alive connections; the first `warmupMs`
 * are discarded, then every request started within `durationMs` is measured to its end.
 */
async function sample(client: HttpClient, scenario: LoadScenario, options: LoadOptions): Promise<Samples> {
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  let counter = 0;
  let bodyBytes = 0;
  let warmupRequests = 0;
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
      if (started < warmupEnds) {
        warmupRequests++;
        continue;
      }
      latencies.push(finished - started);
      bodyBytes += reply?.text.length ?? 0;
      measuredUntil = Math.max(measuredUntil, finished);
      if (failure !== undefined) {
        errors++;
        firstError ??= failure;
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  return { latencies, errors, ...(firstError === undefined ? {} : { firstError }), seconds: (measuredUntil - warmupEnds) / 1000, bodyBytes, warmupRequests };
}

function summarize(scenario: LoadScenario, runs: readonly Samples[]): LoadResult {
  const latencies = runs.flatMap((run) => run.latencies);
  const firstError = runs.find((run) => run.firstError !== undefined)?.firstError;
  const sum = (value: (run: Samples) => number) => runs.reduce((total, run) => total + value(run), 0);
  return {
    name: scenario.name,
    request: scenario.request,
    requests: latencies.length,
    errors: sum((run) => run.errors),
    ...(firstError === undefined ? {} : { firstError }),
    requestsPerSecond: latencies.length / sum((run) => run.seconds),
    p50: percentile(latencies, 50),
    p90: percentile(latencies, 90),
    p99: percentile(latencies, 99),
    max: Math.max(...latencies),
    meanBodyBytes: latencies.length === 0 ? 0 : sum((run) => run.bodyBytes) / latencies.length,
    warmupRequests: sum((run) => run.warmupRequests),
  };
}

export async function drive(client: HttpClient, scenario: LoadScenario, options: LoadOptions): Promise<LoadResult> {
  return summarize(scenario, [await sample(client, scenario, options)]);
}

/** Issue 17: a list page is read as fast as one record (ratio of throughputs) with a p99 of at most this, at 16 clients. */
export const LIST_RATIO_BUDGET = 0.8;
export const LIST_P99_BUDGET_MS = 60;
/** The page size the lists are measured with (issue 17: "a page of 20"). */
export const LIST_PAGE = 20;

export interface ListSeed {
  /** Incidents in all (the create run's included): the issue measured with 500. */
  readonly incidents: number;
  /** Records per other list: a few hundred, so that every page measured is full and a queue filter selects a real queue. */
  readonly perList: number;
  /** Of the problems, how many are published as known errors. */
  readonly knownErrors: number;
}

/** One list beside the get-one of its area, measured one after the other under the same load. */
export interface ListComparison {
  readonly area: string;
  readonly get: LoadResult & { readonly cpu: CpuPerRequest };
  readonly list: LoadResult & { readonly cpu: CpuPerRequest };
  /** list req/s over get req/s. */
  readonly ratio: number;
  /** Items on the page the list answered (checked once before the run). */
  readonly pageItems: number;
  readonly totals: ListTotals;
}

/**
 * What the measured list holds, paged through to its end, beside the `total` it answers with
 * `count=true` (the stream-kept counters), when it can count that filter set.
 */
export interface ListTotals {
  readonly listed: number;
  /** Undefined when the list cannot count these filters (a 400 on count=true). */
  readonly counted?: number;
}

async function listTotals(client: HttpClient, path: string): Promise<ListTotals> {
  const unpaged = path.replace(/([?&])limit=\d+&?/, '$1').replace(/[?&]$/, '');
  const joiner = unpaged.includes('?') ? '&' : '?';
  let listed = 0;
  let cursor: string | undefined;
  do {
    const reply = await client.send('GET', `${unpaged}${joiner}limit=100${cursor === undefined ? '' : `&cursor=${encodeURIComponent(cursor)}`}`);
    if (reply.status !== 200) throw new Error(`GET ${unpaged} failed: ${reply.status} ${reply.text.slice(0, 300)}`);
    const page = reply.json<{ items: unknown[]; nextCursor?: string }>();
    listed += page.items.length;
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  const counted = await client.send('GET', `${unpaged}${joiner}count=true&limit=1`);
  if (counted.status !== 200) return { listed };
  const total = counted.json<{ total?: number }>().total;
  return total === undefined ? { listed } : { listed, counted: total };
}

export interface LoadReport {
  /** Create incident (and anything else that is not a list/get pair). */
  readonly operations: readonly LoadResult[];
  readonly lists: readonly ListComparison[];
  /** What was created through the API before the lists were measured, and how long that took. */
  readonly seeded: Readonly<Record<string, number>>;
  readonly seedMs: number;
  /** What the stack spends with no request in flight, subtracted from the CPU per request. */
  readonly idle: IdleCpu;
}

/** `count` calls of `make`, `concurrency` in flight; fails on the first call that fails. */
async function inParallel<T>(count: number, concurrency: number, make: (n: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(count);
  let next = 0;
  const worker = async () => {
    for (let n = next++; n < count; n = next++) results[n] = await make(n);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return results;
}

interface Created {
  readonly id: string;
  readonly version: number;
}

async function create(client: HttpClient, path: string, body: unknown, what: string): Promise<Created> {
  const reply = await client.send('POST', path, { body });
  if (reply.status !== 201) throw new Error(`creating ${what} failed: ${reply.status} ${reply.text.slice(0, 300)}`);
  return reply.json<Created>();
}

const SERVICES = ['email', 'vpn', 'intranet'];
const GROUPS = ['service-desk', 'network', 'database'];
const plannedWindow = (n: number) => ({
  plannedStart: new Date(Date.now() + (7 + (n % 30)) * 86_400_000).toISOString(),
  plannedEnd: new Date(Date.now() + (7 + (n % 30)) * 86_400_000 + 3_600_000).toISOString(),
});
/** Words enough to make an article's body and a CI's description as long as real ones. */
const prose = (n: number, words: number) =>
  Array.from(
    { length: words },
    (_, i) => ['restart', 'the', 'gateway', 'service', 'after', 'checking', 'certificate', 'expiry', 'and', 'logs'][(n + i) % 10],
  ).join(' ');

/** Pages through a list until it holds `count` items (the request workflows open tasks in the background). */
async function awaitListed(client: HttpClient, path: string, count: number, what: string): Promise<void> {
  for (let attempt = 0; attempt < 600; attempt++) {
    let listed = 0;
    let cursor: string | undefined;
    do {
      const reply = await client.send('GET', `${path}&limit=100${cursor === undefined ? '' : `&cursor=${encodeURIComponent(cursor)}`}`);
      if (reply.status !== 200) throw new Error(`GET ${path} failed: ${reply.status} ${reply.text.slice(0, 300)}`);
      const page = reply.json<{ items: unknown[]; nextCursor?: string }>();
      listed += page.items.length;
      cursor = page.nextCursor;
    } while (cursor !== undefined && listed < count);
    if (listed >= count) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${what} never reached ${count}`);
}

async function control(server: ServerProcess, path: string): Promise<void> {
  const response = await fetch(`${server.controlUrl}${path}`, { method: 'POST' });
  if (response.status !== 204) throw new Error(`POST ${path} answered ${response.status}: ${await response.text()}`);
}
const settled = (server: ServerProcess) => control(server, '/settled');

/** CPU milliseconds a run cost, per request, by process. */
export interface CpuPerRequest {
  /** The local server (bench/server.ts): HTTP, authorizer, handler, SDK. Idle CPU (IdleCpu) is subtracted here and for DynamoDB Local. */
  readonly serverMs: number;
  /** DynamoDB Local's JVM; undefined where its process cannot be read (/proc is Linux's). */
  readonly dynamoDbMs?: number;
  /** This process: the load generator's clients. */
  readonly clientMs: number;
}

async function serverCpuMicros(server: ServerProcess): Promise<number> {
  const response = await fetch(`${server.controlUrl}/cpu`);
  const usage = (await response.json()) as NodeJS.CpuUsage;
  return usage.user + usage.system;
}

/** The process listening as DynamoDB Local on `endpoint`'s port, found by its command line (Linux /proc). */
export async function dynamoDbLocalPid(endpoint: string): Promise<number | undefined> {
  const port = new URL(endpoint).port;
  try {
    for (const entry of await readdir('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
      if (cmdline.includes('DynamoDb') && cmdline.includes(`\0-port\0${port}\0`)) return Number(entry);
    }
  } catch {
    // not Linux: no DynamoDB Local column
  }
  return undefined;
}

/** utime + stime of a process, in milliseconds (/proc/<pid>/stat counts clock ticks, 100 a second on Linux). */
async function processCpuMs(pid: number | undefined): Promise<number | undefined> {
  if (pid === undefined) return undefined;
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  if (stat === undefined) return undefined;
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** CPU milliseconds per second the server and DynamoDB Local spend with no request in flight (the stream consumers' idle polls). */
export interface IdleCpu {
  readonly serverMsPerSecond: number;
  readonly dynamoDbMsPerSecond?: number;
}

export async function idleCpu(server: ServerProcess, dynamoPid: number | undefined, ms = 2_000): Promise<IdleCpu> {
  const before = { server: await serverCpuMicros(server), dynamo: await processCpuMs(dynamoPid), at: performance.now() };
  await new Promise((resolve) => setTimeout(resolve, ms));
  const after = { server: await serverCpuMicros(server), dynamo: await processCpuMs(dynamoPid), at: performance.now() };
  const seconds = (after.at - before.at) / 1000;
  return {
    serverMsPerSecond: (after.server - before.server) / 1000 / seconds,
    ...(before.dynamo === undefined || after.dynamo === undefined ? {} : { dynamoDbMsPerSecond: (after.dynamo - before.dynamo) / seconds }),
  };
}

/** A run's samples with the CPU each process spent over it. */
interface MeasuredSamples extends Samples {
  readonly cpu: { readonly serverMs: number; readonly dynamoDbMs?: number; readonly clientMs: number; readonly wallSeconds: number };
}

async function sampleMeasured(
  server: ServerProcess,
  dynamoPid: number | undefined,
  client: HttpClient,
  scenario: LoadScenario,
  options: LoadOptions,
): Promise<MeasuredSamples> {
  const before = { server: await serverCpuMicros(server), dynamo: await processCpuMs(dynamoPid), client: process.cpuUsage(), at: performance.now() };
  const samples = await sample(client, scenario, options);
  const after = {
    server: await serverCpuMicros(server),
    dynamo: await processCpuMs(dynamoPid),
    client: process.cpuUsage(before.client),
    at: performance.now(),
  };
  return {
    ...samples,
    cpu: {
      serverMs: (after.server - before.server) / 1000,
      ...(before.dynamo === undefined || after.dynamo === undefined ? {} : { dynamoDbMs: after.dynamo - before.dynamo }),
      clientMs: (after.client.user + after.client.system) / 1000,
      wallSeconds: (after.at - before.at) / 1000,
    },
  };
}

/** What the runs cost each process per request sent (warmup included), less what the server and DynamoDB Local spend idle over the same time. */
function cpuPerRequest(runs: readonly MeasuredSamples[], idle: IdleCpu): CpuPerRequest {
  const sum = (value: (run: MeasuredSamples) => number) => runs.reduce((total, run) => total + value(run), 0);
  const sent = sum((run) => run.latencies.length + run.warmupRequests);
  const seconds = sum((run) => run.cpu.wallSeconds);
  const net = (spent: number, idlePerSecond: number) => Math.max(0, spent - idlePerSecond * seconds) / sent;
  const dynamo = runs.every((run) => run.cpu.dynamoDbMs !== undefined) ? sum((run) => run.cpu.dynamoDbMs ?? 0) : undefined;
  return {
    serverMs: net(
      sum((run) => run.cpu.serverMs),
      idle.serverMsPerSecond,
    ),
    ...(dynamo === undefined ? {} : { dynamoDbMs: net(dynamo, idle.dynamoDbMsPerSecond ?? 0) }),
    clientMs: sum((run) => run.cpu.clientMs) / sent,
  };
}

/** Slices a comparison is cut into; each after the first warms up this long. */
const SLICES = 3;
const SLICE_WARMUP_MS = 250;

/**
 * Each scenario for `options.durationMs` in all, in turns (SLICES of each, alternating) so that a
 * machine getting busier or quieter meanwhile weighs on all of them alike, with what each cost the
 * processes in CPU per request (see cpuPerRequest). With `profileFile`, one run each instead, and
 * the server's CPU profile of each written to `profileFile(scenario)`.
 */
export async function compare(
  server: ServerProcess,
  dynamoPid: number | undefined,
  idle: IdleCpu,
  client: HttpClient,
  scenarios: readonly LoadScenario[],
  options: LoadOptions,
  profileFile?: (scenario: LoadScenario) => string,
): Promise<(LoadResult & { readonly cpu: CpuPerRequest })[]> {
  const runs = scenarios.map((): MeasuredSamples[] => []);
  const slices = profileFile === undefined ? SLICES : 1;
  for (let slice = 0; slice < slices; slice++) {
    for (const [i, scenario] of scenarios.entries()) {
      const sliceOptions = { ...options, warmupMs: slice === 0 ? options.warmupMs : SLICE_WARMUP_MS, durationMs: options.durationMs / slices };
      if (profileFile !== undefined) await control(server, '/cpu-profile/start');
      runs[i]?.push(await sampleMeasured(server, dynamoPid, client, scenario, sliceOptions));
      if (profileFile !== undefined) await control(server, `/cpu-profile/stop?file=${encodeURIComponent(profileFile(scenario))}`);
    }
  }
  return scenarios.map((scenario, i) => ({ ...summarize(scenario, runs[i] ?? []), cpu: cpuPerRequest(runs[i] ?? [], idle) }));
}

interface ListPair {
  readonly area: string;
  readonly get: LoadScenario;
  readonly list: LoadScenario;
}

const pair = (area: string, getPath: string, ids: readonly string[], listPath: string): ListPair => {
  if (ids.length === 0) throw new Error(`nothing seeded to read for ${area}`);
  return {
    area,
    get: { name: `get ${area}`, request: `GET ${getPath}`, status: 200, call: (c, n) => c.send('GET', getPath.replace('{id}', ids[n % ids.length] as string)) },
    list: { name: `list ${area}`, request: `GET ${listPath}`, status: 200, call: (c) => c.send('GET', listPath) },
  };
};

/**
 * The lists measured, each a queue an agent works from, beside the get-one of its area; `seed`
 * writes what the list and the get read, through the API (`needs`: another area's records first).
 */
interface ListArea {
  readonly area: string;
  readonly getPath: string;
  readonly listPath: string;
  readonly needs?: string;
  /** Answers the records the get reads (which the list finds too). */
  seed(c: SeedClients, seed: ListSeed, seeded: ReadonlyMap<string, readonly Created[]>): Promise<readonly Created[]>;
}

interface SeedClients {
  readonly agent: HttpClient;
  readonly admin: HttpClient;
  readonly concurrency: number;
  /** The create run's incidents. */
  readonly incidents: readonly Created[];
}

const page = `limit=${LIST_PAGE}`;
const LIST_AREAS: readonly ListArea[] = [
  {
    area: 'incidents',
    getPath: '/incidents/{id}',
    listPath: `/incidents?status=new&${page}`,
    seed: async (c, seed) => [
      ...c.incidents,
      ...(await inParallel(Math.max(0, seed.incidents - c.incidents.length), c.concurrency, (n) =>
        create(
          c.agent,
          '/incidents',
          {
            title: `seeded ${n}: mail delivery delayed for the finance team`,
            description: prose(n, 40),
            impact: (n % 3) + 1,
            urgency: ((n >> 2) % 3) + 1,
            service: SERVICES[n % SERVICES.length],
            assignmentGroup: GROUPS[n % GROUPS.length],
          },
          'an incident',
        ),
      )),
    ],
  },
  {
    area: 'changes',
    getPath: '/changes/{id}',
    listPath: `/changes?status=draft&${page}`,
    seed: (c, seed) =>
      inParallel(seed.perList, c.concurrency, (n) =>
        create(
          c.agent,
          '/changes',
          {
            title: `seeded change ${n}: rotate the database certificates`,
            description: prose(n, 40),
            type: 'normal',
            implementationPlan: prose(n, 30),
            backoutPlan: prose(n + 3, 20),
            assignmentGroup: GROUPS[n % GROUPS.length],
            services: [SERVICES[n % SERVICES.length]],
            ...plannedWindow(n),
          },
          'a change',
        ),
      ),
  },
  {
    area: 'problems',
    getPath: '/problems/{id}',
    listPath: `/problems?status=new&${page}`,
    seed: async (c, seed) => {
      const problems = await inParallel(seed.perList, c.concurrency, (n) =>
        create(
          c.agent,
          '/problems',
          {
            title: `seeded problem ${n}: recurring VPN drops`,
            description: prose(n, 40),
            service: SERVICES[n % SERVICES.length],
            assignmentGroup: GROUPS[n % GROUPS.length],
            ...(n < seed.knownErrors ? { workaround: prose(n, 25) } : {}),
          },
          'a problem',
        ),
      );
      // The first ones are published as known errors (still `new`: publishing does not move the status).
      await inParallel(seed.knownErrors, c.concurrency, async (n) => {
        const problem = problems[n] as Created;
        const reply = await c.agent.send('PATCH', `/problems/${problem.id}`, { body: { knownError: true }, headers: { 'if-match': `"${problem.version}"` } });
        if (reply.status !== 200) throw new Error(`publishing a known error failed: ${reply.status} ${reply.text.slice(0, 300)}`);
      });
      return problems;
    },
  },
  {
    area: 'known errors',
    getPath: '/problems/{id}',
    listPath: `/known-errors?${page}`,
    needs: 'problems',
    seed: async (_c, seed, seeded) => (seeded.get('problems') ?? []).slice(0, seed.knownErrors),
  },
  {
    area: 'requests',
    getPath: '/requests/{id}',
    listPath: `/requests?${page}`,
    seed: (c, seed) =>
      inParallel(seed.perList, c.concurrency, (n) =>
        // Ordered by the agent (alice): the bench's requester has no e-mail address, and the fulfilment would log a warning for each.
        create(c.agent, '/requests', { item: 'password-reset', answers: { account: `load-${n}`, system: 'VPN' } }, 'a request'),
      ),
  },
  {
    area: 'tasks',
    getPath: '/tasks/{id}',
    listPath: `/tasks?assignmentGroup=service-desk&status=open&${page}`,
    needs: 'requests',
    // Each password reset's workflow opens one task in the service-desk queue, in the background.
    seed: async (c, _seed, seeded) => {
      const path = '/tasks?assignmentGroup=service-desk&status=open';
      const wanted = seeded.get('requests')?.length ?? 0;
      await awaitListed(c.agent, path, wanted, 'the open tasks of the ordered requests');
      const tasks: Created[] = [];
      let cursor: string | undefined;
      do {
        const reply = await c.agent.send('GET', `${path}&limit=100${cursor === undefined ? '' : `&cursor=${encodeURIComponent(cursor)}`}`);
        const listed = reply.json<{ items: Created[]; nextCursor?: string }>();
        tasks.push(...listed.items);
        cursor = listed.nextCursor;
      } while (cursor !== undefined);
      return tasks;
    },
  },
  {
    area: 'articles',
    getPath: '/articles/{id}',
    listPath: `/articles?status=draft&${page}`,
    seed: (c, seed) =>
      inParallel(seed.perList, c.concurrency, (n) =>
        create(
          c.agent,
          '/articles',
          {
            title: `Seeded article ${n}: reset a VPN token`,
            body: `# Steps\n\n${prose(n, 150)}`,
            category: 'Network',
            services: [SERVICES[n % SERVICES.length]],
            keywords: ['vpn', 'token'],
            ownerGroup: GROUPS[n % GROUPS.length],
          },
          'an article',
        ),
      ),
  },
  {
    area: 'CIs',
    getPath: '/cis/{id}',
    listPath: `/cis?class=lambda_function&${page}`,
    seed: (c, seed) =>
      inParallel(seed.perList, c.concurrency, (n) =>
        create(
          c.admin,
          '/cis',
          {
            class: 'lambda_function',
            name: `seeded-fn-${n}`,
            description: prose(n, 20),
            environment: 'prod',
            ownerGroup: GROUPS[n % GROUPS.length],
            attributes: { runtime: 'nodejs22.x', memorySize: 256 },
          },
          'a CI',
        ),
      ),
  },
];

/** Seeds the areas asked for (and those they need), in order; answers the list/get pairs and what each area holds. */
async function seedLists(
  server: ServerProcess,
  options: LoadOptions,
  seed: ListSeed,
  incidents: readonly Created[],
  areas: readonly string[] | undefined,
): Promise<{ pairs: ListPair[]; seeded: Record<string, number> }> {
  const clients: SeedClients = {
    agent: httpClient(server.url, server.agentToken, options.concurrency),
    admin: httpClient(server.url, server.adminToken, options.concurrency),
    concurrency: options.concurrency,
    incidents,
  };
  const wanted = LIST_AREAS.filter((a) => areas === undefined || areas.includes(a.area));
  const needed = new Set(wanted.flatMap((a) => [a.area, ...(a.needs === undefined ? [] : [a.needs])]));
  const seeded = new Map<string, readonly Created[]>();
  try {
    for (const area of LIST_AREAS) if (needed.has(area.area)) seeded.set(area.area, await area.seed(clients, seed, seeded));
  } finally {
    clients.agent.close();
    clients.admin.close();
  }
  // The stream consumers (publisher, search indexer, SLA timers) must be idle before anything is measured.
  await settled(server);
  return {
    pairs: wanted.map((a) =>
      pair(
        a.area,
        a.getPath,
        (seeded.get(a.area) ?? []).map((r) => r.id),
        a.listPath,
      ),
    ),
    seeded: Object.fromEntries([...seeded].map(([area, records]) => [area, records.length])),
  };
}

/**
 * Against the local stack (server in its own process, the load generator here): create incidents
 * under load, then, after records of every work area were created through the API, each list (a
 * queue, a page of LIST_PAGE) right after the get-one of its area, at the same concurrency.
 */
export async function measureLoad(
  dynamoDbEndpoint: string,
  options: LoadOptions & { readonly seed: ListSeed },
  diagnostics: {
    /** A CPU profile of the server per list and get run is written there (`<area>-list.cpuprofile`, `<area>-get.cpuprofile`). */
    readonly profileDir?: string;
    /** Only the lists of these areas. */
    readonly areas?: readonly string[];
  } = {},
): Promise<LoadReport> {
  const server = await startServer(dynamoDbEndpoint);
  const client = httpClient(server.url, server.agentToken, options.concurrency);
  try {
    const created: Created[] = [];
    const createIncident: LoadScenario = {
      name: 'create incident',
      request: 'POST /incidents',
      status: 201,
      call: async (c, n) => {
        const reply = await c.send('POST', '/incidents', {
          body: { title: `load ${n}`, impact: (n % 3) + 1, urgency: ((n >> 2) % 3) + 1, service: 'email', assignmentGroup: 'service-desk' },
        });
        if (reply.status === 201 && created.length < 5000) created.push(reply.json<Created>());
        return reply;
      },
    };
    const operations = [await drive(client, createIncident, options)];
    if (created.length === 0) throw new Error('the create run created nothing to read');

    const seedStarted = performance.now();
    const { pairs, seeded } = await seedLists(server, options, options.seed, created, diagnostics.areas);
    const seedMs = performance.now() - seedStarted;

    const dynamoPid = await dynamoDbLocalPid(dynamoDbEndpoint);
    const idle = await idleCpu(server, dynamoPid);
    const lists: ListComparison[] = [];
    for (const { area, get, list } of pairs) {
      const first = await list.call(client, 0);
      if (first.status !== 200) throw new Error(`${list.request} failed: ${first.status} ${first.text.slice(0, 300)}`);
      const pageItems = first.json<{ items: unknown[] }>().items.length;
      const totals = await listTotals(client, list.request.slice('GET '.length));
      const profileDir = diagnostics.profileDir;
      const profile =
        profileDir === undefined
          ? undefined
          : (scenario: LoadScenario) => join(profileDir, `${area.replaceAll(' ', '-')}-${scenario === get ? 'get' : 'list'}.cpuprofile`);
      const [getResult, listResult] = (await compare(server, dynamoPid, idle, client, [get, list], options, profile)) as [
        LoadResult & { cpu: CpuPerRequest },
        LoadResult & { cpu: CpuPerRequest },
      ];
      lists.push({ area, get: getResult, list: listResult, ratio: listResult.requestsPerSecond / getResult.requestsPerSecond, pageItems, totals });
    }
    return { operations, lists, seeded, seedMs, idle };
  } finally {
    client.close();
    await server.stop();
  }
}

/** The misses of the list budgets, as the Budgets section lists them. */
export function listBudgetMisses(lists: readonly ListComparison[]): string[] {
  return lists.flatMap((l) => [
    ...(l.ratio >= LIST_RATIO_BUDGET
      ? []
      : [
          `list ${l.area}: ${l.list.requestsPerSecond.toFixed(0)} req/s is ${l.ratio.toFixed(2)} of get's ${l.get.requestsPerSecond.toFixed(0)} (budget >= ${LIST_RATIO_BUDGET})`,
        ]),
    ...(l.list.p99 <= LIST_P99_BUDGET_MS ? [] : [`list ${l.area}: p99 ${l.list.p99.toFixed(1)} ms (budget <= ${LIST_P99_BUDGET_MS} ms)`]),
    ...(l.pageItems === LIST_PAGE ? [] : [`list ${l.area}: the page measured held ${l.pageItems} items, not ${LIST_PAGE}`]),
    ...(l.totals.counted === undefined || l.totals.counted === l.totals.listed
      ? []
      : [`list ${l.area}: count=true answered total ${l.totals.counted}, the list holds ${l.totals.listed}`]),
  ]);
}

/*
 * `node --import tsx bench/load.ts [--cpu-prof] [area,...]`: the load section alone, on a DynamoDB
 * Local of its own, printed as lines; --cpu-prof writes the server's CPU profile of each list and
 * get run to .tmp/profiles/ (open them in Chrome DevTools, or sum them up with
 * `node --import tsx bench/profile-summary.ts <file>`). LOAD_DURATION_MS, LOAD_INCIDENTS and LOAD_PER_LIST change the
 * run's length and the records per list.
 */
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { startDynamoDbLocal } = await import('../local/dynamodb-local.ts');
  const { REPO_ROOT } = await import('./bundle.ts');
  const profileDir = process.argv.includes('--cpu-prof') ? join(REPO_ROOT, '.tmp', 'profiles') : undefined;
  if (profileDir !== undefined) await mkdir(profileDir, { recursive: true });
  const areas = process.argv.slice(2).find((arg) => !arg.startsWith('--'));
  const perList = Number(process.env.LOAD_PER_LIST ?? 100);
  const dynamo = await startDynamoDbLocal();
  try {
    const report = await measureLoad(
      dynamo.endpoint,
      {
        concurrency: 16,
        warmupMs: 1_000,
        durationMs: Number(process.env.LOAD_DURATION_MS ?? 3_000),
        seed: { incidents: Number(process.env.LOAD_INCIDENTS ?? 500), perList, knownErrors: Math.ceil(perList / 3) },
      },
      { ...(profileDir === undefined ? {} : { profileDir }), ...(areas === undefined ? {} : { areas: areas.split(',') }) },
    );
    console.log(JSON.stringify({ seeded: report.seeded, seedMs: Math.round(report.seedMs), idle: report.idle }));
    for (const o of report.operations) console.log(JSON.stringify({ name: o.name, rps: Math.round(o.requestsPerSecond), p99: o.p99 }));
    const cpu = (c: CpuPerRequest) => `${c.serverMs.toFixed(2)}+${c.dynamoDbMs?.toFixed(2) ?? '?'}+${c.clientMs.toFixed(2)}`;
    for (const l of report.lists)
      console.log(
        `${l.area.padEnd(13)} get ${l.get.requestsPerSecond.toFixed(0).padStart(4)}/s p99 ${l.get.p99.toFixed(1).padStart(6)} | list ${l.list.requestsPerSecond.toFixed(0).padStart(4)}/s p99 ${l.list.p99.toFixed(1).padStart(6)} ${String(Math.round(l.list.meanBodyBytes)).padStart(6)} B | ratio ${l.ratio.toFixed(2)} (CPU ${((l.get.cpu.serverMs + (l.get.cpu.dynamoDbMs ?? 0) + l.get.cpu.clientMs) / (l.list.cpu.serverMs + (l.list.cpu.dynamoDbMs ?? 0) + l.list.cpu.clientMs)).toFixed(2)}) items ${l.pageItems} total ${l.totals.listed}/${l.totals.counted ?? '-'} | CPU ms/req get ${cpu(l.get.cpu)} list ${cpu(l.list.cpu)}${l.list.errors + l.get.errors > 0 ? ` ERRORS ${l.get.firstError ?? l.list.firstError}` : ''}`,
      );
    console.log(listBudgetMisses(report.lists).join('\n') || 'list budgets met');
  } finally {
    await dynamo.stop();
  }
  process.exit(0);
}
