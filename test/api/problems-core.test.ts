import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { PublishedEvent } from '../../local/published-log.ts';
import { type RequestCounter, startRequestCounter } from '../../local/request-counter.ts';
import { agent, type Client, requester, startTestStack, type TestStack } from '../support/api.ts';
import { createChange } from '../support/changes.ts';
import { roundTripsOf } from '../support/round-trips.ts';

/*
 * The problem records over HTTP against the local stack: create, read, list, PATCH with If-Match,
 * the lifecycle, known errors, the fix's change request, notes, history, the outbox events and the
 * round-trip budgets. Agents only: to requesters every /problems route is a 404.
 */

let counter: RequestCounter;
let stack: TestStack;
let alice: Client;
let bob: Client;
let carol: Client;

type Problem = Record<string, any> & { id: string; number: string; version: number; status: string };

const ifMatch = (problem: { version: number }) => ({ 'if-match': `"${problem.version}"` });

async function open(body: Record<string, unknown> = {}): Promise<Problem> {
  const reply = await alice.post('/problems', { title: 'VPN drops every night', service: 'vpn', assignmentGroup: 'network', ...body });
  expect(reply.status, JSON.stringify(reply.body)).toBe(201);
  return reply.body;
}

async function patch(problem: Problem, body: Record<string, unknown>, client: Client = alice): Promise<Problem> {
  const reply = await client.patch(`/problems/${problem.id}`, body, ifMatch(problem));
  expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  return reply.body;
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

describe('POST /problems', () => {
  it('opens a problem: 201, PRB number, Location, ETag, priority from the matrix, fields in the documented order', async () => {
    const reply = await alice.post('/problems', {
      title: 'VPN drops every night',
      description: 'Tunnels drop at 02:00',
      service: 'vpn',
      // The VPN service is a configuration item of the CMDB: its id is its name.
      configurationItems: ['vpn'],
      category: 'network',
      impact: 1,
      urgency: 2,
      assignmentGroup: 'network',
      assignee: 'bob',
    });
    expect(reply.status).toBe(201);
    const problem = reply.body;
    expect(problem).toMatchObject({
      title: 'VPN drops every night',
      status: 'new',
      impact: 1,
      urgency: 2,
      priority: 'P2',
      knownError: false,
      resolveLinkedIncidents: false,
      linkedIncidentCount: 0,
      createdBy: 'alice',
      version: 1,
    });
    expect(problem.number).toMatch(/^PRB\d{7}$/);
    expect(reply.headers.get('location')).toBe(`/problems/${problem.id}`);
    expect(reply.headers.get('etag')).toBe('"1"');
    const { PROBLEM_FIELD_ORDER } = await import('../../functions/problems/schemas/problem.ts');
    const order = Object.keys(problem);
    expect(order).toEqual(PROBLEM_FIELD_ORDER.filter((field) => order.includes(field)));
  });

  it('replays an Idempotency-Key: the same problem, no second one', async () => {
    const key = { 'idempotency-key': `prb-${Date.now()}` };
    const body = { title: 'Replayed', service: 'email' };
    const first = await alice.post('/problems', body, key);
    const second = await alice.post('/problems', body, key);
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(second.body.id).toBe(first.body.id);
    const reused = await alice.post('/problems', { ...body, title: 'Other' }, key);
    expect(reused.status).toBe(422);
  });

  it('names each invalid field in problem+json, and checks the directory records in the transaction', async () => {
    const bad = await alice.post('/problems', { title: '', impact: 4, service: 'Not A Slug', fix: { change: 'CHG 1' }, extra: 1 });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(bad.body.type).toMatch(/validation-error$/);
    expect(bad.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['extra', 'fix.change', 'impact', 'service', 'title']);
    const control = await alice.post('/problems', { title: 'Line\nbreak' });
    expect(control.status).toBe(400);
    expect(control.body.errors.map((e: { path: string }) => e.path)).toEqual(['title']);

    const missing = await alice.post('/problems', { title: 'Nowhere', service: 'no-such-service', assignmentGroup: 'no-such-group' });
    expect(missing.status).toBe(400);
    expect(missing.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['assignmentGroup', 'service']);
    const outsider = await alice.post('/problems', { title: 'Wrong group', assignmentGroup: 'database', assignee: 'alice' });
    expect(outsider.status).toBe(400);
    expect(outsider.body.errors.map((e: { path: string }) => e.path)).toEqual(['assignee']);
  });

  it('links the fix to an existing change request, by number, stored as {id, number}; an unknown one is refused on fix.change', async () => {
    const change = await createChange(alice, { title: 'Shorter keepalive' });
    const problem = await open({ fix: { text: 'Shorten the keepalive', change: change.number } });
    expect(problem.fix).toEqual({ text: 'Shorten the keepalive', change: { id: change.id, number: change.number } });
    const unknown = await alice.post('/problems', { title: 'Unknown fix', fix: { change: 'CHG9999999' } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors).toEqual([expect.objectContaining({ path: 'fix.change', message: expect.stringMatching(/CHG9999999/) })]);
  });
});

describe('reading problems', () => {
  it('by id and by number, with the ETag', async () => {
    const problem = await open();
    const byId = await alice.get(`/problems/${problem.id}`);
    expect(byId.status).toBe(200);
    expect(byId.body).toEqual(problem);
    expect(byId.headers.get('etag')).toBe('"1"');
    const byNumber = await bob.get(`/problems/${problem.number}`);
    expect(byNumber.status).toBe(200);
    expect(byNumber.body.id).toBe(problem.id);
    expect((await alice.get('/problems/PRB9999999')).status).toBe(404);
    expect((await alice.get('/problems/not-an-id')).status).toBe(404);
  });

  it('requesters get 404 on every /problems route', async () => {
    const problem = await open();
    const replies = await Promise.all([
      carol.post('/problems', { title: 'Mine' }),
      carol.get('/problems'),
      carol.get(`/problems/${problem.id}`),
      carol.get(`/problems/${problem.number}`),
      carol.patch(`/problems/${problem.id}`, { title: 'Mine now' }, ifMatch(problem)),
      carol.post(`/problems/${problem.id}/notes`, { body: 'Hello' }),
      carol.get(`/problems/${problem.id}/notes`),
      carol.get(`/problems/${problem.id}/history`),
    ]);
    for (const reply of replies) {
      expect(reply.status).toBe(404);
      expect(reply.body.type).toMatch(/not-found$/);
    }
    expect((await alice.get(`/problems/${problem.id}`)).body.version).toBe(1);
  });
});

describe('GET /problems', () => {
  const ids: string[] = [];
  beforeAll(async () => {
    const specs = [
      { service: 'payments', assignmentGroup: 'database', assignee: 'bob', impact: 1, urgency: 1 },
      { service: 'payments', assignmentGroup: 'database', impact: 3, urgency: 3 },
      { service: 'email', assignmentGroup: 'service-desk', assignee: 'alice', impact: 2, urgency: 2 },
      { service: 'intranet', impact: 1, urgency: 1 },
    ];
    for (const spec of specs) ids.push((await open({ title: `Listed ${spec.service}`, ...spec })).id);
    const assessed = (await alice.get(`/problems/${ids[1]}`)).body;
    await patch(assessed, { status: 'assess' });
  });

  const listed = async (query: string): Promise<Problem[]> => {
    const reply = await alice.get(`/problems?${query}`);
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    return reply.body.items;
  };

  it('filters by service, group, assignee, status and priority (values OR, filters AND), newest first', async () => {
    const mine = (items: Problem[]) => items.filter((p) => ids.includes(p.id)).map((p) => p.id);
    expect(mine(await listed('service=payments'))).toEqual([ids[1], ids[0]]);
    expect(mine(await listed('assignmentGroup=database,service-desk'))).toEqual([ids[2], ids[1], ids[0]]);
    expect(mine(await listed('assignee=bob'))).toEqual([ids[0]]);
    expect(mine(await listed('status=assess'))).toEqual([ids[1]]);
    expect(mine(await listed('priority=P1&service=intranet,payments'))).toEqual([ids[3], ids[0]]);
    expect(mine(await listed('service=payments&status=new'))).toEqual([ids[0]]);
    const all = await listed('limit=100');
    const numbers = all.map((p) => p.number);
    expect(numbers).toEqual([...numbers].sort().reverse());
  });

  it('pages with limit and cursor, without gaps or repeats', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const reply = await alice.get(`/problems?limit=2${cursor === undefined ? '' : `&cursor=${encodeURIComponent(cursor)}`}`);
      expect(reply.status).toBe(200);
      expect(reply.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...reply.body.items.map((p: Problem) => p.id));
      cursor = reply.body.nextCursor;
    } while (cursor !== undefined);
    expect(new Set(seen).size).toBe(seen.length);
    for (const id of ids) expect(seen).toContain(id);
    const forged = await alice.get('/problems?cursor=abc');
    expect(forged.status).toBe(400);
    const badFilter = await alice.get('/problems?status=open');
    expect(badFilter.status).toBe(400);
    expect(badFilter.body.errors.map((e: { path: string }) => e.path)).toEqual(['status']);
  });
});

