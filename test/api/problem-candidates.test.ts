import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueryCommand } from '../../functions/shared/store/dynamodb.ts';
import { admin, agent, type Client, requester, startTestStack, type TestStack } from '../support/api.ts';

let stack: TestStack;
let ada: Client;
let alice: Client;

beforeAll(async () => {
  stack = await startTestStack();
  ada = await admin(stack);
  alice = await agent(stack);
});
afterAll(() => stack.stop());

interface Candidate {
  id: string;
  number: string;
  status: string;
  key: { kind: string; service?: string; category?: string; dedupKey?: string };
  incidents: { id: string; number: string }[];
  rule: { threshold: number; windowDays: number };
  assignmentGroup?: string;
  acceptance?: { problem: { id: string; number: string }; by: string; at: string };
}

/** A candidate's history records, oldest first (no route serves them: read from the table). */
async function candidateHistory(id: string): Promise<{ actor: string; action: string; version: number; changes: { field: string; to: unknown }[] }[]> {
  const { db, TABLE_NAME } = await import('../../functions/shared/store/db.ts');
  const page = await db.send(
    new QueryCommand({
      TableName: TABLE_NAME,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :history)',
      ExpressionAttributeValues: { ':pk': `PROBLEMCANDIDATE#${id}`, ':history': 'HISTORY#' },
    }),
  );
  return (page.Items ?? []) as never;
}

/** The published events of one candidate, of one type. */
const candidateEvents = (type: string, id: string) =>
  stack.published
    .events()
    .filter((e) => e.detailType === type && (e.detail as { candidate: { id: string } }).candidate.id === id)
    .map((e) => e.detail as { actor: string; candidate: { status: string; problem?: { id: string; number: string } } });

const openIncident = async (service: string, category: string, title = 'Card payments fail') => {
  const reply = await alice.post('/incidents', { title, service, category, impact: 2, urgency: 2 });
  expect(reply.status).toBe(201);
  return reply.body as { id: string; number: string };
};

/** Every candidate (all pages), once the stream has counted every incident written so far. */
async function candidates(query = ''): Promise<Candidate[]> {
  await stack.settled();
  const all: Candidate[] = [];
  let cursor: string | undefined;
  do {
    const reply = await alice.get(`/problem-candidates?limit=100${query}${cursor === undefined ? '' : `&cursor=${encodeURIComponent(cursor)}`}`);
    expect(reply.status).toBe(200);
    all.push(...reply.body.items);
    cursor = reply.body.nextCursor;
  } while (cursor !== undefined);
  return all;
}

const ofCategory = (list: Candidate[], category: string) => list.filter((c) => c.key.category === category);

describe('recurring incidents on one service and category', () => {
  it('three incidents opened at once make exactly one candidate, with them; a fourth makes no second one', async () => {
    const opened = await Promise.all([
      openIncident('payments', 'Card Network'),
      openIncident('payments', 'card network'),
      openIncident('payments', '  card   network '),
    ]);
    const found = ofCategory(await candidates(), 'card network');
    expect(found).toHaveLength(1);
    const [candidate] = found as [Candidate];
    expect(candidate).toMatchObject({
      status: 'open',
      key: { kind: 'service_category', service: 'payments', category: 'card network' },
      rule: { threshold: 3, windowDays: 7 },
      assignmentGroup: 'database',
    });
    expect(candidate.number).toMatch(/^PRC\d{7}$/);
    expect(candidate.incidents.map((i) => i.number).sort()).toEqual(opened.map((i) => i.number).sort());

    await openIncident('payments', 'card network');
    expect(ofCategory(await candidates(), 'card network')).toHaveLength(1);

    // Announced once, to the service's owner group, without the category (free text).
    const events = stack.published.events().filter((e) => e.detailType === 'Problem Candidate Found');
    const mine = events.filter((e) => (e.detail as { candidate: { id: string } }).candidate.id === candidate.id);
    expect(mine).toHaveLength(1);
    expect(JSON.stringify(mine[0]?.detail)).not.toContain('card network');
    const notification = stack.published.notifications().find((n) => JSON.stringify(n.message).includes(candidate.number));
    expect(notification?.attributes.eventType).toBe('Problem Candidate Found');
    expect(notification?.attributes.assignmentGroup).toBe('database');
    expect(JSON.stringify(notification?.message)).toContain('"groups":["database"]');
  });

  it('two incidents, or incidents of another service, are not enough', async () => {
    await openIncident('vpn', 'tunnel drops');
    await openIncident('vpn', 'tunnel drops');
    await openIncident('email', 'tunnel drops');
    expect(ofCategory(await candidates(), 'tunnel drops')).toEqual([]);
  });
});

