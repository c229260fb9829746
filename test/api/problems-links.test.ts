import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { PublishedEvent, PublishedNotification } from '../../local/published-log.ts';
import { type RequestCounter, startRequestCounter } from '../../local/request-counter.ts';
import { agent, type Client, requester, startTestStack, type TestStack } from '../support/api.ts';
import { roundTripsOf } from '../support/round-trips.ts';

/*
 * Links between problems and incidents over HTTP against the local stack: linking and unlinking
 * both records in one transaction (records, histories, events), the one-problem-per-incident rule
 * (sequential and racing), If-Match and Idempotency-Key, the paginated list, requesters, and the
 * round-trip budget of a link. The reactions (a resolved problem telling its incidents, a fix
 * change closing) are in problems-links-reactions.test.ts.
 */

let counter: RequestCounter;
let stack: TestStack;
let alice: Client;
let bob: Client;
let carol: Client;

type Row = Record<string, any> & { id: string; number: string; version: number };

const ifMatch = (record: { version: number }) => ({ 'if-match': `"${record.version}"` });

async function openProblem(body: Record<string, unknown> = {}): Promise<Row> {
  const reply = await alice.post('/problems', { title: 'Mail queue stalls', service: 'email', assignmentGroup: 'service-desk', ...body });
  expect(reply.status, JSON.stringify(reply.body)).toBe(201);
  return reply.body;
}

async function openIncident(body: Record<string, unknown> = {}, client: Client = alice): Promise<Row> {
  const reply = await client.post('/incidents', { title: 'Mail stuck in the outbox', service: 'email', ...body });
  expect(reply.status, JSON.stringify(reply.body)).toBe(201);
  return reply.body;
}

const get = async (path: string): Promise<Row> => {
  const reply = await alice.get(path);
  expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  return reply.body;
};

async function link(problem: { id: string }, incident: string, headers?: Record<string, string>) {
  return alice.post(`/problems/${problem.id}/incidents`, { incident }, headers);
}

beforeAll(async () => {
  counter = await startRequestCounter(inject('dynamoDbEndpoint'));
  stack = await startTestStack({ dynamoDbEndpoint: counter.endpoint });
  [alice, bob, carol] = await Promise.all([agent(stack), agent(stack, 'bob'), requester(stack)]);
});
afterAll(async () => {
  await stack.stop();
  await counter.stop();
});

