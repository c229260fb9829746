import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admin, agent, type Client, requester, startTestStack, type TestStack } from '../support/api.ts';
import { poll } from '../support/poll.ts';

/*
 * Each item of the seeded catalog ordered over real HTTP and driven through its whole path as the
 * people involved would: the real request-fulfilment ASL on the local Step Functions runner asks
 * the approval stages and starts fulfilment, approvers vote, agents of the tasks' groups take and
 * close them, the requester follows and closes. Demo directory (local/seed.ts): carol's manager is
 * bob, dave's is alice; procurement is bob, identity-admins alice, access-managers nina,
 * licence-managers ada, service-desk alice and bob.
 */

let stack: TestStack;
let ada: Client;
let alice: Client;
let bob: Client;
let nina: Client;
let carol: Client;
let dave: Client;

type Request = Record<string, any> & { id: string; number: string; status: string; version: number };
type Task = Record<string, any> & { id: string; number: string; status: string; assignmentGroup: string };

beforeAll(async () => {
  stack = await startTestStack();
  [ada, alice, bob, nina, carol, dave] = await Promise.all([
    admin(stack),
    agent(stack),
    agent(stack, 'bob'),
    agent(stack, 'nina'),
    requester(stack),
    requester(stack, 'dave'),
  ]);
}, 60_000);

afterAll(async () => {
  await stack?.stop();
});

async function order(client: Client, item: string, answers: Record<string, unknown>): Promise<Request> {
  const reply = await client.post<Request>('/requests', { item, answers });
  expect(reply.status, JSON.stringify(reply.body)).toBe(201);
  expect(reply.body).toMatchObject({ number: expect.stringMatching(/^REQ\d{7}$/), status: 'submitted', item: { id: item } });
  return reply.body;
}

/** Polls the request (as an agent) until `done` holds: the workflow moves it a moment after each step. */
const until = (id: string, done: (request: Request) => boolean): Promise<Request> =>
  poll(async () => (await ada.get<Request>(`/requests/${id}`)).body, done, 15_000);

const vote = (client: Client, id: string, decision: 'approve' | 'reject', comment?: string) =>
  client.post(`/requests/${id}/approvals`, { decision, ...(comment === undefined ? {} : { comment }) });

async function readTask(client: Client, id: string): Promise<Task> {
  const reply = await client.get<Task>(`/tasks/${id}`);
  expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  return reply.body;
}

async function patchTask(client: Client, id: string, body: unknown) {
  const current = await client.get(`/tasks/${id}`);
  return client.request('PATCH', `/tasks/${id}`, { body, headers: { 'if-match': current.headers.get('etag') as string } });
}

async function tasksOf(requestId: string): Promise<Task[]> {
  const reply = await alice.get<{ items: Task[] }>(`/tasks?request=${requestId}`);
  expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  return reply.body.items;
}

/** The request's status moves, oldest first, from its history as `client` sees it ('(new)->submitted' is its creation). */
async function statusMoves(client: Client, id: string): Promise<string[]> {
  const history = await client.get<{ items: { changes?: { field: string; from?: unknown; to?: unknown }[] }[] }>(`/requests/${id}/history?limit=100`);
  expect(history.status, JSON.stringify(history.body)).toBe(200);
  return history.body.items.flatMap((record) => (record.changes ?? []).filter((c) => c.field === 'status').map((c) => `${c.from ?? '(new)'}->${c.to}`));
}

const execution = (request: Request) => stack.executions().find((e) => e.executionArn === request.workflow?.executionArn);

/** Waits for the workflow execution of `request` to leave RUNNING and returns its final status. */
const finished = async (request: Request): Promise<string | undefined> =>
  poll(
    async () => execution(request)?.status,
    (status) => status !== undefined && status !== 'RUNNING',
    15_000,
  );

/** The published events of a request and its tasks, in publication order (after the outbox drained). */
async function published(request: Request): Promise<{ request: string[]; task: string[] }> {
  await stack.settled();
  const events = stack.published.events();
  return {
    request: events.filter((e) => (e.detail as { request?: { number: string } }).request?.number === request.number).map((e) => e.detailType),
    task: events.filter((e) => (e.detail as { task?: { requestNumber: string } }).task?.requestNumber === request.number).map((e) => e.detailType),
  };
}