describe('PATCH /problems/{id}', () => {
  it('needs If-Match: 428 without, 412 when stale (with the current ETag), 200 with a new version', async () => {
    const v1 = await open();
    const missing = await alice.patch(`/problems/${v1.id}`, { title: 'Edited' });
    expect(missing.status).toBe(428);
    const v2 = await patch(v1, { title: 'Edited', impact: 1, urgency: 1 });
    expect(v2).toMatchObject({ title: 'Edited', priority: 'P1', version: 2 });
    const stale = await alice.patch(`/problems/${v1.id}`, { title: 'Stale' }, ifMatch(v1));
    expect(stale.status).toBe(412);
    expect(stale.body.currentEtag).toBe('"2"');
    const same = await alice.patch(`/problems/${v1.id}`, { title: 'Edited' }, ifMatch(v2));
    expect(same.status).toBe(200);
    expect(same.body.version).toBe(2);
    const empty = await alice.patch(`/problems/${v1.id}`, {}, ifMatch(v2));
    expect(empty.status).toBe(400);
    expect(empty.body.type).toMatch(/empty-patch$/);
  });

  it('walks the whole lifecycle to closed after a review, refusing moves it does not allow with the allowed ones', async () => {
    let problem = await open();
    const skip = await alice.patch(`/problems/${problem.id}`, { status: 'resolved', resolution: { code: 'fix_applied' } }, ifMatch(problem));
    expect(skip.status).toBe(409);
    expect(skip.body).toMatchObject({ from: 'new', to: 'resolved', allowedTransitions: ['assess', 'canceled'] });
    expect(skip.body.type).toMatch(/invalid-transition$/);

    problem = await patch(problem, { status: 'assess' });
    problem = await patch(problem, { status: 'root_cause_analysis', rootCause: 'Keepalive longer than the firewall idle timeout' });
    expect(problem.rootCauseAt).toBeDefined();
    problem = await patch(problem, { status: 'fix_in_progress', fix: { text: 'Shorten the keepalive' } });

    const noCode = await alice.patch(`/problems/${problem.id}`, { status: 'resolved' }, ifMatch(problem));
    expect(noCode.status).toBe(400);
    expect(noCode.body.errors.map((e: { path: string }) => e.path)).toEqual(['resolution']);
    const badCode = await alice.patch(`/problems/${problem.id}`, { status: 'resolved', resolution: { code: 'solved' } }, ifMatch(problem));
    expect(badCode.status).toBe(400);
    expect(badCode.body.errors.map((e: { path: string }) => e.path)).toEqual(['resolution.code']);

    problem = await patch(problem, { status: 'resolved', resolution: { code: 'fix_applied', notes: 'No drops for a week' } });
    expect(problem.resolution).toMatchObject({ code: 'fix_applied', notes: 'No drops for a week', by: 'alice' });
    expect(problem.resolvedAt).toBeDefined();

    const noReview = await alice.patch(`/problems/${problem.id}`, { status: 'closed' }, ifMatch(problem));
    expect(noReview.status).toBe(400);
    expect(noReview.body.errors.map((e: { path: string }) => e.path)).toEqual(['review']);
    problem = await patch(problem, { status: 'closed', review: { summary: 'Keepalive is now monitored' } }, bob);
    expect(problem).toMatchObject({
      status: 'closed',
      review: { summary: 'Keepalive is now monitored', by: 'bob' },
      resolution: { code: 'fix_applied', by: 'alice' },
    });

    const after = await alice.patch(`/problems/${problem.id}`, { title: 'Too late' }, ifMatch(problem));
    expect(after.status).toBe(409);
    expect(after.body.allowedTransitions).toEqual([]);
  });

  it('cancels an open problem; reopens a resolved one', async () => {
    const canceled = await patch(await open(), { status: 'canceled' });
    expect(canceled.canceledAt).toBeDefined();
    let problem = await patch(await open(), { status: 'assess' });
    problem = await patch(problem, { status: 'resolved', resolution: { code: 'risk_accepted' } });
    problem = await patch(problem, { status: 'root_cause_analysis' });
    expect(problem.resolution).toBeUndefined();
  });

  it('publishes a known error only with a root cause or workaround, and withdraws it', async () => {
    let problem = await open();
    const refused = await alice.patch(`/problems/${problem.id}`, { knownError: true }, ifMatch(problem));
    expect(refused.status).toBe(400);
    expect(refused.body.errors.map((e: { path: string }) => e.path)).toEqual(['knownError']);
    problem = await patch(problem, { workaround: 'Reconnect the VPN client', knownError: true });
    expect(problem.knownError).toBe(true);
    expect(problem.knownErrorPublishedAt).toBeDefined();
    const cleared = await alice.patch(`/problems/${problem.id}`, { workaround: null }, ifMatch(problem));
    expect(cleared.status).toBe(400);
    problem = await patch(problem, { knownError: false });
    expect(problem.knownError).toBe(false);
    expect(problem.knownErrorPublishedAt).toBeUndefined();
  });

  it('sets and clears the fix change; an unknown change is refused on fix.change', async () => {
    const change = await createChange(alice, { title: 'Fix it' });
    let problem = await open();
    problem = await patch(problem, { fix: { change: change.id } });
    expect(problem.fix).toEqual({ change: { id: change.id, number: change.number } });
    const unknown = await alice.patch(`/problems/${problem.id}`, { fix: { change: 'CHG9999998' } }, ifMatch(problem));
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors.map((e: { path: string }) => e.path)).toEqual(['fix.change']);
    problem = await patch(problem, { fix: { change: null } });
    expect(problem.fix).toBeUndefined();
  });
});

