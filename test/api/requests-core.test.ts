import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { PublishedEvent } from '../../local/published-log.ts';
import { type RequestCounter, startRequestCounter } from '../../local/request-counter.ts';
import { admin, agent, type Client, requester, startTestStack, type TestStack } from '../support/api.ts';
import { poll } from '../support/poll.ts';
import { roundTripsOf } from '../support/round-trips.ts';

/*
 * Service requests over HTTP against the local stack (slice A of issue 15): ordering a catalog
 * item with answers checked against its form, Idempotency-Key, requester isolation, list filters,
 * closing with If-Match, cancel (which stops the fulfilment workflow), notes and their visibility,
 * history, the events, and the round-trip budget of POST /requests. Approvals and tasks have
 * their own tests; here a request is only ever submitted, awaiting approval or canceled.
 */

let counter: RequestCounter;
let stack: TestStack;
let ada: Client;
let alice: Client;
let carol: Client;
let dave: Client;

type Request = Record<string, any> & { id: string; number: string; version: number; status: string };

const FORM = {
  type: 'object',
  properties: {
    colour: { type: 'string', title: 'Chair colour', enum: ['black', 'grey'] },
    quantity: { type: 'integer', title: 'How many', minimum: 1, maximum: 4 },
  },
  required: ['colour'],
  additionalProperties: false,
};

/** Waits on the CAB (ada, alice, nina; one approval): stays awaiting approval for the whole file. */
const chair = {
  id: 'desk-chair',
  name: 'Desk chair',
  category: 'Furniture',
  description: 'An ergonomic desk chair',
  form: FORM,
  approval: { stages: [{ kind: 'group', group: 'cab', quorum: 1 }] },
  fulfilment: { mode: 'sequential', tasks: [{ name: 'Deliver the chair', assignmentGroup: 'service-desk', description: 'Deliver to {{requester}}' }] },
};

async function order(
  client: Client,
  body: Record<string, unknown> = { item: 'desk-chair', answers: { colour: 'black', quantity: 1 } },
  headers?: Record<string, string>,
) {
  return client.post<Request>('/requests', body, headers);
}

async function placed(client: Client = carol): Promise<Request> {
  const reply = await order(client);
  expect(reply.status, JSON.stringify(reply.body)).toBe(201);
  return reply.body;
}

beforeAll(async () => {
  counter = await startRequestCounter(inject('dynamoDbEndpoint'));
  stack = await startTestStack({ dynamoDbEndpoint: counter.endpoint });
  [ada, alice, carol, dave] = await Promise.all([admin(stack), agent(stack), requester(stack), requester(stack, 'dave')]);
  const created = await ada.post('/catalog-items', chair);
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const restricted = await ada.post('/catalog-items', { ...chair, id: 'network-chair', name: 'Network chair', orderableBy: { groups: ['network'] } });
  expect(restricted.status, JSON.stringify(restricted.body)).toBe(201);
  const quick = await ada.post('/catalog-items', { ...chair, id: 'quick-chair', name: 'Quick chair', approval: { stages: [] } });
  expect(quick.status, JSON.stringify(quick.body)).toBe(201);
  const managed = await ada.post('/catalog-items', { ...chair, id: 'managed-chair', name: 'Managed chair', approval: { stages: [{ kind: 'manager' }] } });
  expect(managed.status, JSON.stringify(managed.body)).toBe(201);
}, 60_000);

afterAll(async () => {
  await stack?.stop();
  await counter?.stop();
});