const count = (types: string[], type: string) => types.filter((t) => t === type).length;

describe('new-laptop: the manager approves, procurement then the service desk fulfil, the requester closes', () => {
  it('runs the whole path', async () => {
    const invalid = await carol.post('/requests', { item: 'new-laptop', answers: { model: 'commodore-64', keyboardLayout: 'UK' } });
    expect(invalid.status).toBe(400);
    expect(JSON.stringify(invalid.body)).toMatch(/Model/);
    expect(JSON.stringify(invalid.body)).toMatch(/Delivery address/);

    const request = await order(carol, 'new-laptop', {
      model: 'thinkpad-x1-carbon',
      keyboardLayout: 'UK',
      deliveryAddress: '1 Example Street, London EC1A 1AA',
      replacesAssetTag: 'LT-01234',
    });
    expect(request.manager).toBe('bob');

    const asked = await until(request.id, (r) => r.status === 'awaiting_approval' && r.stages[0]?.status === 'pending');
    expect(asked).toMatchObject({ currentStage: 0, stages: [{ kind: 'manager', approvers: ['bob'], quorum: 1, status: 'pending' }], tasks: [] });
    const mine = await bob.get<{ items: Request[] }>('/requests?awaitingApprovalBy=me');
    expect(mine.body.items.map((r) => r.number)).toContain(request.number);

    const approved = await vote(bob, request.id, 'approve', 'Old one is five years old');
    expect(approved.status, JSON.stringify(approved.body)).toBe(201);

    const fulfilling = await until(request.id, (r) => r.status === 'in_fulfilment');
    expect(fulfilling.stages[0].status).toBe('approved');
    expect(fulfilling.approvedAt).toEqual(expect.any(String));
    expect(fulfilling.tasks).toEqual([
      expect.objectContaining({ name: 'Procure laptop', assignmentGroup: 'procurement', status: 'open' }),
      expect.objectContaining({ name: 'Set up laptop', assignmentGroup: 'service-desk', status: 'pending' }),
    ]);
    const [procure, setUp] = fulfilling.tasks as [Task, Task];

    const procureTask = await readTask(bob, procure.id);
    expect(procureTask).toMatchObject({ requestId: request.id, requestNumber: request.number, status: 'open', order: 0 });
    expect(procureTask.description).toContain(request.number);
    expect(procureTask.description).toContain('carol');
    expect(procureTask.sla.response).toMatchObject({ state: 'running', dueAt: expect.any(String) });
    expect(procureTask.sla.resolution).toMatchObject({ state: 'running', dueAt: expect.any(String) });
    const pending = await readTask(alice, setUp.id);
    expect(pending.status).toBe('pending');
    expect(pending.description).toContain('1 Example Street, London EC1A 1AA');
    expect(pending.sla).toBeUndefined();
    // The procurement queue holds it; the service desk's open queue does not hold the pending step.
    const queue = await bob.get<{ items: Task[] }>('/tasks?assignmentGroup=procurement&status=open&limit=100');
    expect(queue.body.items.map((t) => t.id)).toContain(procure.id);
    const deskOpen = await alice.get<{ items: Task[] }>('/tasks?assignmentGroup=service-desk&status=open&limit=100');
    expect(deskOpen.body.items.map((t) => t.id)).not.toContain(setUp.id);

    // bob (procurement) takes it, then closes it complete.
    const taken = await patchTask(bob, procure.id, { status: 'work_in_progress' });
    expect(taken.status, JSON.stringify(taken.body)).toBe(200);
    expect(taken.body).toMatchObject({ status: 'work_in_progress', assignee: 'bob' });
    expect(taken.body.sla.response.state).toBe('met');
    const closed = await patchTask(bob, procure.id, { status: 'closed_complete', closeNotes: 'Ordered, PO 4711' });
    expect(closed.status, JSON.stringify(closed.body)).toBe(200);
    expect(closed.body).toMatchObject({ status: 'closed_complete', closedAt: expect.any(String) });
    expect(closed.body.sla.resolution.state).toBe('met');

    // The next step opens, with its clocks; the request is still being fulfilled.
    const opened = await readTask(alice, setUp.id);
    expect(opened.status).toBe('open');
    expect(opened.sla.response).toMatchObject({ state: 'running' });
    expect(opened.sla.resolution).toMatchObject({ state: 'running' });
    const midway = await carol.get<Request>(`/requests/${request.id}`);
    expect(midway.body.status).toBe('in_fulfilment');
    expect(midway.body.tasks.map((t: Task) => t.status)).toEqual(['closed_complete', 'open']);

    const setUpDone = await patchTask(alice, setUp.id, { status: 'closed_complete', closeNotes: 'Delivered' });
    expect(setUpDone.status, JSON.stringify(setUpDone.body)).toBe(200);
    expect(setUpDone.body.assignee).toBe('alice');

    const fulfilled = await carol.get<Request>(`/requests/${request.id}`);
    expect(fulfilled.body).toMatchObject({ status: 'fulfilled', fulfilledAt: expect.any(String) });
    expect(fulfilled.body.tasks.map((t: Task) => t.status)).toEqual(['closed_complete', 'closed_complete']);

    // The requester closes it (If-Match required).
    expect((await carol.patch(`/requests/${request.id}`, { status: 'closed' })).status).toBe(428);
    const closedRequest = await carol.request('PATCH', `/requests/${request.id}`, {
      body: { status: 'closed' },
      headers: { 'if-match': fulfilled.headers.get('etag') as string },
    });
    expect(closedRequest.status, JSON.stringify(closedRequest.body)).toBe(200);
    expect(closedRequest.body).toMatchObject({ status: 'closed', closedAt: expect.any(String) });

    expect(await statusMoves(carol, request.id)).toEqual([
      '(new)->submitted',
      'submitted->awaiting_approval',
      'awaiting_approval->approved',
      'approved->in_fulfilment',
      'in_fulfilment->fulfilled',
      'fulfilled->closed',
    ]);
    const taskHistory = await bob.get<{ items: { action: string; actor: string }[] }>(`/tasks/${procure.id}/history`);
    expect(taskHistory.body.items.map((r) => r.action)).toEqual(['created', 'updated', 'updated']);
    expect(taskHistory.body.items.slice(1).map((r) => r.actor)).toEqual(['bob', 'bob']);

    expect(await finished(fulfilling)).toBe('SUCCEEDED');
    const events = await published(request);
    expect(events.request).toEqual([
      'Request Submitted',
      'Request Approval Requested',
      'Request Vote Recorded',
      'Request Approved',
      'Request In Fulfilment',
      // The task taken, then closed with the next one opening: each moves the request's task summary.
      'Request Updated',
      'Request Updated',
      'Request Fulfilled',
      'Request Closed',
    ]);
    expect(count(events.task, 'Task Created')).toBe(2);
    expect(count(events.task, 'Task Closed')).toBe(2);
  });
});