describe('POST /problems/{id}/incidents', () => {
  it('links both records in one write: the problem counts it (new version, history, event), the incident names the problem', async () => {
    const problem = await openProblem();
    const incident = await openIncident({ assignmentGroup: 'service-desk' });

    const reply = await link(problem, incident.id);
    expect(reply.status, JSON.stringify(reply.body)).toBe(201);
    expect(reply.headers.get('etag')).toBe(`"${problem.version + 1}"`);
    expect(reply.body).toMatchObject({
      problem: { id: problem.id, number: problem.number, version: problem.version + 1, linkedIncidentCount: 1 },
      incident: { id: incident.id, number: incident.number, title: 'Mail stuck in the outbox', status: 'new', priority: incident.priority, linkedBy: 'alice' },
    });

    const [afterProblem, afterIncident] = await Promise.all([get(`/problems/${problem.id}`), get(`/incidents/${incident.id}`)]);
    expect(afterProblem).toMatchObject({ linkedIncidentCount: 1, version: problem.version + 1 });
    expect(afterIncident).toMatchObject({ problem: { id: problem.id, number: problem.number }, version: incident.version + 1 });

    const problemHistory = (await get(`/problems/${problem.id}/history`)).items;
    expect(problemHistory.at(-1)).toMatchObject({
      action: 'incident_linked',
      actor: 'alice',
      version: problem.version + 1,
      changes: [
        { field: 'incident', from: null, to: { id: incident.id, number: incident.number } },
        { field: 'linkedIncidentCount', from: 0, to: 1 },
      ],
    });
    const incidentHistory = (await get(`/incidents/${incident.id}/history`)).items;
    expect(incidentHistory.at(-1)).toMatchObject({
      action: 'updated',
      actor: 'alice',
      version: incident.version + 1,
      changes: [{ field: 'problem', from: null, to: { id: problem.id, number: problem.number } }],
    });

    await stack.settled();
    const events = stack.published.events() as PublishedEvent[];
    const linked = events.find((e) => e.detailType === 'Problem Incident Linked' && (e.detail as any).problem.id === problem.id);
    expect(linked?.detail).toMatchObject({ incident: { id: incident.id, number: incident.number }, problem: { version: problem.version + 1 } });
    const updated = events.find((e) => e.detailType === 'Incident Updated' && (e.detail as any).incident.id === incident.id);
    expect((updated?.detail as any).changes).toEqual([{ field: 'problem', from: null, to: { id: problem.id, number: problem.number } }]);
  });

  it('takes the problem and the incident by number', async () => {
    const problem = await openProblem();
    const incident = await openIncident();
    const reply = await alice.post(`/problems/${problem.number}/incidents`, { incident: incident.number });
    expect(reply.status, JSON.stringify(reply.body)).toBe(201);
    expect((await get(`/incidents/${incident.number}`)).problem).toEqual({ id: problem.id, number: problem.number });
  });

  it('refuses a second problem: 409 incident-already-linked naming the problem it is linked to; nothing changes', async () => {
    const first = await openProblem();
    const second = await openProblem({ title: 'Another cause' });
    const incident = await openIncident();
    expect((await link(first, incident.id)).status).toBe(201);

    const refused = await link(second, incident.number);
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({
      type: 'tag:open-itsm,2026:problem/incident-already-linked',
      linkedProblem: { id: first.id, number: first.number },
      incident: { id: incident.id, number: incident.number },
    });
    expect(refused.body.detail).toContain(first.number);
    // To the same problem again: refused as well, naming it.
    const again = await link(first, incident.id);
    expect(again.status).toBe(409);
    expect(again.body.linkedProblem).toEqual({ id: first.id, number: first.number });

    expect(await get(`/problems/${second.id}`)).toMatchObject({ linkedIncidentCount: 0, version: second.version });
    expect(await get(`/problems/${first.id}`)).toMatchObject({ linkedIncidentCount: 1, version: first.version + 1 });
    expect((await get(`/incidents/${incident.id}`)).problem).toEqual({ id: first.id, number: first.number });
  });

  it('links one incident to exactly one of two problems racing for it', async () => {
    const problems = await Promise.all([openProblem({ title: 'Race A' }), openProblem({ title: 'Race B' })]);
    for (let round = 0; round < 3; round++) {
      const incident = await openIncident({ title: `Raced ${round}` });
      const replies = await Promise.all(problems.map((problem) => link(problem, incident.id)));
      expect(replies.map((r) => r.status).sort()).toEqual([201, 409]);
      const winner = problems[replies.findIndex((r) => r.status === 201)]!;
      const loser = replies.find((r) => r.status === 409)!;
      expect(loser.body.linkedProblem).toEqual({ id: winner.id, number: winner.number });
      expect((await get(`/incidents/${incident.id}`)).problem).toEqual({ id: winner.id, number: winner.number });
    }
    const counts = await Promise.all(problems.map(async (problem) => (await get(`/problems/${problem.id}`)).linkedIncidentCount));
    expect(counts[0]! + counts[1]!).toBe(3);
    const listed = await Promise.all(problems.map(async (problem) => (await get(`/problems/${problem.id}/incidents`)).items.length));
    expect(listed).toEqual(counts);
  });

  it('links several incidents to one problem at once: each counted once, every version moves', async () => {
    const problem = await openProblem();
    const incidents = await Promise.all([1, 2, 3, 4].map((n) => openIncident({ title: `Burst ${n}` })));
    const replies = await Promise.all(incidents.map((incident) => link(problem, incident.id)));
    expect(replies.map((r) => r.status)).toEqual([201, 201, 201, 201]);
    expect(await get(`/problems/${problem.id}`)).toMatchObject({ linkedIncidentCount: 4, version: problem.version + 4 });
  });

  it('takes a burst of 12 links to one problem at once: each made or answered 409 link-contended (never a 500), counted exactly', async () => {
    const problem = await openProblem();
    const incidents = await Promise.all(Array.from({ length: 12 }, (_, n) => openIncident({ title: `Storm ${n}` })));
    const replies = await Promise.all(incidents.map((incident) => link(problem, incident.id)));
    for (const reply of replies) {
      expect([201, 409], JSON.stringify(reply.body)).toContain(reply.status);
      if (reply.status === 409) {
        expect(reply.body.type).toBe('tag:open-itsm,2026:problem/link-contended');
        expect(reply.headers.get('retry-after')).toBe('1');
      }
    }
    const linked = incidents.filter((_, i) => replies[i]!.status === 201);
    expect(linked.length).toBeGreaterThan(0);
    const after = await get(`/problems/${problem.id}`);
    expect(after).toMatchObject({ linkedIncidentCount: linked.length, version: problem.version + linked.length });
    const listed = await get(`/problems/${problem.id}/incidents?limit=100`);
    expect(listed.items.map((i: Row) => i.id).sort()).toEqual(linked.map((i) => i.id).sort());
    const links = (await get(`/problems/${problem.id}/history?limit=100`)).items.filter((h: Row) => h.action === 'incident_linked');
    expect(links.map((h: Row) => h.changes[1].to)).toEqual(Array.from({ length: linked.length }, (_, n) => n + 1));
  });

  it('honours If-Match when sent (412 when stale) and works without it', async () => {
    const problem = await openProblem();
    const [a, b] = await Promise.all([openIncident(), openIncident()]);
    expect((await link(problem, a.id, ifMatch(problem))).status).toBe(201);
    const stale = await link(problem, b.id, ifMatch(problem));
    expect(stale.status).toBe(412);
    expect(stale.body.currentEtag).toBe(`"${problem.version + 1}"`);
    expect((await get(`/incidents/${b.id}`)).problem).toBeUndefined();
  });

  it('replays a retried link with the same Idempotency-Key', async () => {
    const problem = await openProblem();
    const incident = await openIncident();
    const key = { 'idempotency-key': `link-${incident.id}` };
    const first = await link(problem, incident.id, key);
    expect(first.status).toBe(201);
    const retry = await link(problem, incident.id, key);
    expect(retry.status).toBe(201);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.body).toEqual(first.body);
    expect((await get(`/problems/${problem.id}`)).linkedIncidentCount).toBe(1);
  });

  it('refuses an incident that does not exist (400 on incident) and a problem that does not (404)', async () => {
    const problem = await openProblem();
    const missing = await link(problem, 'INC9999999');
    expect(missing.status).toBe(400);
    expect(missing.body.errors[0]).toMatchObject({ location: 'body', path: 'incident' });
    const incident = await openIncident();
    expect((await alice.post('/problems/PRB9999999/incidents', { incident: incident.id })).status).toBe(404);
  });

  it('refuses links to a canceled problem (409 problem-closed)', async () => {
    const problem = await openProblem();
    const canceled = await alice.patch(`/problems/${problem.id}`, { status: 'canceled' }, ifMatch(problem));
    expect(canceled.status, JSON.stringify(canceled.body)).toBe(200);
    const incident = await openIncident();
    const reply = await link(problem, incident.id);
    expect(reply.status).toBe(409);
    expect(reply.body).toMatchObject({ type: 'tag:open-itsm,2026:problem/problem-closed', problemStatus: 'canceled' });
  });

  it('keeps the link when the incident is patched, and shows it in the incident list', async () => {
    const problem = await openProblem();
    const incident = await openIncident();
    expect((await link(problem, incident.id)).status).toBe(201);
    const linked = await get(`/incidents/${incident.id}`);
    const patched = await alice.patch(`/incidents/${incident.id}`, { status: 'in_progress', urgency: 1 }, ifMatch(linked));
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    expect(patched.body.problem).toEqual({ id: problem.id, number: problem.number });
    expect((await get(`/incidents/${incident.id}`)).problem).toEqual({ id: problem.id, number: problem.number });
  });

  it('is 404 to requesters on every route, even for their own incident, and their incident names no problem', async () => {
    const problem = await openProblem();
    const own = await openIncident({}, carol);
    expect((await carol.post(`/problems/${problem.id}/incidents`, { incident: own.id })).status).toBe(404);
    expect((await carol.get(`/problems/${problem.id}/incidents`)).status).toBe(404);
    expect((await alice.post(`/problems/${problem.id}/incidents`, { incident: own.id })).status).toBe(201);
    expect((await carol.delete(`/problems/${problem.id}/incidents/${own.id}`)).status).toBe(404);
    expect((await get(`/incidents/${own.id}`)).problem).toEqual({ id: problem.id, number: problem.number });
    // To a requester problem management does not exist: their incident names no problem.
    const seen = await carol.get(`/incidents/${own.id}`);
    expect(seen.status).toBe(200);
    expect(seen.body).not.toHaveProperty('problem');
    const listed = await carol.get('/incidents');
    expect(listed.body.items.find((i: Row) => i.id === own.id)).toBeDefined();
    expect(listed.body.items.every((i: Row) => i.problem === undefined)).toBe(true);
    expect((await alice.get('/incidents?caller=carol')).body.items.find((i: Row) => i.id === own.id)?.problem).toEqual({
      id: problem.id,
      number: problem.number,
    });
    // Nor does its history: the link (and the unlink) are not there for them; agents see both.
    expect((await alice.delete(`/problems/${problem.id}/incidents/${own.id}`)).status).toBe(204);
    const history = await carol.get(`/incidents/${own.id}/history`);
    expect(history.status).toBe(200);
    expect(history.body.items.map((h: Row) => h.action)).toEqual(['created']);
    expect(JSON.stringify(history.body)).not.toContain(problem.number);
    const agentHistory = (await get(`/incidents/${own.id}/history`)).items;
    expect(agentHistory.map((h: Row) => h.changes.map((c: { field: string }) => c.field))).toEqual([expect.any(Array), ['problem'], ['problem']]);
  });
});