describe('POST /requests', () => {
  it('orders an item: submitted, numbered, the plan and the form titles copied, the workflow started', async () => {
    const request = await placed();
    expect(request.number).toMatch(/^REQ\d{7}$/);
    expect(request).toMatchObject({
      item: { id: 'desk-chair', version: 1, name: 'Desk chair', category: 'Furniture' },
      requester: 'carol',
      source: 'api',
      answers: { colour: 'black', quantity: 1 },
      plan: { approval: chair.approval, fulfilment: chair.fulfilment, formTitles: { colour: 'Chair colour', quantity: 'How many' } },
      stages: [{ index: 0, kind: 'group', group: 'cab', quorum: 1, approvals: 0, rejections: 0 }],
      tasks: [],
      version: 1,
    });
    expect(['submitted', 'awaiting_approval']).toContain(request.status);
    expect(request.workflow.executionArn).toMatch(new RegExp(`:execution:[^:]+:${request.number}$`));
    await poll(
      () => stack.executions().find((e) => e.executionArn === request.workflow.executionArn)?.status,
      (status) => status !== undefined,
    );
  });

  it('refuses answers that do not fit the form with 400, naming each field by its title', async () => {
    const reply = await order(carol, { item: 'desk-chair', answers: { colour: 'pink', quantity: 9 } });
    expect(reply.status).toBe(400);
    expect(reply.body.type).toMatch(/validation-error$/);
    const byPath = Object.fromEntries(reply.body.errors.map((e: { path: string; message: string }) => [e.path, e.message]));
    expect(Object.keys(byPath).sort()).toEqual(['answers.colour', 'answers.quantity']);
    expect(byPath['answers.colour']).toContain('Chair colour');
    expect(byPath['answers.quantity']).toContain('How many');
    const missing = await order(carol, { item: 'desk-chair', answers: {} });
    expect(missing.status).toBe(400);
    expect(JSON.stringify(missing.body.errors)).toContain('Chair colour');
  });

  it('answers 404 for an unknown or inactive item and for an item only other groups may order, as GET does (an agent: 403)', async () => {
    expect((await order(carol, { item: 'no-such-item', answers: {} })).status).toBe(404);
    // To a requester outside its groups the item does not exist: GET and POST /requests agree.
    expect((await carol.get('/catalog-items/network-chair')).status).toBe(404);
    const refused = await order(carol, { item: 'network-chair', answers: { colour: 'grey' } });
    expect(refused.status, JSON.stringify(refused.body)).toBe(404);
    expect(refused.body.type).toMatch(/not-found$/);
    // An agent reads every item, so to them it exists: 403 naming the groups.
    expect((await alice.get('/catalog-items/network-chair')).status).toBe(200);
    const agentRefused = await order(alice, { item: 'network-chair', answers: { colour: 'grey' } });
    expect(agentRefused.status, JSON.stringify(agentRefused.body)).toBe(403);
    expect(agentRefused.body.detail).toContain('network');
    const nina = await agent(stack, 'nina');
    expect((await order(nina, { item: 'network-chair', answers: { colour: 'grey' } })).status).toBe(201);
  });

  it('answers 409 no-manager when a stage asks the manager and the directory names none', async () => {
    // erin signs in but has no user record in the directory, so no manager either.
    const erin = await requester(stack, 'erin');
    const reply = await order(erin, { item: 'managed-chair', answers: { colour: 'grey' } });
    expect(reply.status, JSON.stringify(reply.body)).toBe(409);
    expect(reply.body.type).toMatch(/no-manager$/);
    expect(reply.body.detail).toContain('manager');
  });

  it('replays a retry with the same Idempotency-Key: one request', async () => {
    const headers = { 'idempotency-key': `order-${Date.now()}` };
    const first = await order(carol, undefined, headers);
    const again = await order(carol, undefined, headers);
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.body.id).toBe(first.body.id);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    const mine = await carol.get<{ items: Request[] }>('/requests?item=desk-chair&limit=100');
    expect(mine.body.items.filter((r) => r.id === first.body.id)).toHaveLength(1);
    expect((await order(carol, { item: 'desk-chair', answers: { colour: 'grey' } }, headers)).status).toBe(422);
  });

  it('replays a retry as the first answer even after the item was withdrawn', async () => {
    const spare = await ada.post('/catalog-items', { ...chair, id: 'spare-chair', name: 'Spare chair' });
    expect(spare.status, JSON.stringify(spare.body)).toBe(201);
    const headers = { 'idempotency-key': `spare-${Date.now()}` };
    const body = { item: 'spare-chair', answers: { colour: 'grey' } };
    const first = await order(carol, body, headers);
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    const withdrawn = await ada.request('DELETE', '/catalog-items/spare-chair', { headers: { 'if-match': spare.headers.get('etag') as string } });
    expect(withdrawn.status, JSON.stringify(withdrawn.body)).toBe(204);
    expect((await order(carol, body)).status).toBe(404);
    const again = await order(carol, body, headers);
    expect(again.status, JSON.stringify(again.body)).toBe(201);
    expect(again.body.id).toBe(first.body.id);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
  });
});