describe('application-access: the manager, then an access manager; identity admins close it incomplete', () => {
  it('runs the whole path', async () => {
    const answers = { application: 'GitHub', accessLevel: 'admin', justification: 'Maintaining the release pipelines of the platform team' };
    // Administrator access needs an end date (the form's conditional field).
    const open = await dave.post('/requests', { item: 'application-access', answers });
    expect(open.status).toBe(400);
    expect(JSON.stringify(open.body)).toMatch(/End date/);

    const request = await order(dave, 'application-access', { ...answers, endDate: '2027-06-30' });
    expect(request.manager).toBe('alice');

    await until(request.id, (r) => r.status === 'awaiting_approval' && r.stages[0]?.status === 'pending');
    const managerApproves = await vote(alice, request.id, 'approve');
    expect(managerApproves.status, JSON.stringify(managerApproves.body)).toBe(201);

    const second = await until(request.id, (r) => r.currentStage === 1 && r.stages[1]?.status === 'pending');
    expect(second).toMatchObject({
      status: 'awaiting_approval',
      stages: [
        { kind: 'manager', status: 'approved', approvers: ['alice'] },
        { kind: 'group', group: 'access-managers', quorum: 1, approvers: ['nina'], status: 'pending' },
      ],
    });
    // The requester never approves their own request; an agent the stage did not ask cannot either.
    const own = await vote(dave, request.id, 'approve');
    expect(own.status).toBe(403);
    expect((await vote(bob, request.id, 'approve')).status).toBe(403);
    expect((await ada.get<Request>(`/requests/${request.id}`)).body.status).toBe('awaiting_approval');

    const groupApproves = await vote(nina, request.id, 'approve', 'Owner of GitHub agrees');
    expect(groupApproves.status, JSON.stringify(groupApproves.body)).toBe(201);

    const fulfilling = await until(request.id, (r) => r.status === 'in_fulfilment');
    expect(fulfilling.tasks).toEqual([expect.objectContaining({ name: 'Grant access', assignmentGroup: 'identity-admins', status: 'open' })]);
    const grant = await readTask(alice, fulfilling.tasks[0].id);
    expect(grant.description).toContain('GitHub');
    expect(grant.description).toContain('2027-06-30');

    // Incomplete needs close notes.
    const bare = await patchTask(alice, grant.id, { status: 'closed_incomplete' });
    expect(bare.status).toBe(400);
    expect(JSON.stringify(bare.body)).toMatch(/closeNotes/);
    const incomplete = await patchTask(alice, grant.id, {
      status: 'closed_incomplete',
      closeNotes: 'GitHub admin is held by two people only; read and write granted instead',
    });
    expect(incomplete.status, JSON.stringify(incomplete.body)).toBe(200);
    expect(incomplete.body).toMatchObject({ status: 'closed_incomplete', assignee: 'alice' });

    const after = await dave.get<Request>(`/requests/${request.id}`);
    expect(after.body).toMatchObject({ status: 'closed_incomplete', closedAt: expect.any(String), tasks: [{ status: 'closed_incomplete' }] });
    expect(after.body.fulfilledAt).toBeUndefined();
    // closed_incomplete is final: the requester cannot close it.
    const close = await dave.request('PATCH', `/requests/${request.id}`, {
      body: { status: 'closed' },
      headers: { 'if-match': after.headers.get('etag') as string },
    });
    expect(close.status).toBe(409);

    expect(await statusMoves(dave, request.id)).toEqual([
      '(new)->submitted',
      'submitted->awaiting_approval',
      'awaiting_approval->approved',
      'approved->in_fulfilment',
      'in_fulfilment->closed_incomplete',
    ]);
    expect(await finished(fulfilling)).toBe('SUCCEEDED');
    const events = await published(request);
    expect(events.request).toEqual([
      'Request Submitted',
      'Request Approval Requested',
      'Request Vote Recorded',
      'Request Approval Requested',
      'Request Vote Recorded',
      'Request Approved',
      'Request In Fulfilment',
      'Request Closed Incomplete',
    ]);
    expect(events.task).toEqual(['Task Created', 'Task Closed']);
  });
});

