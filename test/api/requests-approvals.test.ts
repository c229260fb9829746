import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stageKey } from '../../functions/requests/store/keys.ts';
import { admin, agent, type Client, requester, startTestStack, type TestStack } from '../support/api.ts';
import { poll } from '../support/poll.ts';

/*
 * Request approvals end to end on the local stack (slice C of issue 15): the real
 * request-fulfilment ASL on the local Step Functions runner (at 1/1000th of real time, with real
 * task tokens), the real steps function asking each stage, POST /requests/{id}/approvals answering
 * the tokens, and the fulfilment tasks created once every stage approved. Directory for this file:
 * carol's manager is dave (a requester: approvers may have any role); the group rq-approvers is
 * alice, bob and carol (carol is never asked about her own request); rq-solo is carol alone.
 */

let stack: TestStack;
let ada: Client;
let alice: Client;
let bob: Client;
let carol: Client;
let dave: Client;
let erin: Client;

type Request = Record<string, any> & { id: string; number: string; status: string; version: number };

const item = (id: string, stages: unknown[]) => ({
  id,
  name: `Access ${id}`,
  category: 'Access',
  description: 'Access to an application, approved by the manager and then the application owners',
  form: {
    type: 'object',
    properties: { reason: { type: 'string', title: 'Reason', minLength: 3 } },
    required: ['reason'],
    additionalProperties: false,
  },
  approval: { stages },
  fulfilment: { mode: 'parallel', tasks: [{ name: 'Grant access', assignmentGroup: 'service-desk', description: 'Grant {{requester}} access ({{number}})' }] },
});

async function order(itemId: string, client: Client = carol): Promise<Request> {
  const reply = await client.post<Request>('/requests', { item: itemId, answers: { reason: 'For the quarterly report' } });
  expect(reply.status, JSON.stringify(reply.body)).toBe(201);
  return reply.body;
}

const read = async (id: string, client: Client = carol): Promise<Request> => (await client.get<Request>(`/requests/${id}`)).body;

/** Polls the request until `done` holds (the workflow moves it a moment after each step). */
async function until(id: string, _what: string, done: (request: Request) => boolean): Promise<Request> {
  return poll(() => read(id, ada), done);
}

const vote = (client: Client, id: string, decision: 'approve' | 'reject', comment?: string) =>
  client.post(`/requests/${id}/approvals`, { decision, ...(comment === undefined ? {} : { comment }) });

const eventTypes = (number: string) =>
  stack.published
    .events()
    .filter((e) => (e.detail as { request?: { number: string } }).request?.number === number)
    .map((e) => e.detailType);

const awaiting = async (client: Client) => ((await client.get<{ items: Request[] }>('/requests?awaitingApprovalBy=me')).body.items ?? []).map((r) => r.number);

const execution = (request: Request) => stack.executions().find((e) => e.executionArn === request.workflow?.executionArn);

async function setConfig(fields: Record<string, unknown>): Promise<void> {
  const current = await ada.get('/request-config');
  const put = await ada.request('PUT', '/request-config', {
    body: { approvalTimeoutSeconds: current.body.approvalTimeoutSeconds, reminders: current.body.reminders, emailDefaultItem: 'rq-access', ...fields },
    headers: { 'if-match': current.headers.get('etag') as string },
  });
  expect(put.status, JSON.stringify(put.body)).toBe(200);
}

beforeAll(async () => {
  stack = await startTestStack({ workflowTimeScale: 0.001 });
  [ada, alice, bob, carol, dave, erin] = await Promise.all([
    admin(stack),
    agent(stack),
    agent(stack, 'bob'),
    requester(stack),
    requester(stack, 'dave'),
    requester(stack, 'erin'),
  ]);
  const user = await ada.get('/users/carol');
  const managed = await ada.request('PUT', '/users/carol', {
    body: { displayName: user.body.displayName, email: user.body.email, manager: 'dave', active: true },
    headers: { 'if-match': user.headers.get('etag') as string },
  });
  expect(managed.status, JSON.stringify(managed.body)).toBe(200);
  for (const group of [
    { name: 'rq-approvers', displayName: 'Application owners', members: ['alice', 'bob', 'carol'] },
    { name: 'rq-solo', displayName: 'Only the requester', members: ['carol'] },
  ]) {
    const created = await ada.post('/groups', group);
    expect(created.status, JSON.stringify(created.body)).toBe(201);
  }
  for (const body of [
    item('rq-access', [{ kind: 'manager' }, { kind: 'group', group: 'rq-approvers', quorum: 2 }]),
    item('rq-manager', [{ kind: 'manager' }]),
    item('rq-solo', [{ kind: 'group', group: 'rq-solo', quorum: 1 }]),
  ]) {
    const created = await ada.post('/catalog-items', body);
    expect(created.status, JSON.stringify(created.body)).toBe(201);
  }
  // Ten hours per wait: 36 s here, so every vote lands well inside the first wait.
  await setConfig({ approvalTimeoutSeconds: 36_000, reminders: 2 });
}, 60_000);

