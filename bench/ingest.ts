import { LOCAL_INGESTION_BUS } from '../local/eventbridge.ts';
import { type HttpClient, httpClient, type Reply } from './http.ts';
import { percentile } from './report.ts';
import { type ServerProcess, startServer } from './server-process.ts';

export interface IngestOptions {
  readonly concurrency: number;
  readonly warmupMs: number;
  /** Measured time of the POST /v2/enqueue run. */
  readonly durationMs: number;
  /**
   * The PutEvents run (batches of PUT_EVENTS_BATCH entries): fewer clients and a shorter run, as
   * each call carries 10 events and the processor's drain afterwards grows with what was accepted.
   * A duration of 0 skips it.
   */
  readonly putEvents: { readonly concurrency: number; readonly durationMs: number };
  /** Dedup keys the duplicate triggers (and the acknowledges and resolves) go to. */
  readonly hotKeys: number;
}

/** The mix, per event: 70% triggers on a hot key, 25% triggers on a key never seen, 5% acknowledge or resolve of a hot key. */
export const MIX = { hotTrigger: 0.7, newTrigger: 0.25, ackOrResolve: 0.05 } as const;
export const PUT_EVENTS_BATCH = 10;

type Kind = 'hot' | 'new';
type Action = 'trigger' | 'acknowledge' | 'resolve';
interface PlannedEvent {
  readonly kind: Kind;
  readonly action: Action;
  readonly dedupKey: string;
  readonly n: number;
}

export interface IngestResult {
  readonly name: string;
  readonly request: string;
  /** Measured window (after warmup): requests (calls), non-success answers, accepted events per second, latency per request. */
  readonly requests: number;
  readonly errors: number;
  readonly firstError?: string;
  readonly eventsPerSecond: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
  /** Whole run, warmup included: what the processor had to apply. */
  readonly accepted: {
    readonly hotTriggers: number;
    readonly newTriggers: number;
    readonly acknowledges: number;
    readonly resolves: number;
    readonly total: number;
  };
  /** Left out when the run measures the intake only. */
  readonly processing?: Processing;
}

export interface Processing {
  /** From the last success answer to the stream poller having applied everything recorded. */
  readonly drainMs: number;
  /** Accepted events / (first success answer -> everything applied). */
  readonly applyPerSecond: number;
  /** What the processor made of it, read back through the API. */
  readonly incidents: number;
  readonly check: string;
  readonly exact: boolean;
}

/** mulberry32: a small seeded PRNG, so every run sends the same mix. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Hands out the events of a run in order, one mix for both ways in (prefix keeps their keys apart). */
function planner(prefix: string, hotKeys: number, seed: number): () => PlannedEvent {
  const next = random(seed);
  let n = 0;
  return () => {
    n++;
    const roll = next();
    const hotKey = `${prefix}-hot-${Math.floor(next() * hotKeys)}`;
    if (roll < MIX.hotTrigger) return { kind: 'hot', action: 'trigger', dedupKey: hotKey, n };
    if (roll < MIX.hotTrigger + MIX.newTrigger) return { kind: 'new', action: 'trigger', dedupKey: `${prefix}-new-${n}`, n };
    return { kind: 'hot', action: next() < 0.5 ? 'acknowledge' : 'resolve', dedupKey: hotKey, n };
  };
}

interface Tally {
  hotTriggers: number;
  newTriggers: number;
  acknowledges: number;
  resolves: number;
}
const count = (tally: Tally, event: PlannedEvent) => {
  if (event.action === 'trigger') tally[event.kind === 'hot' ? 'hotTriggers' : 'newTriggers']++;
  else tally[event.action === 'acknowledge' ? 'acknowledges' : 'resolves']++;
};

interface Sent {
  /** The request succeeded as a whole (202; PutEvents 200). */
  readonly ok: boolean;
  readonly failure?: string;
  /** The events the answer says were accepted. */
  readonly accepted: readonly PlannedEvent[];
}

interface Way {
  readonly name: string;
  readonly request: string;
  readonly prefix: string;
  readonly eventsPerCall: number;
  readonly concurrency: number;
  readonly durationMs: number;
  /** Wait for the processor and check its work (or measure the intake only). */
  readonly awaitProcessing: boolean;
  readonly send: (events: PlannedEvent[]) => Promise<Sent>;
}

/**
 * `way.concurrency` workers send back to back on keep-alive connections. Every accepted event counts
 * for the processing check; requests started in the first `warmupMs` are left out of the latency
 * and intake-rate numbers. Then waits for the processor (POST /settled on the server's control
 * endpoint) and reads the incidents back.
 */
