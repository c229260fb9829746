import { startRequestCounter } from '../local/request-counter.ts';
import { startLocalStack } from '../local/runtime.ts';
import { type HttpClient, httpClient, type Reply } from './http.ts';

/**
 * Round-trip budgets per kind of API operation: sequential DynamoDB round trips per API call
 * (requests a handler sends together count once). A list with several filters queries the first
 * filter's index and narrows with a filter expression, so sparse matches can take more Queries;
 * queryPage bounds them at 10. A vote reads the change, its round and the configuration together,
 * then the board's current members (who may vote is decided at vote time), then writes. An impact
 * analysis of depth 3 reads one level per round of Queries (both ends of every CI of the level in
 * flight together), then the CIs found in one BatchGet. A vote on a request's approval stage (by
 * id) reads the request and its stages and votes together, then writes: 2. A task's status change
 * reads the task, then its request (named by the task), then writes both in one transaction: 3 (a
 * sequential plan's next task, read with the SLA configuration before the write, would make it 4).
 */
export const ROUND_TRIP_BUDGETS = {
  create: 2,
  read: 1,
  update: 2,
  list: 1,
  'list, 2+ filters': 10,
  vote: 3,
  'impact, depth 3': 4,
  'stage vote': 2,
  'task status change': 3,
} as const;
export type OperationKind = keyof typeof ROUND_TRIP_BUDGETS;

/**
 * Within a kind's round trips, how many may hold a given operation (issue 14): an impact analysis
 * of depth 3 is at most 3 rounds of Queries and one BatchGet round.
 */
export const OPERATION_ROUND_BUDGETS: Partial<Record<OperationKind, Readonly<Record<string, number>>>> = {
  'impact, depth 3': { Query: 3, BatchGetItem: 1 },
};

/** Where `rounds` pass the kind's per-operation budgets (e.g. `Query rounds 4 > 3`); none when within them. */
export function operationRoundMisses(kind: OperationKind, rounds: readonly (readonly string[])[]): string[] {
  return Object.entries(OPERATION_ROUND_BUDGETS[kind] ?? {}).flatMap(([operation, max]) => {
    const count = rounds.filter((round) => round.includes(operation)).length;
    return count > max ? [`${operation} rounds ${count} > ${max}`] : [];
  });
}

const SIMULATED_LATENCY_MS = 20;

export interface RoundTripResult {
  readonly name: string;
  readonly request: string;
  readonly kind: OperationKind;
  readonly budget: number;
  /** DynamoDB operations of the measured (second, warm) call, grouped into round trips, in order. */
  readonly rounds: readonly (readonly string[])[];
  /** The first call's rounds, when they differ from the measured call's (module-scope caches). */
  readonly firstCall?: readonly (readonly string[])[];
  /** Round trips after the call's own (its workflow's steps), shown but not counted: see Scenario.ownRoundsEndWith. */
  readonly workflowRounds?: number;
  readonly withinBudget: boolean;
}

interface Incident {
  id: string;
  number: string;
  version: number;
}

interface Clients {
  readonly agent: HttpClient;
  readonly requester: HttpClient;
  /** Another agent (bob): raises the changes alice, on the CAB, votes on. */
  readonly colleague: HttpClient;
  /** An admin (ada): writes configuration items. */
  readonly admin: HttpClient;
}

interface Scenario {
  readonly name: string;
  readonly kind: OperationKind;
  /** Shown in the table: method and path, with placeholders. */
  readonly request: string;
  readonly status: number;
  /** Untimed, uncounted: whatever the call needs (usually a fresh incident). */
  readonly prepare?: (clients: Clients) => Promise<Incident>;
  readonly call: (clients: Clients, incident: Incident | undefined) => Promise<Reply>;
  /**
   * Request fulfilment workflows run in this process, their steps reading and writing the table as
   * soon as they start: before the call, wait until the table has been quiet for a while, so that
   * no earlier request's workflow step is counted as the call's.
   */
  readonly awaitWorkflows?: true;
  /**
   * The call's own round trips end with its first round holding this operation: the handler then
   * starts a workflow (a Step Functions call, not DynamoDB), whose steps run in this process at once
   * and are not the call's. They are reported apart (`workflowRounds`).
   */
  readonly ownRoundsEndWith?: string;
}