afterAll(async () => {
  await stack?.stop();
});

describe('/request-config', () => {
  it('agents read it, requesters do not; admins replace it with If-Match; the e-mail item must exist', async () => {
    const read = await alice.get('/request-config');
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ approvalTimeoutSeconds: 36_000, reminders: 2, emailDefaultItem: 'rq-access' });
    expect((await carol.get('/request-config')).status).toBe(403);
    const body = { approvalTimeoutSeconds: 36_000, reminders: 2, emailDefaultItem: 'rq-access' };
    expect((await alice.request('PUT', '/request-config', { body, headers: { 'if-match': read.headers.get('etag') as string } })).status).toBe(403);
    expect((await ada.put('/request-config', body)).status).toBe(428);
    const missing = await ada.request('PUT', '/request-config', {
      body: { ...body, emailDefaultItem: 'no-such-item' },
      headers: { 'if-match': read.headers.get('etag') as string },
    });
    expect(missing.status).toBe(400);
    expect(JSON.stringify(missing.body)).toMatch(/emailDefaultItem/);
    const tooShort = await ada.request('PUT', '/request-config', {
      body: { ...body, approvalTimeoutSeconds: 5 },
      headers: { 'if-match': read.headers.get('etag') as string },
    });
    expect(tooShort.status).toBe(400);
    const history = await ada.get('/request-config');
    expect(history.body.version).toBe(read.body.version);
  });
});