async function run(server: ServerProcess, agent: HttpClient, way: Way, options: IngestOptions, seed: number): Promise<IngestResult> {
  const plan = planner(way.prefix, options.hotKeys, seed);
  const tally: Tally = { hotTriggers: 0, newTriggers: 0, acknowledges: 0, resolves: 0 };
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  let acceptedInWindow = 0;
  let firstAccepted = Number.POSITIVE_INFINITY;
  let lastAccepted = 0;
  const warmupEnds = performance.now() + options.warmupMs;
  const ends = warmupEnds + way.durationMs;
  let measuredUntil = warmupEnds;

  const worker = async () => {
    for (;;) {
      const started = performance.now();
      if (started >= ends) return;
      const events = Array.from({ length: way.eventsPerCall }, plan);
      let sent: Sent;
      try {
        sent = await way.send(events);
      } catch (error) {
        sent = { ok: false, failure: String(error), accepted: [] };
      }
      const finished = performance.now();
      for (const event of sent.accepted) count(tally, event);
      if (sent.accepted.length > 0) {
        firstAccepted = Math.min(firstAccepted, finished);
        lastAccepted = Math.max(lastAccepted, finished);
      }
      if (started < warmupEnds) continue;
      latencies.push(finished - started);
      measuredUntil = Math.max(measuredUntil, finished);
      acceptedInWindow += sent.accepted.length;
      if (!sent.ok) {
        errors++;
        firstError ??= sent.failure;
      }
    }
  };
  await Promise.all(Array.from({ length: way.concurrency }, worker));

  const total = tally.hotTriggers + tally.newTriggers + tally.acknowledges + tally.resolves;
  let processing: Processing | undefined;
  if (way.awaitProcessing) {
    const settled = await fetch(`${server.controlUrl}/settled`, { method: 'POST' });
    const appliedAt = performance.now();
    if (settled.status !== 204) throw new Error(`POST /settled answered ${settled.status}: ${await settled.text()}`);
    processing = {
      drainMs: total === 0 ? Number.NaN : appliedAt - lastAccepted,
      applyPerSecond: total / ((appliedAt - firstAccepted) / 1000),
      ...(await verify(server, agent, way.prefix, tally)),
    };
  }
  return {
    name: way.name,
    request: way.request,
    requests: latencies.length,
    errors,
    ...(firstError === undefined ? {} : { firstError }),
    eventsPerSecond: acceptedInWindow / ((measuredUntil - warmupEnds) / 1000),
    p50: percentile(latencies, 50),
    p90: percentile(latencies, 90),
    p99: percentile(latencies, 99),
    max: Math.max(...latencies),
    accepted: { ...tally, total },
    ...(processing === undefined ? {} : { processing }),
  };
}

/**
 * Every accepted trigger is one occurrence of exactly one incident, whatever order the concurrent
 * events were recorded in: a trigger opens an incident (occurrence 1) or adds one to the open
 * incident of its key, and acknowledges and resolves add none. So the occurrences of all incidents
 * of the hot keys (resolved ones included) sum to the accepted hot triggers, and every new key has
 * exactly one incident. Nothing may be dead-lettered.
 */
async function verify(server: ServerProcess, agent: HttpClient, prefix: string, tally: Tally): Promise<{ incidents: number; check: string; exact: boolean }> {
  const mine: { id: string; dedupKey: string }[] = [];
  let cursor: string | undefined;
  do {
    const reply = await agent.send('GET', `/incidents?service=payments&limit=100${cursor === undefined ? '' : `&cursor=${encodeURIComponent(cursor)}`}`);
    if (reply.status !== 200) throw new Error(`listing incidents failed: ${reply.status} ${reply.text.slice(0, 200)}`);
    const page = reply.json<{ items: { id: string; dedupKey?: string }[]; nextCursor?: string }>();
    for (const item of page.items) if (item.dedupKey?.startsWith(`${prefix}-`)) mine.push({ id: item.id, dedupKey: item.dedupKey });
    cursor = page.nextCursor;
  } while (cursor !== undefined);

  const hot = mine.filter((i) => i.dedupKey.startsWith(`${prefix}-hot-`));
  const fresh = mine.filter((i) => i.dedupKey.startsWith(`${prefix}-new-`));
  let hotOccurrences = 0;
  for (let i = 0; i < hot.length; i += 8) {
    const replies = await Promise.all(hot.slice(i, i + 8).map((incident) => agent.send('GET', `/incidents/${incident.id}`)));
    for (const reply of replies) {
      if (reply.status !== 200) throw new Error(`reading an incident failed: ${reply.status} ${reply.text.slice(0, 200)}`);
      hotOccurrences += reply.json<{ alert?: { occurrences?: number } }>().alert?.occurrences ?? 0;
    }
  }
  const freshKeys = new Set(fresh.map((i) => i.dedupKey));
  const deadLetters = (await (await fetch(`${server.awsEndpoint}/local/dead-letters`)).json()) as unknown[];

  const problems: string[] = [];
  if (hotOccurrences !== tally.hotTriggers) problems.push(`hot-key occurrences ${hotOccurrences} != ${tally.hotTriggers} accepted triggers`);
  if (fresh.length !== tally.newTriggers || freshKeys.size !== fresh.length) {
    problems.push(`${fresh.length} incidents (${freshKeys.size} keys) for ${tally.newTriggers} accepted distinct-key triggers`);
  }
  if (deadLetters.length > 0) problems.push(`${deadLetters.length} dead letters`);
  const exact = problems.length === 0;
  return {
    incidents: mine.length,
    check: exact ? `exact (${hotOccurrences} occurrences on ${hot.length} hot-key incidents, ${fresh.length} distinct)` : `MISMATCH: ${problems.join('; ')}`,
    exact,
  };
}