describe('software-licence: a licence manager rejects it', () => {
  it('rejects with a comment; no task is ever created', async () => {
    const request = await order(carol, 'software-licence', { product: 'Figma Professional', quantity: 3, costCentre: 'CC-1234', licensees: ['carol', 'dave'] });
    const asked = await until(request.id, (r) => r.status === 'awaiting_approval' && r.stages[0]?.status === 'pending');
    expect(asked.stages).toEqual([expect.objectContaining({ kind: 'group', group: 'licence-managers', approvers: ['ada'], quorum: 1 })]);

    expect((await vote(ada, request.id, 'reject')).status).toBe(400);
    const rejected = await vote(ada, request.id, 'reject', 'No budget left this quarter');
    expect(rejected.status, JSON.stringify(rejected.body)).toBe(201);

    const after = await carol.get<Request>(`/requests/${request.id}`);
    expect(after.body).toMatchObject({ status: 'rejected', rejection: { reason: 'rejected', by: 'ada' }, stages: [{ status: 'rejected' }], tasks: [] });
    const approvals = await carol.get(`/requests/${request.id}/approvals`);
    expect(approvals.body.stages[0].responses).toEqual([
      expect.objectContaining({ userId: 'ada', decision: 'reject', comment: 'No budget left this quarter' }),
    ]);

    expect(await finished(asked)).toBe('SUCCEEDED');
    expect(await tasksOf(request.id)).toEqual([]);
    expect((await carol.get<Request>(`/requests/${request.id}`)).body.status).toBe('rejected');
    expect(await statusMoves(carol, request.id)).toEqual(['(new)->submitted', 'submitted->awaiting_approval', 'awaiting_approval->rejected']);
    const events = await published(request);
    expect(events.request).toEqual(['Request Submitted', 'Request Approval Requested', 'Request Vote Recorded', 'Request Rejected']);
    expect(events.task).toEqual([]);
  });
});