describe('reading requests', () => {
  it('shows a requester their own only (404 for others), agents every request, by id or number with its ETag', async () => {
    const request = await placed(carol);
    const byId = await carol.get(`/requests/${request.id}`);
    expect(byId.status).toBe(200);
    expect(byId.headers.get('etag')).toBe(`"${byId.body.version}"`);
    expect((await carol.get(`/requests/${request.number}`)).body.id).toBe(request.id);
    expect((await dave.get(`/requests/${request.id}`)).status).toBe(404);
    expect((await dave.get(`/requests/${request.number}`)).status).toBe(404);
    expect((await dave.get(`/requests/${request.id}/notes`)).status).toBe(404);
    expect((await dave.get(`/requests/${request.id}/history`)).status).toBe(404);
    expect((await alice.get(`/requests/${request.number}`)).status).toBe(200);
    expect((await carol.get('/requests/REQ9999999')).status).toBe(404);
  });

  it('lists newest first, filtered by item, status and requester; a requester sees only theirs', async () => {
    const mine = await placed(carol);
    const daves = await placed(dave);
    const carols = await carol.get<{ items: Request[] }>('/requests?limit=100');
    expect(carols.body.items.every((r) => r.requester === 'carol')).toBe(true);
    expect(carols.body.items.map((r) => r.id)).toContain(mine.id);
    expect(carols.body.items.map((r) => r.id)).not.toContain(daves.id);
    expect((await carol.get('/requests?requester=dave')).status).toBe(403);

    const all = await alice.get<{ items: Request[] }>('/requests?limit=100');
    const numbers = all.body.items.map((r) => r.number);
    expect(numbers).toEqual([...numbers].sort().reverse());
    expect(numbers).toEqual(expect.arrayContaining([mine.number, daves.number]));
    const ofDave = await alice.get<{ items: Request[] }>('/requests?requester=dave&item=desk-chair&limit=100');
    expect(ofDave.body.items.map((r) => r.id)).toEqual(expect.arrayContaining([daves.id]));
    expect(ofDave.body.items.every((r) => r.requester === 'dave')).toBe(true);
    const byItem = await alice.get<{ items: Request[] }>('/requests?item=network-chair&limit=100');
    expect(byItem.body.items.length).toBeGreaterThan(0);
    expect(byItem.body.items.every((r) => r.item.id === 'network-chair')).toBe(true);

    const canceled = await placed(dave);
    expect((await dave.post(`/requests/${canceled.id}/cancel`, {})).status).toBe(200);
    const byStatus = await alice.get<{ items: Request[] }>('/requests?status=canceled&limit=100');
    expect(byStatus.body.items.map((r) => r.id)).toContain(canceled.id);
    expect(byStatus.body.items.every((r) => r.status === 'canceled')).toBe(true);
    const page = await alice.get<{ items: Request[]; nextCursor?: string }>('/requests?limit=1');
    expect(page.body.items).toHaveLength(1);
    const next = await alice.get<{ items: Request[] }>(`/requests?limit=1&cursor=${encodeURIComponent(page.body.nextCursor as string)}`);
    expect(next.body.items).toHaveLength(1);
    expect((next.body.items[0]?.number ?? '') < (page.body.items[0]?.number ?? '')).toBe(true);
  });
});