let sequence = 0;
async function createIncident(clients: Clients, body: Record<string, unknown> = {}): Promise<Incident> {
  const reply = await clients.agent.send('POST', '/incidents', { body: { title: `bench ${++sequence}`, ...body } });
  if (reply.status !== 201) throw new Error(`preparing an incident failed: ${reply.status} ${reply.text}`);
  return reply.json<Incident>();
}

async function createRequesterIncident(clients: Clients): Promise<Incident> {
  const reply = await clients.requester.send('POST', '/incidents', { body: { title: `bench requester ${++sequence}` } });
  if (reply.status !== 201) throw new Error(`preparing an incident failed: ${reply.status} ${reply.text}`);
  return reply.json<Incident>();
}

const plannedWindow = () => ({
  plannedStart: new Date(Date.now() + 7 * 86_400_000).toISOString(),
  plannedEnd: new Date(Date.now() + 7 * 86_400_000 + 3_600_000).toISOString(),
});
const NORMAL_CHANGE = { type: 'normal', implementationPlan: 'Roll out', backoutPlan: 'Roll back', assignmentGroup: 'database' };

async function createChange(client: HttpClient, body: Record<string, unknown> = {}): Promise<Incident> {
  const reply = await client.send('POST', '/changes', { body: { title: `bench change ${++sequence}`, ...NORMAL_CHANGE, ...plannedWindow(), ...body } });
  if (reply.status !== 201) throw new Error(`preparing a change failed: ${reply.status} ${reply.text}`);
  return reply.json<Incident>();
}

async function createProblem(client: HttpClient): Promise<Incident> {
  const reply = await client.send('POST', '/problems', { body: { title: `bench problem ${++sequence}`, service: 'email' } });
  if (reply.status !== 201) throw new Error(`preparing a problem failed: ${reply.status} ${reply.text}`);
  return reply.json<Incident>();
}

/** An incident to link, carrying the id of a fresh problem to link it to (POST /problems/{id}/incidents). */
async function incidentAndProblem(clients: Clients): Promise<Incident & { problemId: string }> {
  const [incident, problem] = await Promise.all([
    createIncident(clients),
    clients.agent.send('POST', '/problems', { body: { title: `bench problem to link ${++sequence}`, service: 'email' } }),
  ]);
  if (problem.status !== 201) throw new Error(`preparing a problem failed: ${problem.status} ${problem.text}`);
  return { ...incident, problemId: problem.json<{ id: string }>().id };
}

let knownErrorCi: Promise<string> | undefined;
/**
 * The fields an incident is matched to known errors on; published known errors match each of them.
 * Configuration items are named by CMDB id (issue 14): a CI of its own, with no relationships, so
 * its impact is one round of Queries that finds nothing, beside the create's first round.
 */
async function knownErrorFields(clients: Clients): Promise<Record<string, unknown>> {
  knownErrorCi ??= (async () => {
    const reply = await clients.admin.send('POST', '/cis', { body: { class: 'network', name: 'bench-vpn-gw' } });
    if (reply.status !== 201) throw new Error(`preparing a CI failed: ${reply.status} ${reply.text}`);
    return reply.json<{ id: string }>().id;
  })();
  return { service: 'vpn', configurationItems: [await knownErrorCi], category: 'Network' };
}

let knownErrorsPublished: Promise<Incident> | undefined;
/** Publishes, once, a known error per field of knownErrorFields (a problem with a workaround, then knownError: true). */
function publishKnownErrors(clients: Clients): Promise<Incident> {
  knownErrorsPublished ??= (async () => {
    let last: Incident | undefined;
    for (const [field, value] of Object.entries(await knownErrorFields(clients))) {
      const opened = await clients.agent.send('POST', '/problems', { body: { title: `bench known error ${field}`, [field]: value, workaround: 'Reconnect' } });
      if (opened.status !== 201) throw new Error(`preparing a known error failed: ${opened.status} ${opened.text}`);
      const problem = opened.json<Incident>();
      const published = await clients.agent.send('PATCH', `/problems/${problem.id}`, { body: { knownError: true }, headers: ifMatch(problem) });
      if (published.status !== 200) throw new Error(`publishing a known error failed: ${published.status} ${published.text}`);
      last = published.json<Incident>();
    }
    return last as Incident;
  })();
  return knownErrorsPublished;
}