describe('password-reset: no approval, straight to the service desk', () => {
  it('never awaits approval; the closed task fulfils it', async () => {
    const request = await order(carol, 'password-reset', { account: 'carol@example.com', system: 'VPN' });
    expect(request.stages).toEqual([]);
    const fulfilling = await until(request.id, (r) => r.status === 'in_fulfilment');
    expect(fulfilling.tasks).toEqual([expect.objectContaining({ name: 'Reset password', assignmentGroup: 'service-desk', status: 'open' })]);
    expect(fulfilling.approvedAt).toBeUndefined();

    const task = await readTask(bob, fulfilling.tasks[0].id);
    expect(task.description).toContain('carol@example.com');
    expect(task.sla.response.state).toBe('running');
    // Closed straight away by an agent of the group: it becomes theirs, both clocks stop.
    const closed = await patchTask(bob, task.id, { status: 'closed_complete' });
    expect(closed.status, JSON.stringify(closed.body)).toBe(200);
    expect(closed.body).toMatchObject({ status: 'closed_complete', assignee: 'bob' });
    expect(closed.body.sla.response.state).toBe('met');
    expect(closed.body.sla.resolution.state).toBe('met');

    expect((await carol.get<Request>(`/requests/${request.id}`)).body).toMatchObject({ status: 'fulfilled', fulfilledAt: expect.any(String) });
    expect(await statusMoves(carol, request.id)).toEqual(['(new)->submitted', 'submitted->in_fulfilment', 'in_fulfilment->fulfilled']);
    expect(await finished(fulfilling)).toBe('SUCCEEDED');
    const events = await published(request);
    expect(events.request).toEqual(['Request Submitted', 'Request In Fulfilment', 'Request Fulfilled']);
    expect(events.task).toEqual(['Task Created', 'Task Closed']);
  });
});

