import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { CatalogTaskTemplate, FulfilmentMode } from '../../functions/requests/domain/catalog.ts';
import type { ServiceRequest } from '../../functions/requests/domain/request.ts';
import { type RequestCounter, startRequestCounter } from '../../local/request-counter.ts';
import { agent, type Client, requester, startTestStack, type TestStack } from '../support/api.ts';
import { poll } from '../support/poll.ts';
import { roundTripsOf } from '../support/round-trips.ts';

/*
 * Fulfilment tasks over real HTTP on the local stack: queues (one Query), taking, working and
 * closing, a sequential plan opening its next task, the request fulfilled (or closed_incomplete)
 * when its last task closes, and two parallel tasks closed at the same moment both counted.
 * Requests with their tasks are written here the way the workflow's start-fulfilment step writes
 * them: createFulfilmentTasks' entries and the request's write in one transaction.
 * Demo directory: service-desk is alice and bob; network nina and bob.
 */

let stack: TestStack;
let counter: RequestCounter;
let alice: Client;
let bob: Client;
let carol: Client;
let nina: Client;

beforeAll(async () => {
  counter = await startRequestCounter(inject('dynamoDbEndpoint'));
  stack = await startTestStack({ dynamoDbEndpoint: counter.endpoint });
  [alice, bob, carol, nina] = await Promise.all([agent(stack), agent(stack, 'bob'), requester(stack), agent(stack, 'nina')]);
}, 60_000);

afterAll(async () => {
  await stack?.stop();
  await counter?.stop();
});

let sequence = 0;

/** A request in fulfilment with its tasks, committed as the start-fulfilment step does. */
async function requestWithTasks(mode: FulfilmentMode, tasks: CatalogTaskTemplate[]): Promise<{ request: ServiceRequest; taskIds: string[] }> {
  const { createFulfilmentTasks } = await import('../../functions/requests/task-write.ts');
  const { requestWrite } = await import('../../functions/requests/request-write.ts');
  const { transactWrite } = await import('../../functions/shared/store/transaction.ts');
  const { newId } = await import('../../functions/shared/store/audit.ts');
  const now = new Date();
  sequence += 1;
  const request: ServiceRequest = {
    id: newId(),
    number: `REQ9${String(Date.now() % 100_000).padStart(5, '0')}${sequence}`.slice(0, 10),
    item: { id: 'new-laptop', version: 1, name: 'New laptop', category: 'hardware' },
    plan: { approval: { stages: [] }, fulfilment: { mode, tasks }, formTitles: { model: 'Model' } },
    answers: { model: 'ThinkPad X1' },
    requester: 'carol',
    source: 'api',
    status: 'in_fulfilment',
    stages: [],
    tasks: [],
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
    version: 1,
  };
  const draft = await createFulfilmentTasks(request, now);
  const withTasks: ServiceRequest = { ...request, tasks: draft.summaries };
  await transactWrite([...requestWrite({ after: withTasks, actor: 'test', changes: [], now }), ...draft.entries]);
  return { request: withTasks, taskIds: draft.tasks.map((task) => task.id) };
}

async function storedRequest(id: string): Promise<ServiceRequest> {
  const { getRequest } = await import('../../functions/requests/store/request-store.ts');
  const request = await getRequest(id);
  if (request === undefined) throw new Error(`no request ${id}`);
  return request;
}

const template = (name: string, assignmentGroup: string): CatalogTaskTemplate => ({
  name,
  assignmentGroup,
  description: 'Prepare a {{answers.model}} for {{requester}} ({{number}}, {{item}})',
});

async function patchTask(client: Client, id: string, body: unknown) {
  const current = await client.get(`/tasks/${id}`);
  return client.request('PATCH', `/tasks/${id}`, { body, headers: { 'if-match': current.headers.get('etag') as string } });
}

/** Waits until the bus has carried an event of `type` about the request or task `id`. */
async function eventPublished(about: 'request' | 'task', id: string, type: string): Promise<void> {
  await poll(
    () =>
      stack.published
        .events()
        .filter((event) => (event.detail as Record<string, { id?: string } | undefined>)[about]?.id === id)
        .map((event) => event.detailType),
    (types) => types.includes(type),
  );
}

