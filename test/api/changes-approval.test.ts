import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admin, agent, type Client, startTestStack, type TestStack } from '../support/api.ts';
import { changeStatusIs, createChange, HOUR, poll, readChange, window } from '../support/changes.ts';

/*
 * Change enablement end to end on the local stack: the change API, the approval workflow (the real
 * ASL on the local Step Functions runner, at 1/1000th of real time, with real task tokens), the
 * approvals API answering the tokens, and the outbox publishing every step. Demo directory: the CAB
 * is ada, alice and nina; the emergency CAB ada and alice; change managers ada; service-desk (owner
 * of intranet and email) alice and bob; database (owner of payments, critical) bob.
 */

let stack: TestStack;
let ada: Client;
let alice: Client;
let bob: Client;
let nina: Client;
let dave: Client;

const create = createChange;
const read = readChange;
const statusIs = changeStatusIs;

async function submit(client: Client, change: { id: string }, body?: unknown) {
  const current = await client.get(`/changes/${change.id}`);
  return client.request('POST', `/changes/${change.id}/submit`, {
    ...(body === undefined ? {} : { body }),
    headers: { 'if-match': current.headers.get('etag') as string },
  });
}

const vote = (client: Client, id: string, decision: 'approve' | 'reject', comment?: string) =>
  client.post(`/changes/${id}/approvals`, { decision, ...(comment === undefined ? {} : { comment }) });

const eventTypes = (number: string) =>
  stack.published
    .events()
    .filter((e) => (e.detail as { change?: { number: string } }).change?.number === number)
    .map((e) => e.detailType);

beforeAll(async () => {
  stack = await startTestStack({ workflowTimeScale: 0.001 });
  [ada, alice, bob, nina, dave] = await Promise.all([admin(stack), agent(stack), agent(stack, 'bob'), agent(stack, 'nina'), agent(stack, 'dave')]);
  // An hour per wait for the approvers: 3.6 s here, so votes land well inside the first wait.
  const config = await ada.get('/change-config');
  const put = await ada.request('PUT', '/change-config', {
    body: { ...pick(config.body, ['cabGroup', 'emergencyGroup', 'changeManagersGroup', 'cabQuorum', 'reminders', 'riskRules']), approvalTimeoutSeconds: 3600 },
    headers: { 'if-match': config.headers.get('etag') as string },
  });
  expect(put.status, JSON.stringify(put.body)).toBe(200);
}, 60_000);

afterAll(async () => {
  await stack?.stop();
});

function pick(body: Record<string, unknown>, keys: string[]) {
  return Object.fromEntries(keys.map((k) => [k, body[k]]));
}