describe('PATCH /requests/{id} and cancel', () => {
  it('needs If-Match (428), refuses a stale one (412), and closes only a fulfilled request (409)', async () => {
    const request = await placed(carol);
    expect((await carol.patch(`/requests/${request.id}`, { status: 'closed' })).status).toBe(428);
    const stale = await carol.patch(`/requests/${request.id}`, { status: 'closed' }, { 'if-match': '"999"' });
    expect(stale.status).toBe(412);
    // Once its workflow asked the stage, the request holds still (a version read earlier could be 412).
    const current = await poll(
      () => carol.get(`/requests/${request.id}`),
      (reply) => reply.body.status === 'awaiting_approval',
    );
    const notYet = await carol.patch(`/requests/${request.id}`, { status: 'closed' }, { 'if-match': current.headers.get('etag') as string });
    expect(notYet.status).toBe(409);
    expect(notYet.body.type).toMatch(/invalid-transition$/);
    // What the caller can do instead: cancel it (the workflow's and the tasks' moves are not theirs).
    expect(notYet.body).toMatchObject({ to: 'closed', allowedTransitions: ['canceled'] });
    expect((await carol.patch(`/requests/${request.id}`, { status: 'open' }, { 'if-match': '"1"' })).status).toBe(400);
    expect((await dave.patch(`/requests/${request.id}`, { status: 'closed' }, { 'if-match': '"1"' })).status).toBe(404);
  });

  it('closes a fulfilled request: by its requester with If-Match; no cancel once fulfilment started (409)', async () => {
    const reply = await order(carol, { item: 'quick-chair', answers: { colour: 'grey' } });
    expect(reply.status, JSON.stringify(reply.body)).toBe(201);
    // No approval: the workflow creates the task at once; closing it fulfils the request.
    const inFulfilment = await poll(
      async () => (await carol.get<Request>(`/requests/${reply.body.id}`)).body,
      (current) => current.status === 'in_fulfilment' && current.tasks.length === 1,
    );
    const refused = await carol.post(`/requests/${reply.body.id}/cancel`, {});
    expect(refused.status).toBe(409);
    expect(refused.body.type).toMatch(/invalid-transition$/);
    // Nothing the caller can do through the API: only its tasks closing move it on, and the detail says so.
    expect(refused.body).toMatchObject({ from: 'in_fulfilment', to: 'canceled', allowedTransitions: [] });
    expect(refused.body.detail).toContain('tasks must be closed');
    const taskId = inFulfilment.tasks[0].id;
    const task = await alice.get(`/tasks/${taskId}`);
    const closedTask = await alice.patch(
      `/tasks/${taskId}`,
      { status: 'closed_complete', closeNotes: 'Delivered' },
      { 'if-match': task.headers.get('etag') as string },
    );
    expect(closedTask.status, JSON.stringify(closedTask.body)).toBe(200);
    const fulfilled = await poll(
      async () => await carol.get(`/requests/${reply.body.id}`),
      (current) => current.body.status === 'fulfilled',
    );
    const closed = await carol.patch<Request>(`/requests/${reply.body.id}`, { status: 'closed' }, { 'if-match': fulfilled.headers.get('etag') as string });
    expect(closed.status, JSON.stringify(closed.body)).toBe(200);
    expect(closed.body).toMatchObject({ status: 'closed', closedAt: expect.any(String), version: fulfilled.body.version + 1 });
    expect(closed.headers.get('etag')).toBe(`"${fulfilled.body.version + 1}"`);
    const again = await carol.patch(`/requests/${reply.body.id}`, { status: 'closed' }, { 'if-match': fulfilled.headers.get('etag') as string });
    expect(again.status).toBe(412);
  }, 30_000);

  it('cancels: the requester their own (canceled, the pending stage withdrawn), the workflow stopped, not twice', async () => {
    const request = await placed(carol);
    await poll(
      async () => (await carol.get<Request>(`/requests/${request.id}`)).body.status,
      (status) => status === 'awaiting_approval',
    );
    expect((await dave.post(`/requests/${request.id}/cancel`, {})).status).toBe(404);
    // The CAB's members were asked: the request awaits alice's decision until it is canceled.
    const asked = await alice.get<{ items: Request[] }>('/requests?awaitingApprovalBy=me&limit=100');
    expect(asked.body.items.map((r) => r.id)).toContain(request.id);
    const canceled = await carol.post<Request>(`/requests/${request.id}/cancel`, { reason: 'Bought one myself' });
    expect(canceled.status, JSON.stringify(canceled.body)).toBe(200);
    expect(canceled.body).toMatchObject({ status: 'canceled', cancellation: { by: 'carol', reason: 'Bought one myself' } });
    expect(canceled.body.stages[0].status).toBe('withdrawn');
    expect(canceled.headers.get('etag')).toBe(`"${canceled.body.version}"`);
    await poll(
      () => stack.executions().find((e) => e.executionArn === request.workflow.executionArn)?.status,
      (status) => status === 'ABORTED',
    );
    const again = await carol.post(`/requests/${request.id}/cancel`, {});
    expect(again.status).toBe(409);
    expect(again.body.type).toMatch(/invalid-transition$/);
    // No longer awaiting anyone's decision.
    const awaiting = await alice.get<{ items: Request[] }>('/requests?awaitingApprovalBy=me&limit=100');
    expect(awaiting.body.items.map((r) => r.id)).not.toContain(request.id);
  }, 30_000);

  it('cancels without a body: the reason is optional', async () => {
    const request = await placed(carol);
    const canceled = await carol.post<Request>(`/requests/${request.id}/cancel`, undefined);
    expect(canceled.status, JSON.stringify(canceled.body)).toBe(200);
    expect(canceled.body).toMatchObject({ status: 'canceled', cancellation: { by: 'carol' } });
    expect(canceled.body.cancellation.reason).toBeUndefined();
  });

  it('replays a cancel retried with the same Idempotency-Key (by id and by number), not 409', async () => {
    const request = await placed(carol);
    const headers = { 'idempotency-key': `cancel-${Date.now()}` };
    const first = await carol.post<Request>(`/requests/${request.id}/cancel`, { reason: 'Changed my mind' }, headers);
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    for (const address of [request.id, request.number]) {
      const again = await carol.post<Request>(`/requests/${address}/cancel`, { reason: 'Changed my mind' }, headers);
      expect(again.status, JSON.stringify(again.body)).toBe(200);
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      expect(again.body).toEqual(first.body);
    }
    expect((await carol.post(`/requests/${request.id}/cancel`, { reason: 'Changed my mind' })).status).toBe(409);
  });

  it('lets an agent cancel anyone’s request', async () => {
    const request = await placed(dave);
    const canceled = await alice.post<Request>(`/requests/${request.number}/cancel`, {});
    expect(canceled.status).toBe(200);
    expect(canceled.body.cancellation).toEqual({ by: 'alice' });
  });
});