describe('fulfilment tasks', () => {
  it('lists a group’s queue in a status with ONE DynamoDB round trip', async () => {
    const { request, taskIds } = await requestWithTasks('parallel', [template('Image the laptop', 'service-desk'), template('Open the VPN', 'network')]);
    const queue = await alice.get('/tasks?assignmentGroup=service-desk&status=open&limit=100');
    expect(queue.status, JSON.stringify(queue.body)).toBe(200);
    const mine = queue.body.items.filter((task: { requestId: string }) => task.requestId === request.id);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({
      id: taskIds[0],
      number: expect.stringMatching(/^TASK\d{7}$/),
      requestNumber: request.number,
      name: 'Image the laptop',
      description: `Prepare a ThinkPad X1 for carol (${request.number}, New laptop)`,
      assignmentGroup: 'service-desk',
      status: 'open',
      order: 0,
    });
    expect(mine[0].sla.response).toMatchObject({ state: 'running', policy: expect.any(String), dueAt: expect.any(String) });
    expect(
      queue.body.items.every((task: { assignmentGroup: string; status: string }) => task.assignmentGroup === 'service-desk' && task.status === 'open'),
    ).toBe(true);

    const wip = await alice.get('/tasks?assignmentGroup=service-desk&status=work_in_progress&limit=100');
    expect(wip.body.items.some((task: { requestId: string }) => task.requestId === request.id)).toBe(false);
    const network = await alice.get(`/tasks?assignmentGroup=network`);
    expect(network.body.items.some((task: { id: string }) => task.id === taskIds[1])).toBe(true);
    const ofRequest = await alice.get(`/tasks?request=${request.id}`);
    expect(ofRequest.body.items.map((task: { id: string }) => task.id)).toEqual(taskIds);

    // The queue's first page is its head, once the stream consumer has kept it (roundTripsOf waits
    // for it): one GetItem; a page wider than a head keeps reads the index, one Query.
    const rounds = await roundTripsOf(stack, counter, () => alice.get('/tasks?assignmentGroup=service-desk&status=open'));
    expect(rounds).toEqual([['GetItem']]);
    expect(await roundTripsOf(stack, counter, () => alice.get('/tasks?assignmentGroup=service-desk&status=open&limit=50'))).toEqual([['Query']]);
  });

  it('by id or number, with an ETag; requesters get 404 on every /tasks route', async () => {
    const { request, taskIds } = await requestWithTasks('parallel', [template('Image the laptop', 'service-desk')]);
    const byId = await alice.get(`/tasks/${taskIds[0]}`);
    expect(byId.status).toBe(200);
    expect(byId.headers.get('etag')).toBe('"1"');
    const byNumber = await poll(
      () => alice.get(`/tasks/${byId.body.number}`),
      (reply) => reply.status === 200,
    );
    expect(byNumber.body.id).toBe(taskIds[0]);

    expect((await carol.get('/tasks')).status).toBe(404);
    expect((await carol.get(`/tasks/${taskIds[0]}`)).status).toBe(404);
    expect((await carol.request('PATCH', `/tasks/${taskIds[0]}`, { body: { status: 'work_in_progress' }, headers: { 'if-match': '"1"' } })).status).toBe(404);
    expect((await carol.get(`/tasks/${taskIds[0]}/history`)).status).toBe(404);
    expect((await carol.post(`/tasks/${taskIds[0]}/notes`, { text: 'hi' })).status).toBe(404);
    // The requester follows the tasks through the request.
    expect((await storedRequest(request.id)).tasks).toEqual([expect.objectContaining({ id: taskIds[0], status: 'open' })]);
  });

  it('take, work and close: If-Match 428/412, clocks stop, a closed task is final', async () => {
    const { request, taskIds } = await requestWithTasks('parallel', [template('Image the laptop', 'service-desk'), template('Open the VPN', 'network')]);
    const id = taskIds[0] as string;
    expect((await bob.patch(`/tasks/${id}`, { assignee: 'bob' })).status).toBe(428);
    expect((await bob.request('PATCH', `/tasks/${id}`, { body: { assignee: 'bob' }, headers: { 'if-match': '"7"' } })).status).toBe(412);
    // Someone outside the group cannot be named.
    const outsider = await patchTask(bob, id, { assignee: 'nina' });
    expect(outsider.status, JSON.stringify(outsider.body)).toBe(400);

    const taken = await patchTask(bob, id, { assignee: 'bob' });
    expect(taken.status, JSON.stringify(taken.body)).toBe(200);
    expect(taken.headers.get('etag')).toBe('"2"');
    expect(taken.body).toMatchObject({ assignee: 'bob', status: 'open' });
    expect(taken.body.sla.response.state).toBe('met');
    expect(taken.body.sla.resolution.state).toBe('running');

    const working = await patchTask(bob, id, { status: 'work_in_progress' });
    expect(working.body).toMatchObject({ status: 'work_in_progress', assignee: 'bob', version: 3 });
    expect((await storedRequest(request.id)).tasks[0]?.status).toBe('work_in_progress');

    const note = await bob.post(`/tasks/${id}/notes`, { text: 'Imaging started' });
    expect(note.status, JSON.stringify(note.body)).toBe(201);
    expect((await bob.get(`/tasks/${id}/notes`)).body.items).toEqual([expect.objectContaining({ text: 'Imaging started', author: 'bob', visibility: 'work' })]);

    const stale = await bob.request('PATCH', `/tasks/${id}`, { body: { status: 'closed_complete' }, headers: { 'if-match': '"2"' } });
    expect(stale.status).toBe(412);

    const incomplete = await patchTask(bob, id, { status: 'closed_incomplete' });
    expect(incomplete.status).toBe(400);

    const closed = await patchTask(bob, id, { status: 'closed_complete', closeNotes: 'Shipped' });
    expect(closed.status, JSON.stringify(closed.body)).toBe(200);
    expect(closed.body).toMatchObject({ status: 'closed_complete', closeNotes: 'Shipped', closedAt: expect.any(String) });
    expect(closed.body.sla.resolution.state).toBe('met');

    const again = await patchTask(bob, id, { status: 'work_in_progress' });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ reason: 'task-closed', from: 'closed_complete' });

    const history = await bob.get(`/tasks/${id}/history`);
    expect(history.body.items.map((record: { action: string }) => record.action)).toEqual(['created', 'updated', 'updated', 'note_added', 'updated']);
    // One task of two closed: the request is still being fulfilled.
    expect((await storedRequest(request.id)).status).toBe('in_fulfilment');
    await eventPublished('task', id, 'Task Closed');
  });

  it('an agent outside the task’s group cannot take it or close it while nobody holds it (it would become theirs)', async () => {
    const { request, taskIds } = await requestWithTasks('parallel', [template('Image the laptop', 'service-desk')]);
    const id = taskIds[0] as string;
    // nina is in network, not service-desk: working the task would make her its assignee.
    const take = await patchTask(nina, id, { status: 'work_in_progress' });
    expect(take.status, JSON.stringify(take.body)).toBe(403);
    expect(take.body.detail).toContain('service-desk');
    const close = await patchTask(nina, id, { status: 'closed_complete', closeNotes: 'Done' });
    expect(close.status, JSON.stringify(close.body)).toBe(403);
    // Naming herself is refused as naming anyone outside the group is: 400 on assignee.
    const named = await patchTask(nina, id, { assignee: 'nina', status: 'work_in_progress' });
    expect(named.status, JSON.stringify(named.body)).toBe(400);
    expect(named.body.errors).toEqual([expect.objectContaining({ path: 'assignee' })]);
    const unchanged = await alice.get(`/tasks/${id}`);
    expect(unchanged.body).toMatchObject({ status: 'open', version: 1 });
    expect(unchanged.body.assignee).toBeUndefined();
    expect((await storedRequest(request.id)).tasks[0]?.status).toBe('open');
    // A member takes it the same way.
    const taken = await patchTask(bob, id, { status: 'work_in_progress' });
    expect(taken.status, JSON.stringify(taken.body)).toBe(200);
    expect(taken.body).toMatchObject({ status: 'work_in_progress', assignee: 'bob' });
  });

  it('sequential: the next task opens when the one before closes; all closed fulfils the request', async () => {
    const { request, taskIds } = await requestWithTasks('sequential', [template('Order the laptop', 'service-desk'), template('Deliver it', 'network')]);
    const [first, second] = taskIds as [string, string];
    const pending = await alice.get(`/tasks/${second}`);
    expect(pending.body.status).toBe('pending');
    expect(pending.body.sla).toBeUndefined();
    const refused = await patchTask(nina, second, { status: 'work_in_progress' });
    expect(refused.status).toBe(409);
    expect(refused.body.reason).toBe('task-pending');

    expect((await patchTask(alice, first, { status: 'closed_complete' })).status).toBe(200);
    const opened = await alice.get(`/tasks/${second}`);
    expect(opened.body).toMatchObject({ status: 'open', openedAt: expect.any(String), version: 2 });
    expect(opened.body.sla.response.state).toBe('running');
    expect((await storedRequest(request.id)).tasks.map((task) => task.status)).toEqual(['closed_complete', 'open']);

    const last = await patchTask(bob, second, { status: 'closed_complete' });
    expect(last.status, JSON.stringify(last.body)).toBe(200);
    const fulfilled = await storedRequest(request.id);
    expect(fulfilled).toMatchObject({ status: 'fulfilled', fulfilledAt: expect.any(String) });
    expect(fulfilled.tasks.map((task) => task.status)).toEqual(['closed_complete', 'closed_complete']);
    await eventPublished('request', request.id, 'Request Fulfilled');
  });

  it('any task closed incomplete makes the request closed_incomplete', async () => {
    const { request, taskIds } = await requestWithTasks('parallel', [template('Image the laptop', 'service-desk'), template('Open the VPN', 'service-desk')]);
    expect((await patchTask(alice, taskIds[0] as string, { status: 'closed_incomplete', closeNotes: 'Model out of stock' })).status).toBe(200);
    expect((await storedRequest(request.id)).status).toBe('in_fulfilment');
    expect((await patchTask(alice, taskIds[1] as string, { status: 'closed_complete' })).status).toBe(200);
    const done = await storedRequest(request.id);
    expect(done).toMatchObject({ status: 'closed_incomplete', closedAt: expect.any(String) });
    await eventPublished('request', request.id, 'Request Closed Incomplete');
  });

  it('two parallel tasks closed at the same moment both land', async () => {
    for (let round = 0; round < 3; round++) {
      const { request, taskIds } = await requestWithTasks('parallel', [template('Image the laptop', 'service-desk'), template('Open the VPN', 'service-desk')]);
      const [a, b] = await Promise.all(
        taskIds.map((id) => alice.request('PATCH', `/tasks/${id}`, { body: { status: 'closed_complete' }, headers: { 'if-match': '"1"' } })),
      );
      expect(a?.status, JSON.stringify(a?.body)).toBe(200);
      expect(b?.status, JSON.stringify(b?.body)).toBe(200);
      const done = await storedRequest(request.id);
      expect(done.tasks.map((task) => task.status)).toEqual(['closed_complete', 'closed_complete']);
      expect(done.status).toBe('fulfilled');
      expect(done.version).toBe(3);
    }
  });
  it('a request ordered over HTTP (password-reset, no approval) gets its task through the workflow, and closing it fulfils the request', async () => {
    const ordered = await carol.post('/requests', { item: 'password-reset', answers: { account: 'carol@example.com', system: 'VPN' } });
    expect(ordered.status, JSON.stringify(ordered.body)).toBe(201);
    const tasks = await poll(
      () => alice.get(`/tasks?request=${ordered.body.id}`),
      (reply) => reply.status === 200 && reply.body.items.length === 1,
    );
    const task = tasks.body.items[0];
    expect(task).toMatchObject({
      requestNumber: ordered.body.number,
      name: 'Reset password',
      assignmentGroup: 'service-desk',
      status: 'open',
      description: `Verify the identity of carol, then reset the password of carol@example.com (VPN), ${ordered.body.number}.`,
    });
    expect(task.sla.resolution.state).toBe('running');
    const queue = await alice.get('/tasks?assignmentGroup=service-desk&status=open&limit=100');
    expect(queue.body.items.some((queued: { id: string }) => queued.id === task.id)).toBe(true);

    expect((await patchTask(bob, task.id, { status: 'work_in_progress' })).status).toBe(200);
    expect((await patchTask(bob, task.id, { status: 'closed_complete', closeNotes: 'Temporary password sent' })).status).toBe(200);
    // The requester sees the outcome and the task summary through the request.
    const mine = await carol.get(`/requests/${ordered.body.id}`);
    expect(mine.status).toBe(200);
    expect(mine.body).toMatchObject({ status: 'fulfilled', tasks: [expect.objectContaining({ id: task.id, status: 'closed_complete' })] });
  });
});