describe('a two-stage request: the manager, then the group with quorum 2, over HTTP', () => {
  it('asks each stage in turn, takes votes once from those asked only, then creates the fulfilment tasks', async () => {
    const request = await order('rq-access');
    expect(request.stages.map((s: { status: string }) => s.status)).toEqual(['waiting', 'waiting']);

    const first = await until(request.id, 'the manager asked', (r) => r.status === 'awaiting_approval' && r.stages[0].status === 'pending');
    expect(first).toMatchObject({ currentStage: 0, stages: [{ kind: 'manager', approvers: ['dave'], quorum: 1 }, { status: 'waiting' }] });
    expect(await awaiting(dave)).toEqual([request.number]);
    expect(await awaiting(alice)).toEqual([]);

    // carol ordered it; alice is an agent but was not asked; erin is neither and does not see it.
    const own = await vote(carol, request.id, 'approve');
    expect(own.status).toBe(403);
    expect(own.body.detail).toMatch(/own request/);
    expect((await vote(alice, request.id, 'approve')).status).toBe(403);
    expect((await vote(erin, request.id, 'approve')).status).toBe(404);
    expect((await erin.get(`/requests/${request.id}/approvals`)).status).toBe(404);

    const managerApproves = await vote(dave, request.number, 'approve', 'Needed for the report');
    expect(managerApproves.status, JSON.stringify(managerApproves.body)).toBe(201);
    expect(managerApproves.body).toMatchObject({ userId: 'dave', decision: 'approve', stage: { index: 0, status: 'approved', approvals: 1, awaiting: [] } });
    // No second vote: 409 while the decided stage is still the current one, 403 once the workflow has asked the group (dave is not in it).
    expect([409, 403]).toContain((await vote(dave, request.id, 'approve')).status);

    const second = await until(request.id, 'the group asked', (r) => r.currentStage === 1 && r.stages[1].status === 'pending');
    expect(second.stages[1]).toMatchObject({ kind: 'group', group: 'rq-approvers', quorum: 2, approvers: ['alice', 'bob'] });
    expect(await awaiting(dave)).toEqual([]);
    expect(await awaiting(alice)).toEqual([request.number]);

    const aliceApproves = await vote(alice, request.id, 'approve');
    expect(aliceApproves.status).toBe(201);
    expect(aliceApproves.body.stage).toMatchObject({ status: 'pending', approvals: 1, awaiting: ['bob'] });
    const twice = await vote(alice, request.id, 'approve');
    expect(twice.status).toBe(409);
    expect(twice.body.type).toMatch(/already-voted$/);
    expect(await awaiting(alice)).toEqual([]);
    expect(await awaiting(bob)).toEqual([request.number]);
    expect((await read(request.id)).status).toBe('awaiting_approval');

    expect((await vote(bob, request.id, 'approve')).status).toBe(201);
    // The last stage's approval approves the request; the workflow then starts its fulfilment.
    const history = await carol.get(`/requests/${request.id}/history?limit=100`);
    expect(history.body.items).toContainEqual(
      expect.objectContaining({ actor: 'bob', changes: expect.arrayContaining([{ field: 'status', from: 'awaiting_approval', to: 'approved' }]) }),
    );
    const fulfilling = await until(request.id, 'fulfilment started', (r) => r.status === 'in_fulfilment');
    expect(fulfilling.approvedAt).toEqual(expect.any(String));
    expect(fulfilling.tasks).toEqual([expect.objectContaining({ name: 'Grant access', assignmentGroup: 'service-desk', status: 'open' })]);
    const task = await alice.get(`/tasks/${fulfilling.tasks[0].id}`);
    expect(task.status, JSON.stringify(task.body)).toBe(200);
    expect(task.body).toMatchObject({ requestId: request.id, status: 'open', description: `Grant carol access (${request.number})` });
    expect(await awaiting(bob)).toEqual([]);

    // The requester sees who was asked and who answered, with comments; never a task token.
    const approvals = await carol.get(`/requests/${request.id}/approvals`);
    expect(approvals.status).toBe(200);
    expect(approvals.body).toMatchObject({
      number: request.number,
      status: 'in_fulfilment',
      stages: [
        { index: 0, status: 'approved', approvers: ['dave'], responses: [{ userId: 'dave', decision: 'approve', comment: 'Needed for the report' }] },
        { index: 1, status: 'approved', approvers: ['alice', 'bob'], approvals: 2, responses: [{ userId: 'alice' }, { userId: 'bob' }] },
      ],
    });
    expect(JSON.stringify(approvals.body)).not.toMatch(/taskToken/);

    await poll(
      async () => execution(fulfilling)?.status,
      (status) => status === 'SUCCEEDED',
    );
    await stack.settled();
    const events = eventTypes(request.number);
    expect(events.filter((t) => t === 'Request Approval Requested')).toHaveLength(2);
    expect(events.filter((t) => t === 'Request Vote Recorded')).toHaveLength(3);
    expect(events.slice(-2)).toEqual(['Request Approved', 'Request In Fulfilment']);
  });
});

describe('rejection, nobody to ask, and withdrawal', () => {
  it('rejected at the first stage: needs a comment, rejects the request, ends the workflow in Rejected', async () => {
    const request = await order('rq-access');
    await until(request.id, 'the manager asked', (r) => r.status === 'awaiting_approval');
    expect((await vote(dave, request.id, 'reject')).status).toBe(400);
    const rejected = await vote(dave, request.id, 'reject', 'Not needed for your role');
    expect(rejected.status).toBe(201);
    expect(rejected.body.stage).toMatchObject({ status: 'rejected', rejections: 1 });
    const after = await read(request.id);
    expect(after).toMatchObject({ status: 'rejected', rejection: { reason: 'rejected', by: 'dave', stage: 0 } });
    expect(after.stages[1].status).toBe('waiting');
    await poll(
      async () => execution(after)?.status,
      (status) => status === 'SUCCEEDED',
    );
    const approvals = await carol.get(`/requests/${request.id}/approvals`);
    expect(approvals.body.stages[0].responses).toEqual([expect.objectContaining({ userId: 'dave', decision: 'reject', comment: 'Not needed for your role' })]);
    await stack.settled();
    expect(eventTypes(request.number)).toEqual(expect.arrayContaining(['Request Vote Recorded', 'Request Rejected']));
    expect(eventTypes(request.number)).not.toContain('Request In Fulfilment');
    expect(await awaiting(dave)).not.toContain(request.number);
  });

  it('a stage nobody can approve (the group is only the requester) rejects the request at once', async () => {
    const request = await order('rq-solo');
    const rejected = await until(request.id, 'rejected', (r) => r.status === 'rejected');
    expect(rejected).toMatchObject({ rejection: { reason: 'rejected', stage: 0 }, stages: [{ status: 'rejected', approvers: [] }] });
    expect(rejected.rejection.by).toBeUndefined();
    await poll(
      async () => execution(rejected)?.status,
      (status) => status === 'SUCCEEDED',
    );
  });

  it('canceled while awaiting approval: no more votes, nobody still asked, the workflow stopped', async () => {
    const request = await order('rq-manager');
    const asked = await until(request.id, 'the manager asked', (r) => r.status === 'awaiting_approval');
    expect(await awaiting(dave)).toContain(request.number);
    const canceled = await carol.post(`/requests/${request.id}/cancel`, { reason: 'Found another way' }, { 'if-match': `"${asked.version}"` });
    expect(canceled.status, JSON.stringify(canceled.body)).toBe(200);
    const late = await vote(dave, request.id, 'approve');
    expect(late.status).toBe(409);
    expect(late.body.type).toMatch(/not-awaiting-approval$/);
    expect(await awaiting(dave)).not.toContain(request.number);
    await poll(
      async () => execution(asked)?.status,
      (status) => status !== 'RUNNING',
    );
    expect(execution(asked)?.status).not.toBe('FAILED');
  });
});