describe('GET /problems/{id}/incidents', () => {
  it('pages the linked incidents newest link first, each as it is now', async () => {
    const problem = await openProblem();
    const incidents: Row[] = [];
    for (const n of [1, 2, 3]) {
      const incident = await openIncident({ title: `Listed ${n}` });
      expect((await link(problem, incident.id)).status).toBe(201);
      incidents.push(incident);
    }
    // The list shows the incident as it is, not as it was when linked.
    const current = await get(`/incidents/${incidents[0]!.id}`);
    expect((await alice.patch(`/incidents/${current.id}`, { status: 'in_progress' }, ifMatch(current))).status).toBe(200);

    const first = await get(`/problems/${problem.number}/incidents?limit=2`);
    expect(first.items.map((i: Row) => i.number)).toEqual([incidents[2]!.number, incidents[1]!.number]);
    expect(first.items[0]).toMatchObject({ id: incidents[2]!.id, title: 'Listed 3', status: 'new', linkedBy: 'alice' });
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = await get(`/problems/${problem.id}/incidents?limit=2&cursor=${encodeURIComponent(first.nextCursor)}`);
    expect(second.items.map((i: Row) => i.number)).toEqual([incidents[0]!.number]);
    expect(second.items[0]).toMatchObject({ title: 'Listed 1', status: 'in_progress' });
    expect(second.nextCursor).toBeUndefined();
  });

  it('is 404 for a problem that does not exist', async () => {
    expect((await alice.get('/problems/PRB9999999/incidents')).status).toBe(404);
  });
});