/** A change on a critical service, submitted by bob and waiting for the CAB (quorum 2): alice's vote does not decide it. */
async function changeAwaitingCab(clients: Clients): Promise<Incident> {
  const change = await createChange(clients.colleague, { services: ['payments'] });
  const submitted = await clients.colleague.send('POST', `/changes/${change.id}/submit`, { headers: ifMatch(change) });
  if (submitted.status !== 200) throw new Error(`submitting a change failed: ${submitted.status} ${submitted.text}`);
  for (let i = 0; i < 200; i++) {
    const current = (await clients.colleague.send('GET', `/changes/${change.id}`)).json<{ status: string }>();
    if (current.status === 'authorize') return change;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('the change never reached authorize');
}

let ciChain: Promise<Incident> | undefined;
/**
 * Once: a table used by a function, which an API runs on, behind a load balancer the service
 * `payments` depends on: impact of the table reaches one CI per level, deeper than 3. Answers the
 * table as the prepared record.
 */
function tableUnderAChain(clients: Clients): Promise<Incident> {
  ciChain ??= (async () => {
    const create = async (body: Record<string, unknown>) => {
      const reply = await clients.admin.send('POST', '/cis', { body });
      if (reply.status !== 201) throw new Error(`creating a CI failed: ${reply.status} ${reply.text}`);
      return reply.json<Incident>();
    };
    const [table, fn, api, lb] = await Promise.all([
      create({ class: 'dynamodb_table', name: 'bench-orders' }),
      create({ class: 'lambda_function', name: 'bench-orders-fn' }),
      create({ class: 'api', name: 'bench-orders-api' }),
      create({ class: 'load_balancer', name: 'bench-orders-alb' }),
    ]);
    for (const [from, type, target] of [
      [fn.id, 'depends_on', table.id],
      [api.id, 'runs_on', fn.id],
      [lb.id, 'depends_on', api.id],
      ['payments', 'depends_on', lb.id],
    ]) {
      const reply = await clients.agent.send('POST', `/cis/${from}/relationships`, { body: { type, target } });
      if (reply.status !== 201) throw new Error(`relating CIs failed: ${reply.status} ${reply.text}`);
    }
    return table;
  })();
  return ciChain;
}

interface ServiceRequestView {
  id: string;
  number: string;
  version: number;
  status: string;
  currentStage?: number;
  stages: { index: number; status: string }[];
  tasks: { id: string; number: string; status: string }[];
}

/** Polls a request (as whoever may see it) until `done` holds: the workflow's steps are asynchronous. */
async function requestWhen(client: HttpClient, id: string, done: (request: ServiceRequestView) => boolean): Promise<ServiceRequestView> {
  for (let i = 0; i < 400; i++) {
    const reply = await client.send('GET', `/requests/${id}`);
    if (reply.status !== 200) throw new Error(`reading a request failed: ${reply.status} ${reply.text}`);
    const request = reply.json<ServiceRequestView>();
    if (done(request)) return request;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`request ${id} never reached the state the bench waits for`);
}

async function orderRequest(clients: Clients, item: string, answers: Record<string, unknown>): Promise<ServiceRequestView> {
  const reply = await clients.requester.send('POST', '/requests', { body: { item, answers } });
  if (reply.status !== 201) throw new Error(`ordering ${item} failed: ${reply.status} ${reply.text}`);
  return reply.json<ServiceRequestView>();
}

const PASSWORD_RESET = { account: 'carol', system: 'VPN' };

/** A password reset (no approval) ordered by carol: its one task, open in the service-desk queue. */
async function openTask(clients: Clients): Promise<Incident> {
  const ordered = await orderRequest(clients, 'password-reset', PASSWORD_RESET);
  const request = await requestWhen(clients.requester, ordered.id, (r) => r.status === 'in_fulfilment' && r.tasks.length > 0);
  const reply = await clients.agent.send('GET', `/tasks/${(request.tasks[0] as { id: string }).id}`);
  if (reply.status !== 200) throw new Error(`reading a task failed: ${reply.status} ${reply.text}`);
  return reply.json<Incident>();
}

let groupStageItem: Promise<string> | undefined;
/**
 * Once: an item whose one approval stage asks the CAB (ada, alice, nina) for 2 approvals, so that
 * alice's vote is counted without deciding the stage (as the change vote's scenario): a deciding
 * vote writes the same transaction, then answers the workflow (SendTaskSuccess, not DynamoDB).
 */
function itemWithGroupStage(clients: Clients): Promise<string> {
  groupStageItem ??= (async () => {
    const reply = await clients.admin.send('POST', '/catalog-items', {
      body: {
        id: 'bench-cab-approval',
        name: 'Bench: approved by two CAB members',
        category: 'Bench',
        description: 'Round-trip bench item',
        form: { type: 'object', properties: { summary: { title: 'Summary', type: 'string' } } },
        approval: { stages: [{ kind: 'group', group: 'cab', quorum: 2 }] },
        fulfilment: { mode: 'parallel', tasks: [{ name: 'Do it', assignmentGroup: 'service-desk', description: '{{number}}' }] },
      },
    });
    if (reply.status !== 201) throw new Error(`creating a catalog item failed: ${reply.status} ${reply.text}`);
    return reply.json<{ id: string }>().id;
  })();
  return groupStageItem;
}

/** A request of that item, its stage asked (the CAB awaited). */
async function requestAwaitingCab(clients: Clients): Promise<Incident> {
  const ordered = await orderRequest(clients, await itemWithGroupStage(clients), { summary: 'bench' });
  return requestWhen(clients.requester, ordered.id, (r) => r.status === 'awaiting_approval' && r.stages[0]?.status === 'pending');
}

const need = (incident: Incident | undefined): Incident => {
  if (incident === undefined) throw new Error('scenario needs a prepared incident');
  return incident;
};
const ifMatch = (incident: Incident) => ({ 'if-match': `"${incident.version}"` });

const SCENARIOS: readonly Scenario[] = [
  {
    name: 'create incident (title only)',
    kind: 'create',
    request: 'POST /incidents',
    status: 201,
    call: (c) => c.agent.send('POST', '/incidents', { body: { title: `bench ${++sequence}` } }),
  },
  {
    name: 'create incident (service, group, assignee, caller)',
    kind: 'create',
    request: 'POST /incidents',
    status: 201,
    call: (c) =>
      c.agent.send('POST', '/incidents', {
        body: { title: `bench ${++sequence}`, impact: 2, urgency: 1, service: 'vpn', assignmentGroup: 'network', assignee: 'nina', caller: 'dave' },
      }),
  },
  {
    name: 'create incident (Idempotency-Key)',
    kind: 'create',
    request: 'POST /incidents',
    status: 201,
    call: (c) => c.agent.send('POST', '/incidents', { body: { title: `bench ${++sequence}` }, headers: { 'idempotency-key': `bench-${sequence}` } }),
  },
  {
    name: 'get incident by id',
    kind: 'read',
    request: 'GET /incidents/{id}',
    status: 200,
    prepare: (c) => createIncident(c),
    call: (c, i) => c.agent.send('GET', `/incidents/${need(i).id}`),
  },
  {
    name: 'get incident by number',
    kind: 'read',
    request: 'GET /incidents/{number}',
    status: 200,
    prepare: (c) => createIncident(c),
    call: (c, i) => c.agent.send('GET', `/incidents/${need(i).number}`),
  },
  {
    name: 'list incidents (no filter)',
    kind: 'list',
    request: 'GET /incidents',
    status: 200,
    call: (c) => c.agent.send('GET', '/incidents'),
  },
  {
    name: 'list incidents (status filter)',
    kind: 'list',
    request: 'GET /incidents?status=new',
    status: 200,
    call: (c) => c.agent.send('GET', '/incidents?status=new'),
  },
  {
    name: 'list incidents (two statuses)',
    kind: 'list',
    request: 'GET /incidents?status=new,in_progress',
    status: 200,
    call: (c) => c.agent.send('GET', '/incidents?status=new,in_progress'),
  },
  {
    // The counters (one BatchGetItem, one per status) are read beside the Queries: no extra round.
    name: 'list incidents (count=true)',
    kind: 'list',
    request: 'GET /incidents?status=new,in_progress&count=true',
    status: 200,
    call: (c) => c.agent.send('GET', '/incidents?status=new,in_progress&count=true'),
  },
  {
    name: 'list incidents (opened in the last day)',
    kind: 'list',
    request: 'GET /incidents?openedAfter=<a day ago>',
    status: 200,
    call: (c) => c.agent.send('GET', `/incidents?openedAfter=${new Date(Date.now() - 86_400_000).toISOString()}`),
  },
  {
    name: 'list incidents (status + priority, few matches)',
    kind: 'list, 2+ filters',
    request: 'GET /incidents?status=new&priority=P1',
    status: 200,
    call: (c) => c.agent.send('GET', '/incidents?status=new&priority=P1'),
  },
  {
    name: 'list incidents (requester: own only)',
    kind: 'list',
    request: 'GET /incidents (carol)',
    status: 200,
    call: (c) => c.requester.send('GET', '/incidents'),
  },
  {
    name: 'patch incident (title)',
    kind: 'update',
    request: 'PATCH /incidents/{id}',
    status: 200,
    prepare: (c) => createIncident(c),
    call: (c, i) => c.agent.send('PATCH', `/incidents/${need(i).id}`, { body: { title: 'renamed' }, headers: ifMatch(need(i)) }),
  },
  {
    name: 'patch incident (status new -> in_progress)',
    kind: 'update',
    request: 'PATCH /incidents/{id}',
    status: 200,
    prepare: (c) => createIncident(c),
    call: (c, i) => c.agent.send('PATCH', `/incidents/${need(i).id}`, { body: { status: 'in_progress' }, headers: ifMatch(need(i)) }),
  },
  {
    name: 'patch incident (impact: priority recomputed)',
    kind: 'update',
    request: 'PATCH /incidents/{id}',
    status: 200,
    prepare: (c) => createIncident(c),
    call: (c, i) => c.agent.send('PATCH', `/incidents/${need(i).id}`, { body: { impact: 1 }, headers: ifMatch(need(i)) }),
  },
  {
    name: 'patch incident by number (impact)',
    kind: 'update',
    request: 'PATCH /incidents/{number}',
    status: 200,
    prepare: (c) => createIncident(c),
    call: (c, i) => c.agent.send('PATCH', `/incidents/${need(i).number}`, { body: { impact: 1 }, headers: ifMatch(need(i)) }),
  },
  {
    name: 'add note (work)',
    kind: 'create',
    request: 'POST /incidents/{id}/notes',
    status: 201,
    prepare: (c) => createIncident(c),
    call: (c, i) => c.agent.send('POST', `/incidents/${need(i).id}/notes`, { body: { body: 'checked the logs' } }),
  },
  {
    name: 'add note (agent public: first response)',
    kind: 'create',
    request: 'POST /incidents/{id}/notes',
    status: 201,
    prepare: (c) => createIncident(c),
    call: (c, i) => c.agent.send('POST', `/incidents/${need(i).id}/notes`, { body: { body: 'on it', visibility: 'public' } }),
  },
  {
    name: 'add note (requester)',
    kind: 'create',
    request: 'POST /incidents/{id}/notes',
    status: 201,
    prepare: (c) => createRequesterIncident(c),
    call: (c, i) => c.requester.send('POST', `/incidents/${need(i).id}/notes`, { body: { body: 'still broken' } }),
  },
  {
    name: 'list notes',
    kind: 'list',
    request: 'GET /incidents/{id}/notes',
    status: 200,
    prepare: async (c) => {
      const incident = await createIncident(c);
      await c.agent.send('POST', `/incidents/${incident.id}/notes`, { body: { body: 'a note' } });
      return incident;
    },
    call: (c, i) => c.agent.send('GET', `/incidents/${need(i).id}/notes`),
  },
  {
    name: 'get history',
    kind: 'list',
    request: 'GET /incidents/{id}/history',
    status: 200,
    prepare: async (c) => {
      const incident = await createIncident(c);
      await c.agent.send('PATCH', `/incidents/${incident.id}`, { body: { title: 'renamed' }, headers: ifMatch(incident) });
      return incident;
    },
    call: (c, i) => c.agent.send('GET', `/incidents/${need(i).id}/history`),
  },
  {
    name: 'create change (normal, one service)',
    kind: 'create',
    request: 'POST /changes',
    status: 201,
    call: (c) => c.agent.send('POST', '/changes', { body: { title: `bench change ${++sequence}`, services: ['email'], ...NORMAL_CHANGE, ...plannedWindow() } }),
  },
  {
    name: 'get change by number',
    kind: 'read',
    request: 'GET /changes/{number}',
    status: 200,
    prepare: (c) => createChange(c.agent),
    call: (c, i) => c.agent.send('GET', `/changes/${need(i).number}`),
  },
  {
    name: 'list changes (service filter)',
    kind: 'list',
    request: 'GET /changes?service=email',
    status: 200,
    call: (c) => c.agent.send('GET', '/changes?service=email'),
  },
  {
    name: 'list changes (two services)',
    kind: 'list',
    request: 'GET /changes?service=email,vpn',
    status: 200,
    call: (c) => c.agent.send('GET', '/changes?service=email,vpn'),
  },
  {
    name: 'patch change (title)',
    kind: 'update',
    request: 'PATCH /changes/{id}',
    status: 200,
    prepare: (c) => createChange(c.agent),
    call: (c, i) => c.agent.send('PATCH', `/changes/${need(i).id}`, { body: { title: 'renamed' }, headers: ifMatch(need(i)) }),
  },
  {
    name: 'vote on a change (CAB, not deciding)',
    kind: 'vote',
    request: 'POST /changes/{id}/approvals',
    status: 201,
    prepare: (c) => changeAwaitingCab(c),
    call: (c, i) => c.agent.send('POST', `/changes/${need(i).id}/approvals`, { body: { decision: 'approve' } }),
  },
  {
    // The problem and the incident read together, then one transaction on both (budget: 2, as an update).
    name: 'link incident to a problem',
    kind: 'update',
    request: 'POST /problems/{id}/incidents',
    status: 201,
    prepare: (c) => incidentAndProblem(c),
    call: (c, i) => {
      const prepared = need(i) as Incident & { problemId: string };
      return c.agent.send('POST', `/problems/${prepared.problemId}/incidents`, { body: { incident: prepared.id } });
    },
  },
  {
    name: 'create problem (service, group)',
    kind: 'create',
    request: 'POST /problems',
    status: 201,
    call: (c) =>
      c.agent.send('POST', '/problems', { body: { title: `bench problem ${++sequence}`, service: 'email', assignmentGroup: 'service-desk', impact: 2 } }),
  },
  {
    name: 'get problem by id',
    kind: 'read',
    request: 'GET /problems/{id}',
    status: 200,
    prepare: (c) => createProblem(c.agent),
    call: (c, i) => c.agent.send('GET', `/problems/${need(i).id}`),
  },
  {
    name: 'list problems (status filter)',
    kind: 'list',
    request: 'GET /problems?status=new',
    status: 200,
    call: (c) => c.agent.send('GET', '/problems?status=new'),
  },
  {
    name: 'list problem candidates (open)',
    kind: 'list',
    request: 'GET /problem-candidates?status=open',
    status: 200,
    call: (c) => c.agent.send('GET', '/problem-candidates?status=open'),
  },
  {
    name: 'get problem report',
    kind: 'read',
    request: 'GET /reports/problems',
    status: 200,
    call: (c) => c.agent.send('GET', '/reports/problems'),
  },
  {
    // The known errors of its configuration item, service and category: one Query each, sent with taking the number.
    name: 'incident create with known errors',
    kind: 'create',
    request: 'POST /incidents',
    status: 201,
    prepare: (c) => publishKnownErrors(c),
    call: async (c) => c.agent.send('POST', '/incidents', { body: { title: `bench ${++sequence}`, ...(await knownErrorFields(c)) } }),
  },
  {
    // The incident's known errors as patched are looked up with the transaction.
    name: 'patch incident with known errors (title)',
    kind: 'update',
    request: 'PATCH /incidents/{id}',
    status: 200,
    prepare: async (c) => {
      await publishKnownErrors(c);
      return createIncident(c, await knownErrorFields(c));
    },
    call: (c, i) => c.agent.send('PATCH', `/incidents/${need(i).id}`, { body: { title: 'renamed' }, headers: ifMatch(need(i)) }),
  },
  {
    // The class's stored schema (an admin may have changed a built-in one), then one transaction: the CI, its history, its event.
    name: 'create CI',
    kind: 'create',
    request: 'POST /cis',
    status: 201,
    call: (c) =>
      c.admin.send('POST', '/cis', {
        body: { class: 'lambda_function', name: `bench-fn-${++sequence}`, environment: 'prod', attributes: { runtime: 'nodejs22.x', memorySize: 256 } },
      }),
  },
  {
    name: 'get CI (a service: its directory record)',
    kind: 'read',
    request: 'GET /cis/{service}',
    status: 200,
    call: (c) => c.agent.send('GET', '/cis/payments'),
  },
  {
    name: 'get CI',
    kind: 'read',
    request: 'GET /cis/{id}',
    status: 200,
    prepare: (c) => tableUnderAChain(c),
    call: (c, i) => c.agent.send('GET', `/cis/${need(i).id}`),
  },
  {
    // Three levels (table <- function <- API <- load balancer), then the four CIs found in one BatchGet.
    name: 'impact of a CI (depth 3)',
    kind: 'impact, depth 3',
    request: 'GET /cis/{id}/impact?depth=3',
    status: 200,
    prepare: (c) => tableUnderAChain(c),
    call: (c, i) => c.agent.send('GET', `/cis/${need(i).id}/impact?depth=3`),
  },
  {
    name: 'list known errors (service filter)',
    kind: 'list',
    request: 'GET /known-errors?service=vpn',
    status: 200,
    prepare: (c) => publishKnownErrors(c),
    call: (c) => c.agent.send('GET', '/known-errors?service=vpn'),
  },
  // Service requests (issue 15): last, as their workflows keep working after the calls that start them.
  {
    // The item, a number, the request configuration and the requester's user read together, then one
    // transaction (request, history, event); then StartExecution of its workflow (not DynamoDB).
    name: 'create request',
    kind: 'create',
    request: 'POST /requests (then StartExecution)',
    status: 201,
    awaitWorkflows: true,
    ownRoundsEndWith: 'TransactWriteItems',
    call: (c) => c.requester.send('POST', '/requests', { body: { item: 'password-reset', answers: PASSWORD_RESET } }),
  },
  {
    name: 'get request',
    kind: 'read',
    request: 'GET /requests/{id}',
    status: 200,
    awaitWorkflows: true,
    prepare: (c) => orderRequest(c, 'password-reset', PASSWORD_RESET),
    call: (c, i) => c.requester.send('GET', `/requests/${need(i).id}`),
  },
  {
    name: "list requests (requester's own)",
    kind: 'list',
    request: 'GET /requests',
    status: 200,
    awaitWorkflows: true,
    call: (c) => c.requester.send('GET', '/requests'),
  },
  {
    // One Query of gsi2 (TASK#GROUP#<group>, begins_with <status>#).
    name: 'list tasks by group and status',
    kind: 'list',
    request: 'GET /tasks?assignmentGroup=service-desk&status=open',
    status: 200,
    awaitWorkflows: true,
    prepare: (c) => openTask(c),
    call: (c) => c.agent.send('GET', '/tasks?assignmentGroup=service-desk&status=open'),
  },
  {
    // The request and its stages and votes read together (addressed by id), then one transaction:
    // the vote, the stage, the request, its history and event, the voter's asked entry removed.
    name: 'vote on an approval stage',
    kind: 'stage vote',
    request: 'POST /requests/{id}/approvals',
    status: 201,
    awaitWorkflows: true,
    prepare: (c) => requestAwaitingCab(c),
    call: (c, i) => c.agent.send('POST', `/requests/${need(i).id}/approvals`, { body: { decision: 'approve' } }),
  },
  {
    // The task, then its request, then one transaction: the task, the request's task summary (here
    // the last task: the request fulfilled), both histories and events.
    name: 'close a task',
    kind: 'task status change',
    request: 'PATCH /tasks/{id}',
    status: 200,
    awaitWorkflows: true,
    prepare: (c) => openTask(c),
    call: (c, i) => c.agent.send('PATCH', `/tasks/${need(i).id}`, { body: { status: 'closed_complete' }, headers: ifMatch(need(i)) }),
  },
];

/** Waits until the table has had no request for `quietMs` (a workflow step would send some), at most ~20 s. */
async function tableQuiet(counter: { reset(): void; operations(): string[] }, settled: () => Promise<void>, quietMs = 400): Promise<void> {
  for (let i = 0; i < 50; i++) {
    await settled();
    counter.reset();
    await new Promise((resolve) => setTimeout(resolve, quietMs));
    if (counter.operations().length === 0) return;
  }
  throw new Error('the table never went quiet (a workflow kept working)');
}

/** The call's own rounds: up to and including the first holding `lastOperation` (all of them without one, or when none holds it). */
function ownRounds(rounds: string[][], lastOperation: string | undefined): string[][] {
  const last = lastOperation === undefined ? -1 : rounds.findIndex((round) => round.includes(lastOperation));
  return last === -1 ? rounds : rounds.slice(0, last + 1);
}

/** A table with more than one page of incidents of mixed status and priority, like a working desk. */
async function fillTable(clients: Clients): Promise<void> {
  for (let n = 0; n < 60; n++) {
    const incident = await createIncident(clients, { impact: 3 - (n % 3), urgency: 3 - (Math.floor(n / 3) % 3) });
    if (n % 4 === 0) {
      const moved = await clients.agent.send('PATCH', `/incidents/${incident.id}`, { body: { status: 'in_progress' }, headers: ifMatch(incident) });
      if (moved.status !== 200) throw new Error(`preparing the table failed: ${moved.status} ${moved.text}`);
    }
  }
  for (let n = 0; n < 5; n++) await createRequesterIncident(clients);
}

/**
 * DynamoDB requests per API call, counted on the wire by a proxy in front of DynamoDB Local
 * (local/request-counter.ts): the handlers run unchanged in this process through the local runtime.
 * Each scenario runs twice; the second (warm) call is reported, and the first call too if it differs.
 */
export async function measureRoundTrips(dynamoDbEndpoint: string): Promise<RoundTripResult[]> {
  const counter = await startRequestCounter(dynamoDbEndpoint);
  // Stream consumers poll only when settled() asks: the outbox publisher reading a just-committed
  // record would otherwise land in the middle of the call being counted.
  const stack = await startLocalStack({
    dynamoDbEndpoint: counter.endpoint,
    tableName: `bench-round-trips-${Date.now()}`,
    httpPort: 0,
    seed: true,
    printPublished: false,
    streamPollIntervalMs: 600_000,
  });
  const clients: Clients = {
    agent: httpClient(stack.url, await stack.token('alice', ['agent'])),
    requester: httpClient(stack.url, await stack.token('carol', [])),
    colleague: httpClient(stack.url, await stack.token('bob', ['agent'])),
    admin: httpClient(stack.url, await stack.token('ada', ['admin'])),
  };
  try {
    await fillTable(clients);
    const results: RoundTripResult[] = [];
    for (const scenario of SCENARIOS) {
      const calls: string[][][] = [];
      for (let attempt = 0; attempt < 2; attempt++) {
        const incident = await scenario.prepare?.(clients);
        // The stream consumers (the outbox publisher) read the table after each write: let them
        // finish, so only the call's own requests are counted.
        await stack.settled();
        if (scenario.awaitWorkflows === true) await tableQuiet(counter, () => stack.settled());
        counter.reset();
        // A simulated network delay makes concurrent requests overlap on the wire, as in AWS.
        counter.setLatency(SIMULATED_LATENCY_MS);
        const reply = await scenario.call(clients, incident).finally(() => counter.setLatency(0));
        calls.push(counter.rounds().map((round) => round.sort()));
        if (reply.status !== scenario.status) {
          throw new Error(`${scenario.name}: expected HTTP ${scenario.status}, got ${reply.status} ${reply.text}`);
        }
      }
      const [first, warm] = calls.map((rounds) => ownRounds(rounds, scenario.ownRoundsEndWith)) as [string[][], string[][]];
      const workflowRounds = (calls[1] as string[][]).length - warm.length;
      const budget = ROUND_TRIP_BUDGETS[scenario.kind];
      results.push({
        name: scenario.name,
        request: scenario.request,
        kind: scenario.kind,
        budget,
        rounds: warm,
        ...(JSON.stringify(first) === JSON.stringify(warm) ? {} : { firstCall: first }),
        ...(workflowRounds > 0 ? { workflowRounds } : {}),
        withinBudget:
          warm.length <= budget &&
          first.length <= budget &&
          operationRoundMisses(scenario.kind, warm).length === 0 &&
          operationRoundMisses(scenario.kind, first).length === 0,
      });
    }
    return results;
  } finally {
    clients.agent.close();
    clients.requester.close();
    clients.colleague.close();
    clients.admin.close();
    await stack.stop();
    await counter.stop();
  }
}