describe('report-something-else: no approval, notes both ways', () => {
  it('the requester sees public notes only; cancel comes too late once fulfilment started; the closed task fulfils it', async () => {
    const request = await order(dave, 'report-something-else', { summary: 'The meeting room screen in B2 flickers', details: 'Since Monday, on every input.' });
    const fulfilling = await until(request.id, (r) => r.status === 'in_fulfilment');
    expect(fulfilling.tasks).toEqual([expect.objectContaining({ name: 'Handle request', assignmentGroup: 'service-desk', status: 'open' })]);

    // Cancel is only for requests not yet in fulfilment.
    const cancel = await dave.post(`/requests/${request.id}/cancel`, { reason: 'Fixed itself' });
    expect(cancel.status).toBe(409);

    const publicNote = await dave.post(`/requests/${request.id}/notes`, { text: 'It also happens with HDMI', visibility: 'public' });
    expect(publicNote.status, JSON.stringify(publicNote.body)).toBe(201);
    expect((await dave.post(`/requests/${request.id}/notes`, { text: 'secret', visibility: 'work' })).status).toBe(403);
    const workNote = await alice.post(`/requests/${request.id}/notes`, { text: 'Probably the cable, ordering one', visibility: 'work' });
    expect(workNote.status, JSON.stringify(workNote.body)).toBe(201);

    const seenByRequester = await dave.get<{ items: { text: string; visibility: string }[] }>(`/requests/${request.id}/notes`);
    expect(seenByRequester.body.items.map((n) => [n.text, n.visibility])).toEqual([['It also happens with HDMI', 'public']]);
    const seenByAgent = await alice.get<{ items: { text: string; visibility: string; author: string }[] }>(`/requests/${request.id}/notes`);
    expect(seenByAgent.body.items.map((n) => [n.text, n.visibility, n.author])).toEqual(
      expect.arrayContaining([
        ['It also happens with HDMI', 'public', 'dave'],
        ['Probably the cable, ordering one', 'work', 'alice'],
      ]),
    );
    expect(seenByAgent.body.items).toHaveLength(2);

    const closed = await patchTask(alice, fulfilling.tasks[0].id, { status: 'closed_complete', closeNotes: 'Cable replaced' });
    expect(closed.status, JSON.stringify(closed.body)).toBe(200);
    expect((await dave.get<Request>(`/requests/${request.id}`)).body.status).toBe('fulfilled');

    // The requester's history leaves out the work note; the agent's has both notes.
    const notesIn = async (client: Client) =>
      ((await client.get<{ items: { action: string }[] }>(`/requests/${request.id}/history?limit=100`)).body.items ?? []).filter(
        (r) => r.action === 'note_added',
      ).length;
    expect(await notesIn(dave)).toBe(1);
    expect(await notesIn(alice)).toBe(2);
    expect(await statusMoves(dave, request.id)).toEqual(['(new)->submitted', 'submitted->in_fulfilment', 'in_fulfilment->fulfilled']);

    expect(await finished(fulfilling)).toBe('SUCCEEDED');
    const events = await published(request);
    expect(events.request).toEqual(['Request Submitted', 'Request In Fulfilment', 'Request Note Added', 'Request Note Added', 'Request Fulfilled']);
    expect(events.task).toEqual(['Task Created', 'Task Closed']);
  });
});

describe('new-laptop canceled while awaiting approval', () => {
  it('ends the workflow with no task, and the approver’s vote afterwards is refused', async () => {
    const request = await order(carol, 'new-laptop', { model: 'macbook-air-13', keyboardLayout: 'US', deliveryAddress: 'Home office, 12 Side Road, Leeds' });
    const asked = await until(request.id, (r) => r.status === 'awaiting_approval' && r.stages[0]?.status === 'pending');

    const canceled = await carol.post<Request>(`/requests/${request.id}/cancel`, { reason: 'My old laptop was repaired' });
    expect(canceled.status, JSON.stringify(canceled.body)).toBe(200);
    expect(canceled.body).toMatchObject({
      status: 'canceled',
      cancellation: { by: 'carol', reason: 'My old laptop was repaired' },
      stages: [{ status: 'withdrawn' }],
    });

    const late = await vote(bob, request.id, 'approve');
    expect(late.status).toBe(409);
    expect(late.body.type).toMatch(/not-awaiting-approval$/);
    const awaiting = await bob.get<{ items: Request[] }>('/requests?awaitingApprovalBy=me');
    expect(awaiting.body.items.map((r) => r.number)).not.toContain(request.number);

    // The cancel stops the execution waiting on the manager's token.
    expect(await finished(asked)).toBe('ABORTED');
    expect(await tasksOf(request.id)).toEqual([]);
    const after = await carol.get<Request>(`/requests/${request.id}`);
    expect(after.body).toMatchObject({ status: 'canceled', tasks: [] });
    expect(await statusMoves(carol, request.id)).toEqual(['(new)->submitted', 'submitted->awaiting_approval', 'awaiting_approval->canceled']);
    const events = await published(request);
    expect(events.request).toEqual(['Request Submitted', 'Request Approval Requested', 'Request Canceled']);
    expect(events.task).toEqual([]);
  });
});