describe('recurring alerts (the same dedup key)', () => {
  it('three incidents opened by one dedup key, one after the other resolved, make one candidate', async () => {
    const integration = await ada.post('/services/intranet/integrations', { name: 'Prometheus', rateLimitPerMinute: 10_000 });
    expect(integration.status).toBe(201);
    const send = (event_action: string) =>
      stack.anonymous.post('/v2/enqueue', {
        routing_key: integration.body.routingKey,
        event_action,
        dedup_key: 'intranet-disk-full',
        payload: { summary: 'Disk full on intranet-1', source: 'prometheus', severity: 'error' },
      });
    for (let i = 0; i < 3; i++) {
      expect((await send('trigger')).status).toBe(202);
      await stack.settled();
      expect((await send('resolve')).status).toBe(202);
      await stack.settled();
    }
    const found = (await candidates()).filter((c) => c.key.dedupKey === 'intranet-disk-full');
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ key: { kind: 'dedup_key', service: 'intranet', dedupKey: 'intranet-disk-full' }, assignmentGroup: 'service-desk' });
    expect(found[0]?.incidents).toHaveLength(3);
  });
});

describe('/problem-config', () => {
  it('starts with the default (3 in 7 days) and an override changes the threshold of its service', async () => {
    const current = await alice.get('/problem-config');
    expect(current.status).toBe(200);
    expect(current.body).toEqual({ threshold: 3, windowDays: 7, services: {}, version: 0 });
    expect(current.headers.get('etag')).toBe('"0"');

    const replaced = await ada.put(
      '/problem-config',
      { threshold: 3, windowDays: 7, services: { email: { threshold: 2, windowDays: 3 } } },
      { 'if-match': '"0"' },
    );
    expect(replaced.status).toBe(200);
    expect(replaced.body).toMatchObject({ services: { email: { threshold: 2, windowDays: 3 } }, version: 1 });

    await openIncident('email', 'bounces');
    await openIncident('email', 'bounces');
    const found = ofCategory(await candidates(), 'bounces');
    expect(found).toHaveLength(1);
    expect(found[0]?.rule).toEqual({ threshold: 2, windowDays: 3 });
  });

  it('validates with field paths, needs If-Match and an admin', async () => {
    const bad = await ada.put(
      '/problem-config',
      { threshold: 1, windowDays: 400, services: { nowhere: { threshold: 2, windowDays: 3 } } },
      { 'if-match': '*' },
    );
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['threshold', 'windowDays']);
    const unknown = await ada.put(
      '/problem-config',
      { threshold: 3, windowDays: 7, services: { nowhere: { threshold: 2, windowDays: 3 } } },
      { 'if-match': '*' },
    );
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors).toEqual([expect.objectContaining({ path: 'services.nowhere' })]);
    expect((await ada.put('/problem-config', { threshold: 3, windowDays: 7 }, { 'if-match': '"0"' })).status).toBe(412);
    expect((await ada.put('/problem-config', { threshold: 3, windowDays: 7 })).status).toBe(428);
    expect((await alice.put('/problem-config', { threshold: 3, windowDays: 7 }, { 'if-match': '*' })).status).toBe(403);
    // To requesters problem management does not exist; an agent may read it but not change it.
    const carol = await requester(stack);
    expect((await carol.get('/problem-config')).status).toBe(404);
    expect((await carol.put('/problem-config', { threshold: 3, windowDays: 7 }, { 'if-match': '*' })).status).toBe(404);
  });
});