describe('a normal change, medium risk: the CAB with quorum 2, over HTTP', () => {
  it('is assessed, asks the CAB, takes votes once from eligible members, schedules, starts, and closes on success', async () => {
    // payments is critical (+3): medium risk.
    const change = await create(bob, { services: ['payments'], title: 'Upgrade the payments database' });
    const submitted = await submit(bob, change);
    expect(submitted.status, JSON.stringify(submitted.body)).toBe(200);
    expect(submitted.body).toMatchObject({ status: 'assess', submissions: 1, risk: { level: 'medium', score: 3 } });
    expect(submitted.body.risk.reasons.join(' ')).toMatch(/payments/);
    expect(submitted.body.workflow.executionArn).toMatch(new RegExp(`:execution:change-approval:${change.number}-1$`));

    const waiting = await statusIs(bob, change.id, 'authorize');
    expect(waiting.workflow).toMatchObject({ state: 'AwaitApproval' });
    const asked = await bob.get(`/changes/${change.id}/approvals`);
    expect(asked.body.rounds).toEqual([
      expect.objectContaining({ round: 1, board: 'cab', groups: ['cab'], quorum: 2, status: 'pending', asked: ['ada', 'alice', 'nina'], responses: [] }),
    ]);
    expect(JSON.stringify(asked.body)).not.toMatch(/taskToken/);

    // bob raised it and is not on the CAB; dave is on no board.
    expect((await vote(bob, change.id, 'approve')).status).toBe(403);
    expect((await vote(dave, change.id, 'approve')).body).toMatchObject({ status: 403, type: expect.stringMatching(/forbidden$/) });
    expect((await vote(alice, change.id, 'reject')).body).toMatchObject({ status: 400, errors: [expect.objectContaining({ path: 'comment' })] });

    const first = await alice.post(`/changes/${change.id}/approvals`, { decision: 'approve', comment: 'Looks safe' }, { 'idempotency-key': 'alice-vote-1' });
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    // A retry (even by number) answers as the first did, and counts nothing twice.
    const retried = await alice.post(
      `/changes/${change.number}/approvals`,
      { decision: 'approve', comment: 'Looks safe' },
      { 'idempotency-key': 'alice-vote-1' },
    );
    expect([retried.status, retried.headers.get('idempotent-replayed')]).toEqual([201, 'true']);
    expect(retried.body).toEqual(first.body);
    expect(first.body).toMatchObject({ userId: 'alice', decision: 'approve', approval: { approvals: 1, status: 'pending' } });
    const again = await vote(alice, change.id, 'approve');
    expect(again.body).toMatchObject({ status: 409, type: expect.stringMatching(/already-voted$/) });
    expect((await read(bob, change.id)).status).toBe('authorize');

    const second = await vote(nina, change.id, 'approve');
    expect(second.body).toMatchObject({ approval: { approvals: 2, status: 'approved' } });
    expect((await vote(ada, change.id, 'approve')).body).toMatchObject({ status: 409, type: expect.stringMatching(/not-awaiting-approval$/) });

    const scheduled = await statusIs(bob, change.id, 'scheduled');
    expect(scheduled.workflow).toMatchObject({ state: 'WaitForPlannedStart' });
    const started = await poll(
      () => read(bob, change.id),
      (c) => c.status === 'implement',
      30_000,
    );
    expect(started.workflow.state).toBe('StartImplementation');

    const etag = (await bob.get(`/changes/${change.id}`)).headers.get('etag') as string;
    const done = await bob.request('POST', `/changes/${change.id}/implementation`, {
      body: { outcome: 'successful', notes: 'Upgraded, all checks green' },
      headers: { 'if-match': etag },
    });
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    expect(done.body).toMatchObject({ status: 'closed', implementation: { outcome: 'successful', by: 'bob' }, reviewRequired: false });

    const approvals = await bob.get(`/changes/${change.number}/approvals`);
    expect(approvals.body.rounds[0]).toMatchObject({ status: 'approved', approvals: 2, decidedAt: expect.any(String) });
    expect(approvals.body.rounds[0].responses.map((r: { userId: string; decision: string }) => [r.userId, r.decision])).toEqual([
      ['alice', 'approve'],
      ['nina', 'approve'],
    ]);
    await stack.settled();
    expect(eventTypes(change.number)).toEqual([
      'Change Created',
      'Change Submitted',
      'Change Approval Requested',
      'Change Vote Recorded',
      'Change Vote Recorded',
      'Change Scheduled',
      'Change Implementation Started',
      'Change Implemented',
    ]);
    const execution = stack.executions().find((e) => e.executionArn === submitted.body.workflow.executionArn);
    expect(execution?.status).toBe('SUCCEEDED');
    const history = await bob.get(`/changes/${change.id}/history?limit=100`);
    expect(history.body.items.length).toBeGreaterThanOrEqual(6);
  }, 60_000);
});

describe('the other routes through approval', () => {
  it('low risk: one approval from the group owning the service', async () => {
    const change = await create(nina, { services: ['intranet'], title: 'Intranet theme' });
    expect((await submit(nina, change)).body).toMatchObject({ risk: { level: 'low' } });
    await statusIs(nina, change.id, 'authorize');
    expect((await nina.get(`/changes/${change.id}/approvals`)).body.rounds[0]).toMatchObject({
      board: 'owner-group',
      groups: ['service-desk'],
      quorum: 1,
      asked: ['alice', 'bob'],
    });
    expect((await vote(nina, change.id, 'approve')).status).toBe(403);
    expect((await vote(bob, change.id, 'approve')).status).toBe(201);
    await statusIs(nina, change.id, 'scheduled');
  }, 30_000);

  it('rejected: one rejection ends it, with who and why on the change', async () => {
    const change = await create(bob, { services: ['payments'], title: 'Risky schema change' });
    await submit(bob, change);
    await statusIs(bob, change.id, 'authorize');
    expect((await vote(ada, change.id, 'approve')).status).toBe(201);
    expect((await vote(nina, change.id, 'reject', 'No tested rollback')).status).toBe(201);
    const rejected = await statusIs(bob, change.id, 'rejected');
    expect(rejected.rejection).toMatchObject({ by: 'nina', comment: 'No tested rollback' });
    expect(rejected.workflow.state).toBe('MarkRejected');
  }, 30_000);

  it('emergency: the emergency CAB, then a failed implementation owes a review before closing', async () => {
    const change = await create(bob, { type: 'emergency', services: ['email'], title: 'Patch the mail relay', ...window(-60_000, 1) });
    expect((await submit(bob, change)).body).toMatchObject({ reviewRequired: true });
    await statusIs(bob, change.id, 'authorize');
    expect((await bob.get(`/changes/${change.id}/approvals`)).body.rounds[0]).toMatchObject({ board: 'ecab', groups: ['ecab'], quorum: 1 });
    expect((await vote(nina, change.id, 'approve')).status).toBe(403);
    expect((await vote(alice, change.id, 'approve')).status).toBe(201);
    await statusIs(bob, change.id, 'implement');
    let etag = (await bob.get(`/changes/${change.id}`)).headers.get('etag') as string;
    const failed = await bob.request('POST', `/changes/${change.id}/implementation`, {
      body: { outcome: 'failed', notes: 'Relay would not restart' },
      headers: { 'if-match': etag },
    });
    expect(failed.body).toMatchObject({ status: 'review', implementation: { outcome: 'failed' } });
    etag = failed.headers.get('etag') as string;
    const reviewed = await bob.request('POST', `/changes/${change.id}/review`, {
      body: { summary: 'Config drift; add a canary' },
      headers: { 'if-match': etag },
    });
    expect(reviewed.body).toMatchObject({ status: 'closed', review: { summary: 'Config drift; add a canary', by: 'bob' } });
  }, 30_000);

  it('standard: raised from a template, pre-approved, scheduled without asking anyone', async () => {
    const reply = await alice.post('/changes', { type: 'standard', template: 'restart-intranet-web', ...window(-60_000, 1) });
    expect(reply.status, JSON.stringify(reply.body)).toBe(201);
    await submit(alice, reply.body);
    const started = await statusIs(alice, reply.body.id, 'implement');
    expect((await alice.get(`/changes/${started.id}/approvals`)).body.rounds).toEqual([]);
  }, 30_000);
});