describe('reminders, then expiry', () => {
  it('the last approval lands just as the wait times out (its answer lost): the next ask settles it and fulfilment starts', async () => {
    // An hour per wait: 3.6 s here.
    await setConfig({ approvalTimeoutSeconds: 3600, reminders: 1 });
    try {
      const request = await order('rq-manager');
      await until(request.id, 'the manager asked', (r) => r.status === 'awaiting_approval');
      // The token the vote answers is dead, as it is when the wait has just timed out.
      const documents = DynamoDBDocumentClient.from(
        new DynamoDBClient({ endpoint: stack.dynamoDbEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }),
      );
      await documents.send(
        new UpdateCommand({
          TableName: stack.tableName,
          Key: stageKey(request.id, 0),
          UpdateExpression: 'SET taskToken = :dead',
          ExpressionAttributeValues: { ':dead': 'a-token-nobody-waits-on' },
        }),
      );
      expect((await vote(dave, request.id, 'approve')).status).toBe(201);
      expect((await read(request.id)).status).toBe('approved');
      const fulfilling = await until(request.id, 'fulfilment started', (r) => r.status === 'in_fulfilment');
      expect(fulfilling.tasks).toHaveLength(1);
      await poll(
        async () => execution(fulfilling)?.status,
        (status) => status === 'SUCCEEDED',
      );
      const approvals = await carol.get(`/requests/${request.id}/approvals`);
      expect(approvals.body.stages[0]).toMatchObject({ status: 'approved', remindersSent: 0 });
    } finally {
      await setConfig({ approvalTimeoutSeconds: 36_000, reminders: 2 });
    }
  });

  it('nobody answers: the approvers who have not voted are reminded, then the request is rejected as expired', async () => {
    // A minute per wait and one reminder: 60 ms each here.
    await setConfig({ approvalTimeoutSeconds: 60, reminders: 1 });
    try {
      const request = await order('rq-manager');
      const expired = await until(request.id, 'expired', (r) => r.status === 'rejected');
      expect(expired).toMatchObject({ rejection: { reason: 'expired', stage: 0 }, stages: [{ status: 'expired', approvers: ['dave'] }] });
      await poll(
        async () => execution(expired)?.status,
        (status) => status === 'SUCCEEDED',
      );
      const approvals = await carol.get(`/requests/${request.id}/approvals`);
      expect(approvals.body.stages[0]).toMatchObject({ status: 'expired', remindersSent: 1, responses: [] });
      expect((await vote(dave, request.id, 'approve')).status).toBe(409);
      expect(await awaiting(dave)).not.toContain(request.number);
      await stack.settled();
      const events = eventTypes(request.number);
      expect(events.filter((t) => t === 'Request Approval Reminder')).toHaveLength(1);
      expect(events.at(-1)).toBe('Request Expired');
    } finally {
      await setConfig({ approvalTimeoutSeconds: 36_000, reminders: 2 });
    }
  });
});