async function createRoutingKey(server: ServerProcess): Promise<string> {
  const admin = httpClient(server.url, server.adminToken, 1);
  try {
    // The schema's ceiling (100,000 a minute) is far above what the local stack can take.
    const reply = await admin.send('POST', '/services/payments/integrations', { body: { name: 'bench ingestion', rateLimitPerMinute: 100_000 } });
    if (reply.status !== 201) throw new Error(`creating an integration key failed: ${reply.status} ${reply.text.slice(0, 200)}`);
    return reply.json<{ routingKey: string }>().routingKey;
  } finally {
    admin.close();
  }
}

function enqueueWay(client: HttpClient, routingKey: string, concurrency: number, durationMs: number): Way {
  return {
    name: 'PagerDuty Events v2',
    request: 'POST /v2/enqueue',
    prefix: 'pd',
    eventsPerCall: 1,
    concurrency,
    durationMs,
    awaitProcessing: true,
    send: async ([event]) => {
      const e = event as PlannedEvent;
      const body =
        e.action === 'trigger'
          ? {
              routing_key: routingKey,
              event_action: 'trigger',
              dedup_key: e.dedupKey,
              payload: { summary: `bench ${e.dedupKey}`, source: 'bench', severity: 'error', custom_details: { n: e.n } },
              client: 'bench',
            }
          : { routing_key: routingKey, event_action: e.action, dedup_key: e.dedupKey, payload: { summary: `bench ${e.action} ${e.n}` } };
      const reply: Reply = await client.send('POST', '/v2/enqueue', { body });
      return reply.status === 202 ? { ok: true, accepted: [e] } : { ok: false, failure: `HTTP ${reply.status} ${reply.text.slice(0, 200)}`, accepted: [] };
    },
  };
}

const DETAIL_TYPES: Record<Action, string> = { trigger: 'Incident Trigger', acknowledge: 'Incident Acknowledge', resolve: 'Incident Resolve' };

function putEventsWay(client: HttpClient, concurrency: number, durationMs: number): Way {
  return {
    name: `EventBridge PutEvents (${PUT_EVENTS_BATCH} entries)`,
    request: 'AWSEvents.PutEvents',
    prefix: 'eb',
    eventsPerCall: PUT_EVENTS_BATCH,
    concurrency,
    durationMs,
    // The same stream and processor as for POST /v2/enqueue, measured there; its drain here would
    // cost more bench time than it tells.
    awaitProcessing: false,
    send: async (events) => {
      const Entries = events.map((e) => ({
        EventBusName: LOCAL_INGESTION_BUS,
        Source: 'com.example.bench',
        DetailType: DETAIL_TYPES[e.action],
        Detail: JSON.stringify(
          e.action === 'trigger'
            ? { dedupKey: e.dedupKey, service: 'payments', title: `bench ${e.dedupKey}`, severity: 'error', details: { n: e.n } }
            : { dedupKey: e.dedupKey, service: 'payments' },
        ),
      }));
      const reply = await client.send('POST', '/', { body: { Entries }, headers: { 'x-amz-target': 'AWSEvents.PutEvents' } });
      if (reply.status !== 200) return { ok: false, failure: `HTTP ${reply.status} ${reply.text.slice(0, 200)}`, accepted: [] };
      const results = reply.json<{ FailedEntryCount: number; Entries: { EventId?: string; ErrorCode?: string }[] }>();
      const accepted = events.filter((_, i) => results.Entries[i]?.EventId !== undefined);
      return accepted.length === events.length
        ? { ok: true, accepted }
        : {
            ok: false,
            failure: `${results.FailedEntryCount} entries failed: ${JSON.stringify(results.Entries.find((r) => r.ErrorCode !== undefined))}`,
            accepted,
          };
    },
  };
}

/**
 * Sustained ingestion on the local stack (server in its own process): POST /v2/enqueue, followed by
 * the processor's drain and a correctness check; then the intake of EventBridge PutEvents, after
 * which the server is stopped without waiting for its backlog.
 */
export async function measureIngestion(dynamoDbEndpoint: string, options: IngestOptions): Promise<IngestResult[]> {
  const server = await startServer(dynamoDbEndpoint);
  const agent = httpClient(server.url, server.agentToken, 8);
  const intake = httpClient(server.url, undefined, options.concurrency);
  const bus = httpClient(server.awsEndpoint, undefined, options.putEvents.concurrency);
  let abandon = false;
  try {
    const routingKey = await createRoutingKey(server);
    const results: IngestResult[] = [];
    results.push(await run(server, agent, enqueueWay(intake, routingKey, options.concurrency, options.durationMs), options, 1));
    const { concurrency, durationMs } = options.putEvents;
    if (durationMs > 0) {
      abandon = true;
      results.push(await run(server, agent, putEventsWay(bus, concurrency, durationMs), options, 2));
    }
    return results;
  } finally {
    agent.close();
    intake.close();
    bus.close();
    await server.stop({ abandon });
  }
}