describe('conflicts and blackout windows', () => {
  it('lists a scheduled change on the same service as a conflict, and counts it in the risk', async () => {
    const first = await create(nina, { services: ['vpn'], title: 'VPN firmware', ...window(10 * 24 * HOUR) });
    await submit(nina, first);
    await statusIs(nina, first.id, 'authorize');
    expect((await vote(bob, first.id, 'approve')).status).toBe(201);
    await statusIs(nina, first.id, 'scheduled');

    const second = await create(alice, { services: ['vpn'], title: 'VPN certificates', ...window(10 * 24 * HOUR + HOUR) });
    const submitted = await submit(alice, second);
    expect(submitted.body.conflicts).toEqual([
      expect.objectContaining({ kind: 'change', changeId: first.id, number: first.number, on: { services: ['vpn'], configurationItems: [] } }),
    ]);
    expect(submitted.body.risk.reasons.join(' ')).toMatch(/conflict/i);
  }, 30_000);

  it('refuses a change inside a freeze unless it is an emergency or an admin overrides it, and records the override', async () => {
    const start = new Date(Date.now() + 20 * 24 * HOUR).toISOString();
    const end = new Date(Date.now() + 22 * 24 * HOUR).toISOString();
    expect((await ada.post('/blackout-windows', { name: 'year-end-freeze', start, end, reason: 'Year-end close' })).status).toBe(201);
    const inFreeze = { ...window(21 * 24 * HOUR) };

    const normal = await create(alice, { services: ['email'], title: 'Mail quota change', ...inFreeze });
    const refused = await submit(alice, normal);
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({
      type: expect.stringMatching(/blackout-conflict$/),
      blackouts: [expect.objectContaining({ name: 'year-end-freeze' })],
    });
    expect((await read(alice, normal.id)).status).toBe('draft');
    expect((await submit(alice, normal, { blackoutOverride: { reason: 'Legal deadline' } })).status).toBe(403);

    const overridden = await submit(ada, normal, { blackoutOverride: { reason: 'Legal deadline' } });
    expect(overridden.status, JSON.stringify(overridden.body)).toBe(200);
    expect(overridden.body).toMatchObject({ status: 'assess', blackoutOverride: { by: 'ada', reason: 'Legal deadline' } });
    expect(overridden.body.conflicts).toEqual([expect.objectContaining({ kind: 'blackout', name: 'year-end-freeze' })]);

    const emergency = await create(alice, { type: 'emergency', services: ['email'], title: 'Mail outage fix', ...inFreeze });
    expect((await submit(alice, emergency)).status).toBe(200);
  }, 30_000);

  it('cancels a change waiting for approval: its workflow stops and votes are refused', async () => {
    const change = await create(nina, { services: ['intranet'], title: 'To be withdrawn' });
    const submitted = await submit(nina, change);
    await statusIs(nina, change.id, 'authorize');
    const etag = (await nina.get(`/changes/${change.id}`)).headers.get('etag') as string;
    const canceled = await nina.request('POST', `/changes/${change.id}/cancel`, { body: { reason: 'Not needed any more' }, headers: { 'if-match': etag } });
    expect(canceled.status, JSON.stringify(canceled.body)).toBe(200);
    await poll(
      async () => stack.executions().find((e) => e.executionArn === submitted.body.workflow.executionArn)?.status,
      (s) => s === 'ABORTED',
    );
    expect((await vote(bob, change.id, 'approve')).body).toMatchObject({ status: 409, type: expect.stringMatching(/not-awaiting-approval$/) });
  }, 30_000);
});