describe('DELETE /problems/{id}/incidents/{incident}', () => {
  it('unlinks both records in one write; a second unlink is 404; the incident may then be linked elsewhere', async () => {
    const problem = await openProblem();
    const other = await openProblem({ title: 'The real cause' });
    const incident = await openIncident();
    expect((await link(problem, incident.id)).status).toBe(201);
    const linked = await get(`/problems/${problem.id}`);

    const reply = await bob.delete(`/problems/${problem.id}/incidents/${incident.number}`);
    expect(reply.status, JSON.stringify(reply.body)).toBe(204);
    expect(reply.headers.get('etag')).toBe(`"${linked.version + 1}"`);
    expect(await get(`/problems/${problem.id}`)).toMatchObject({ linkedIncidentCount: 0, version: linked.version + 1 });
    const unlinked = await get(`/incidents/${incident.id}`);
    expect(unlinked.problem).toBeUndefined();
    expect(unlinked.version).toBe(incident.version + 2);
    expect((await get(`/problems/${problem.id}/incidents`)).items).toEqual([]);

    expect((await get(`/problems/${problem.id}/history`)).items.at(-1)).toMatchObject({
      action: 'incident_unlinked',
      actor: 'bob',
      changes: [
        { field: 'incident', from: { id: incident.id, number: incident.number }, to: null },
        { field: 'linkedIncidentCount', from: 1, to: 0 },
      ],
    });
    expect((await get(`/incidents/${incident.id}/history`)).items.at(-1)).toMatchObject({
      actor: 'bob',
      changes: [{ field: 'problem', from: { id: problem.id, number: problem.number }, to: null }],
    });

    expect((await bob.delete(`/problems/${problem.id}/incidents/${incident.id}`)).status).toBe(404);
    expect((await link(other, incident.id)).status).toBe(201);
    // Unlinking from a problem it is not linked to is 404 and leaves the link alone.
    expect((await bob.delete(`/problems/${problem.id}/incidents/${incident.id}`)).status).toBe(404);
    expect((await get(`/incidents/${incident.id}`)).problem).toEqual({ id: other.id, number: other.number });

    await stack.settled();
    const unlinkedEvent = (stack.published.events() as PublishedEvent[]).find(
      (e) => e.detailType === 'Problem Incident Unlinked' && (e.detail as any).problem.id === problem.id,
    );
    expect(unlinkedEvent?.detail).toMatchObject({ actor: 'bob', incident: { id: incident.id, number: incident.number } });
    const notification = (stack.published.notifications() as PublishedNotification[]).find(
      (n) => (n.message as any).type === 'Problem Incident Unlinked' && (n.message as any).problem.id === problem.id,
    );
    expect((notification?.message as any).recipients).toEqual({ users: [], groups: ['service-desk'] });
  });
});

describe('DynamoDB round trips (hard budget)', () => {
  const measure = (run: () => Promise<{ status: number; body?: unknown }>) => roundTripsOf(stack, counter, run);

  it('link: 2 (both records read together, then one transaction), by id or by number; unlink: 2', async () => {
    const problem = await openProblem();
    const [a, b] = await Promise.all([openIncident(), openIncident({ title: 'By number' })]);
    expect(await measure(() => link(problem, a.id))).toEqual([['GetItem', 'Query'], ['TransactWriteItems']]);
    expect(await measure(() => alice.post(`/problems/${problem.number}/incidents`, { incident: b.number }))).toEqual([
      ['Query', 'Query'],
      ['TransactWriteItems'],
    ]);
    expect(await measure(() => alice.delete(`/problems/${problem.id}/incidents/${a.id}`))).toEqual([['GetItem', 'Query'], ['TransactWriteItems']]);
  });
});