describe('notes and history', () => {
  it('keeps work notes from requesters: they add and see public notes only', async () => {
    const placedRequest = await placed(carol);
    // Once its stage is asked, the workflow leaves the request alone: its version is what notes must not move.
    const request = await poll(
      async () => (await carol.get<Request>(`/requests/${placedRequest.id}`)).body,
      (current) => current.status === 'awaiting_approval',
    );
    const publicNote = await carol.post(`/requests/${request.id}/notes`, { text: 'Black please, not grey' });
    expect(publicNote.status, JSON.stringify(publicNote.body)).toBe(201);
    expect(publicNote.body).toMatchObject({ requestId: request.id, visibility: 'public', author: 'carol', text: 'Black please, not grey' });
    expect((await carol.post(`/requests/${request.id}/notes`, { text: 'internal', visibility: 'work' })).status).toBe(403);
    expect((await alice.post(`/requests/${request.number}/notes`, { text: 'Stock is low', visibility: 'work' })).status).toBe(201);
    expect((await alice.post(`/requests/${request.id}/notes`, { text: 'Ordered', visibility: 'public' })).status).toBe(201);
    expect((await dave.post(`/requests/${request.id}/notes`, { text: 'hello' })).status).toBe(404);

    const seenByCarol = await carol.get<{ items: { text: string }[] }>(`/requests/${request.id}/notes`);
    expect(seenByCarol.body.items.map((n) => n.text)).toEqual(['Black please, not grey', 'Ordered']);
    const seenByAlice = await alice.get<{ items: { text: string }[] }>(`/requests/${request.id}/notes`);
    expect(seenByAlice.body.items.map((n) => n.text)).toEqual(['Black please, not grey', 'Stock is low', 'Ordered']);
    // A note does not move the request's version.
    expect((await carol.get(`/requests/${request.id}`)).body.version).toBe(request.version);

    const history = await alice.get<{ items: { action: string; noteVisibility?: string }[] }>(`/requests/${request.id}/history`);
    // `updated`: the workflow asking the stage.
    const notes = (items: { action: string; noteVisibility?: string }[]) => items.filter((h) => h.action !== 'updated');
    expect(notes(history.body.items).map((h) => h.action)).toEqual(['created', 'note_added', 'note_added', 'note_added']);
    const carolsHistory = await carol.get<{ items: { action: string; noteVisibility?: string }[] }>(`/requests/${request.id}/history`);
    expect(notes(carolsHistory.body.items).map((h) => h.noteVisibility ?? h.action)).toEqual(['created', 'public', 'public']);
  });

  it('publishes Request Submitted, Request Note Added and Request Canceled without free text', async () => {
    const request = await placed(carol);
    await carol.post(`/requests/${request.id}/notes`, { text: 'Secret words here' });
    await carol.post(`/requests/${request.id}/cancel`, { reason: 'Reason words here' });
    await stack.settled();
    const events = stack.published.events().filter((e: PublishedEvent) => (e.detail as { request?: { id: string } }).request?.id === request.id);
    const types = events.map((e) => e.detailType);
    expect(types).toEqual(expect.arrayContaining(['Request Submitted', 'Request Note Added', 'Request Canceled']));
    const text = JSON.stringify(events);
    expect(text).not.toContain('Secret words');
    expect(text).not.toContain('Reason words');
    expect(text).not.toContain('black');
    const submitted = events.find((e) => e.detailType === 'Request Submitted');
    expect(submitted?.detail).toMatchObject({
      request: { number: request.number, status: 'submitted', requester: 'carol', item: { id: 'desk-chair', version: 1 } },
    });
  });
});