describe('accepting and dismissing', () => {
  it('accept opens a problem from the key with the incidents linked; accepting again answers the same problem', async () => {
    const opened = [await openIncident('vpn', 'dns failures'), await openIncident('vpn', 'dns failures'), await openIncident('vpn', 'dns failures')];
    const [candidate] = ofCategory(await candidates(), 'dns failures') as [Candidate];

    const accepted = await alice.post(`/problem-candidates/${candidate.id}/accept`, {});
    expect(accepted.status).toBe(201);
    expect(accepted.body).toMatchObject({ status: 'new', service: 'vpn', category: 'dns failures', assignmentGroup: 'network', linkedIncidentCount: 3 });
    expect(accepted.body.title).toContain('dns failures');
    for (const incident of opened) {
      expect((await alice.get(`/incidents/${incident.id}`)).body.problem).toEqual({ id: accepted.body.id, number: accepted.body.number });
    }
    const again = await alice.post(`/problem-candidates/${candidate.id}/accept`, {});
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ id: accepted.body.id, linkedIncidentCount: 3, notLinked: [] });
    expect(accepted.body.candidate).toEqual({ id: candidate.id, number: candidate.number });
    expect(accepted.body.notLinked).toEqual([]);

    const read = await alice.get(`/problem-candidates/${candidate.id}`);
    expect(read.body).toMatchObject({ status: 'accepted', acceptance: { problem: { id: accepted.body.id, number: accepted.body.number }, by: 'alice' } });
    expect(read.body).not.toHaveProperty('problem');
    expect((await alice.post(`/problem-candidates/${candidate.id}/dismiss`, { reason: 'too late' })).status).toBe(409);

    // Recorded: the history (found, then accepted by alice) and one event naming the problem.
    const history = await candidateHistory(candidate.id);
    expect(history.map((h) => [h.action, h.actor, h.version])).toEqual([
      ['created', 'problem-detection', 1],
      ['updated', 'alice', 2],
    ]);
    expect(history[1]?.changes).toEqual([
      { field: 'status', from: 'open', to: 'accepted' },
      { field: 'acceptance', from: null, to: read.body.acceptance },
    ]);
    await stack.settled();
    const events = candidateEvents('Problem Candidate Accepted', candidate.id);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ actor: 'alice', candidate: { status: 'accepted', problem: { id: accepted.body.id, number: accepted.body.number } } });
  });

  it('accept leaves an incident linked to another problem where it is, and says so', async () => {
    const opened = [await openIncident('vpn', 'cert expiry'), await openIncident('vpn', 'cert expiry'), await openIncident('vpn', 'cert expiry')];
    const [candidate] = ofCategory(await candidates(), 'cert expiry') as [Candidate];
    const other = await alice.post('/problems', { title: 'Certificates expire unnoticed' });
    expect(other.status).toBe(201);
    const taken = opened[1] as { id: string; number: string };
    expect((await alice.post(`/problems/${other.body.id}/incidents`, { incident: taken.id })).status).toBe(201);

    const accepted = await alice.post(`/problem-candidates/${candidate.id}/accept`, {});
    expect(accepted.status).toBe(201);
    expect(accepted.body.linkedIncidentCount).toBe(2);
    expect(accepted.body.notLinked).toEqual([
      { incident: { id: taken.id, number: taken.number }, linkedProblem: { id: other.body.id, number: other.body.number } },
    ]);
    expect((await alice.get(`/incidents/${taken.id}`)).body.problem).toEqual({ id: other.body.id, number: other.body.number });
  });

  it('two accepts of one candidate at once open one problem, and both answer it', async () => {
    for (let i = 0; i < 3; i++) await openIncident('intranet', 'quota warnings');
    const [candidate] = ofCategory(await candidates(), 'quota warnings') as [Candidate];
    const replies = await Promise.all([
      alice.post(`/problem-candidates/${candidate.id}/accept`, {}),
      alice.post(`/problem-candidates/${candidate.id}/accept`, {}),
    ]);
    expect(replies.map((r) => r.status).sort()).toEqual([200, 201]);
    const [first, second] = replies as [(typeof replies)[0], (typeof replies)[0]];
    expect(second.body.id).toBe(first.body.id);
    expect(first.body.notLinked).toEqual([]);
    expect(second.body.notLinked).toEqual([]);
    expect(candidate.incidents).toHaveLength(3);
    const problem = await alice.get(`/problems/${first.body.id}`);
    expect(problem.body).toMatchObject({ linkedIncidentCount: 3, candidate: { id: candidate.id, number: candidate.number } });
    expect((await alice.get(`/problem-candidates/${candidate.id}`)).body.acceptance.problem.id).toBe(first.body.id);
    await stack.settled();
    expect(candidateEvents('Problem Candidate Accepted', candidate.id)).toHaveLength(1);
    expect((await candidateHistory(candidate.id)).map((h) => h.action)).toEqual(['created', 'updated']);
    const opened = stack.published
      .events()
      .filter((e) => e.detailType === 'Problem Opened' && (e.detail as { problem: { id: string } }).problem.id === first.body.id);
    expect(opened).toHaveLength(1);
  });

  it('dismiss needs a reason; a dismissed candidate is neither accepted nor dismissed again', async () => {
    for (let i = 0; i < 3; i++) await openIncident('intranet', 'slow pages');
    const [candidate] = ofCategory(await candidates(), 'slow pages') as [Candidate];
    const noReason = await alice.post(`/problem-candidates/${candidate.id}/dismiss`, {});
    expect(noReason.status).toBe(400);
    expect(noReason.body.errors).toEqual([expect.objectContaining({ path: 'reason' })]);
    expect((await alice.post(`/problem-candidates/${candidate.id}/dismiss`, { reason: '   ' })).status).toBe(400);

    const key = { 'idempotency-key': 'dismiss-slow-pages' };
    const dismissed = await alice.post(`/problem-candidates/${candidate.id}/dismiss`, { reason: 'A load test, not an outage' }, key);
    expect(dismissed.status).toBe(200);
    // A retry of the same request replays its answer; without the key it is refused.
    const retried = await alice.post(`/problem-candidates/${candidate.id}/dismiss`, { reason: 'A load test, not an outage' }, key);
    expect(retried.status).toBe(200);
    expect(retried.headers.get('idempotent-replayed')).toBe('true');
    expect(retried.body).toEqual(dismissed.body);
    expect(dismissed.body).toMatchObject({ status: 'dismissed', dismissal: { reason: 'A load test, not an outage', by: 'alice' } });
    // Recorded once (the replay wrote nothing): history with the dismissal, an event without the reason (free text).
    expect((await candidateHistory(candidate.id)).map((h) => [h.action, h.actor])).toEqual([
      ['created', 'problem-detection'],
      ['updated', 'alice'],
    ]);
    await stack.settled();
    const events = candidateEvents('Problem Candidate Dismissed', candidate.id);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ actor: 'alice', candidate: { status: 'dismissed' } });
    expect(JSON.stringify(events[0])).not.toContain('load test');
    expect((await alice.post(`/problem-candidates/${candidate.id}/dismiss`, { reason: 'again' })).status).toBe(409);
    expect((await alice.post(`/problem-candidates/${candidate.id}/accept`, {})).status).toBe(409);
    expect(ofCategory(await candidates('&status=dismissed'), 'slow pages')).toHaveLength(1);
    expect(ofCategory(await candidates('&status=open'), 'slow pages')).toEqual([]);
  });

  it('lists newest first, page by page; requesters see nothing', async () => {
    const all = await candidates();
    expect(all.length).toBeGreaterThanOrEqual(4);
    const first = await alice.get('/problem-candidates?limit=1');
    expect(first.body.items[0].id).toBe(all[0]?.id);
    const second = await alice.get(`/problem-candidates?limit=1&cursor=${encodeURIComponent(first.body.nextCursor)}`);
    expect(second.body.items[0].id).toBe(all[1]?.id);
    const carol = await requester(stack);
    expect((await carol.get('/problem-candidates')).status).toBe(404);
    expect((await carol.post(`/problem-candidates/${all[0]?.id}/accept`, {})).status).toBe(404);
    expect((await alice.get('/problem-candidates/nothing-here')).status).toBe(404);
  });
});