describe('notes, history and events', () => {
  it('notes are work notes, oldest first; history records every write; the ETag does not move for a note', async () => {
    const v1 = await open({ assignee: 'bob' });
    const note = await alice.post(`/problems/${v1.number}/notes`, { body: 'Saw it again at 02:00' });
    expect(note.status).toBe(201);
    expect(note.body).toMatchObject({ problemId: v1.id, body: 'Saw it again at 02:00', author: 'alice' });
    await bob.post(`/problems/${v1.id}/notes`, { body: 'Firewall logs attached' });
    const notes = await alice.get(`/problems/${v1.id}/notes`);
    expect(notes.body.items.map((n: { body: string }) => n.body)).toEqual(['Saw it again at 02:00', 'Firewall logs attached']);
    expect((await alice.get(`/problems/${v1.id}`)).body.version).toBe(1);

    await patch(v1, { status: 'assess' });
    const history = await alice.get(`/problems/${v1.number}/history`);
    expect(history.status).toBe(200);
    expect(history.body.items.map((h: { action: string; version: number }) => [h.action, h.version])).toEqual([
      ['created', 1],
      ['note_added', 1],
      ['note_added', 1],
      ['updated', 2],
    ]);
    expect(history.body.items[3].changes).toContainEqual({ field: 'status', from: 'new', to: 'assess' });
    expect((await alice.get('/problems/PRB9999999/notes')).status).toBe(404);
  });

  it('every write announces itself through the outbox, without free text, to the assignee or group', async () => {
    let problem = await open();
    await alice.post(`/problems/${problem.id}/notes`, { body: 'SECRET note' });
    problem = await patch(problem, { status: 'assess', rootCause: 'SECRET cause' });
    problem = await patch(problem, { workaround: 'SECRET workaround', knownError: true });
    problem = await patch(problem, { status: 'resolved', resolution: { code: 'risk_accepted', notes: 'SECRET notes' } });
    problem = await patch(problem, { status: 'closed', review: { summary: 'SECRET summary' } });
    await stack.settled();
    const events = stack.published.events().filter((e: PublishedEvent) => (e.detail as { problem?: { id: string } }).problem?.id === problem.id);
    expect(events.map((e) => e.detailType)).toEqual([
      'Problem Opened',
      'Problem Note Added',
      'Problem Updated',
      'Problem Known Error Published',
      'Problem Resolved',
      'Problem Closed',
    ]);
    expect(events.map((e) => (e.detail as { problem: { version: number } }).problem.version)).toEqual([1, 1, 2, 3, 4, 5]);
    expect(JSON.stringify(events)).not.toContain('SECRET');
    const resolved = events[4]!.detail as { changes: { field: string; to?: unknown }[] };
    expect(resolved.changes).toContainEqual(expect.objectContaining({ field: 'resolution', to: expect.objectContaining({ code: 'risk_accepted' }) }));
    const notifications = stack.published
      .notifications()
      .filter((n) => (n.message as { problem?: { id: string } }).problem?.id === problem.id)
      .map((n) => n.message as { type: string; recipients: unknown });
    expect(notifications.find((n) => n.type === 'Problem Opened')?.recipients).toEqual({ users: [], groups: ['network'] });
  });
});

describe('DynamoDB round trips per request (hard budgets)', () => {
  const measure = (run: () => Promise<{ status: number; body?: unknown }>) => roundTripsOf(stack, counter, run);

  it('create <= 2, get 1, list 1, update <= 2', async () => {
    expect(await measure(() => alice.post('/problems', { title: 'budget', service: 'vpn' }))).toEqual([['GetItem', 'UpdateItem'], ['TransactWriteItems']]);
    const problem = await open();
    expect(await measure(() => alice.get(`/problems/${problem.id}`))).toEqual([['GetItem']]);
    expect(await measure(() => alice.get(`/problems/${problem.number}`))).toEqual([['Query']]);
    // A status queue's first page is its head, once the stream consumer has kept it (measure waits for it).
    expect(await measure(() => alice.get('/problems?status=new&limit=5'))).toEqual([['GetItem']]);
    expect(await measure(() => alice.patch(`/problems/${problem.id}`, { title: 'budget edit' }, ifMatch(problem)))).toEqual([
      ['GetItem'],
      ['TransactWriteItems'],
    ]);
  });
});