/** Waits until the table has had no request for 400 ms: a workflow step still running would send some. */
async function tableQuiet(): Promise<void> {
  for (let i = 0; i < 50; i++) {
    await stack.settled();
    counter.reset();
    await new Promise((resolve) => setTimeout(resolve, 400));
    if (counter.operations().length === 0) return;
  }
  throw new Error('the table never went quiet (a workflow kept working)');
}

describe('DynamoDB round trips (hard budget)', () => {
  it('POST /requests: 2 (the reads together, then the transaction), then the workflow start', async () => {
    const rounds = await roundTripsOf(stack, counter, () => order(carol));
    // Whatever follows the transaction is the workflow's first steps (reading the request to ask its
    // stage), run in this process as soon as it starts; the handler makes no DynamoDB call after it.
    expect(rounds.slice(0, 2)).toEqual([['GetItem', 'GetItem', 'GetItem', 'UpdateItem'], ['TransactWriteItems']]);
  });

  it('POST /requests with an Idempotency-Key: still 2, the stored response read with the others; a replay 1', async () => {
    const headers = { 'idempotency-key': `rounds-${Date.now()}` };
    // The workflows of the requests placed before (asking their stage) must not mix into the rounds.
    await tableQuiet();
    const rounds = await roundTripsOf(stack, counter, () => order(carol, undefined, headers));
    expect(rounds.slice(0, 2), JSON.stringify(rounds)).toEqual([['GetItem', 'GetItem', 'GetItem', 'GetItem', 'UpdateItem'], ['TransactWriteItems']]);
    await tableQuiet();
    const replay = await roundTripsOf(stack, counter, () => order(carol, undefined, headers));
    expect(replay.slice(0, 1), JSON.stringify(replay)).toEqual([['GetItem', 'GetItem', 'GetItem', 'GetItem', 'UpdateItem']]);
  });

  it('GET /requests/{id} 1, GET /requests 1', async () => {
    const request = await placed(carol);
    expect(await roundTripsOf(stack, counter, () => carol.get(`/requests/${request.id}`))).toEqual([['GetItem']]);
    expect(await roundTripsOf(stack, counter, () => carol.get('/requests?limit=5'))).toEqual([['Query']]);
  });
});
