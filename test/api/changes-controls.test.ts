import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admin, agent, type Client, type Reply, startTestStack, type TestStack } from '../support/api.ts';
import { changeStatusIs, createChange, HOUR, poll, readChange, window } from '../support/changes.ts';

/*
 * The controls a change must not slip past between submission and implementation, over HTTP with
 * the real ASL on the local runner (1/1000th of real time):
 *  - the approval round is on record when submit answers, before the workflow runs;
 *  - an edit of a submitted change sends it back to draft and stops its workflow, so the next
 *    submission assesses the plan as edited (risk, conflicts, freezes);
 *  - a freeze declared after approval holds the start until an admin overrides it, on the record.
 * Demo directory: the CAB is ada, alice and nina; payments (critical) is owned by database (bob).
 */

let stack: TestStack;
let ada: Client;
let alice: Client;
let bob: Client;
let nina: Client;

const DAY = 24 * HOUR;

const create = createChange;
const read = readChange;
const statusIs = changeStatusIs;
const etagOf = async (client: Client, id: string) => (await client.get(`/changes/${id}`)).headers.get('etag') as string;

async function submit(client: Client, change: { id: string }, body?: unknown) {
  return client.request('POST', `/changes/${change.id}/submit`, {
    ...(body === undefined ? {} : { body }),
    headers: { 'if-match': await etagOf(client, change.id) },
  });
}

const vote = (client: Client, id: string, decision: 'approve' | 'reject', comment?: string) =>
  client.post(`/changes/${id}/approvals`, { decision, ...(comment === undefined ? {} : { comment }) });

const published = (number: string) => stack.published.events().filter((e) => (e.detail as { change?: { number: string } }).change?.number === number);

type Operation = (input: Record<string, unknown>) => Promise<unknown>;
const operations = () => stack.stepFunctions.service.operations as Record<string, Operation>;

/**
 * Holds back the executions submit starts: StartExecution answers as AWS would, the execution itself
 * starts when `release` is called. What a reader sees between the two is what submit committed.
 */
function holdStarts(): { release(): Promise<void>; started: Record<string, unknown>[] } {
  const original = operations().StartExecution!;
  const held: Record<string, unknown>[] = [];
  operations().StartExecution = async (input) => {
    held.push(input);
    const arn = `${String(input.stateMachineArn).replace(':stateMachine:', ':execution:')}:${String(input.name)}`;
    return { executionArn: arn, startDate: Date.now() / 1000 };
  };
  return {
    started: held,
    async release() {
      operations().StartExecution = original;
      for (const input of held.splice(0)) await original(input);
    },
  };
}

function watchStops(): { stops: Record<string, unknown>[]; restore(): void } {
  const original = operations().StopExecution!;
  const stops: Record<string, unknown>[] = [];
  operations().StopExecution = async (input) => {
    stops.push(input);
    return original(input);
  };
  return { stops, restore: () => (operations().StopExecution = original) };
}

beforeAll(async () => {
  stack = await startTestStack({ workflowTimeScale: 0.001 });
  [ada, alice, bob, nina] = await Promise.all([admin(stack), agent(stack), agent(stack, 'bob'), agent(stack, 'nina')]);
  const config = await ada.get('/change-config');
  const { cabGroup, emergencyGroup, changeManagersGroup, cabQuorum, reminders, riskRules } = config.body;
  const put = await ada.request('PUT', '/change-config', {
    body: { cabGroup, emergencyGroup, changeManagersGroup, cabQuorum, reminders, riskRules, approvalTimeoutSeconds: 3600 },
    headers: { 'if-match': config.headers.get('etag') as string },
  });
  expect(put.status, JSON.stringify(put.body)).toBe(200);
}, 60_000);

afterAll(async () => {
  await stack?.stop();
});

describe('the approval round is on record when submit answers', () => {
  it('lists round 1 with its board, quorum and who will be asked, before the workflow has run a step', async () => {
    const change = await create(bob, { services: ['payments'], title: 'Upgrade the payments database' });
    const hold = holdStarts();
    let submitted: Reply;
    let approvals: Reply;
    try {
      submitted = await submit(bob, change);
      approvals = await bob.get(`/changes/${change.id}/approvals`);
    } finally {
      await hold.release();
    }
    expect(submitted.status, JSON.stringify(submitted.body)).toBe(200);
    expect(submitted.body).toMatchObject({ status: 'assess', submissions: 1, risk: { level: 'medium' } });
    expect(approvals.status).toBe(200);
    expect(approvals.body.rounds).toEqual([
      expect.objectContaining({
        round: 1,
        board: 'cab',
        groups: ['cab'],
        quorum: 2,
        status: 'pending',
        asked: ['ada', 'alice', 'nina'],
        attempt: 0,
        responses: [],
      }),
    ]);

    // The workflow's first step takes the round over (one round, not two) and asks the board once.
    await statusIs(bob, change.id, 'authorize');
    const asked = await bob.get(`/changes/${change.id}/approvals`);
    expect(asked.body.rounds).toEqual([
      expect.objectContaining({ round: 1, board: 'cab', quorum: 2, status: 'pending', attempt: 1, asked: ['ada', 'alice', 'nina'] }),
    ]);
    expect((await vote(alice, change.id, 'approve')).status).toBe(201);
    expect((await vote(nina, change.id, 'approve')).status).toBe(201);
    await statusIs(bob, change.id, 'scheduled');
    await stack.settled();
    expect(published(change.number).filter((e) => e.detailType === 'Change Approval Requested')).toHaveLength(1);
  }, 60_000);

  it('takes votes as soon as submit answers: a round decided before the workflow asks is settled when it does', async () => {
    const change = await create(bob, { services: ['payments'], title: 'Payments failover drill' });
    const hold = holdStarts();
    try {
      expect((await submit(bob, change)).status).toBe(200);
      expect((await vote(alice, change.id, 'approve')).body).toMatchObject({ approval: { approvals: 1, status: 'pending' } });
      expect((await vote(bob, change.id, 'approve')).status, 'nobody approves their own change').toBe(403);
      expect((await vote(nina, change.id, 'approve')).body).toMatchObject({ approval: { approvals: 2, status: 'approved' } });
      expect((await read(bob, change.id)).status).toBe('assess');
    } finally {
      await hold.release();
    }
    const scheduled = await statusIs(bob, change.id, 'scheduled');
    expect(scheduled.workflow.state).toBe('WaitForPlannedStart');
    const rounds = (await bob.get(`/changes/${change.id}/approvals`)).body.rounds;
    expect(rounds).toEqual([expect.objectContaining({ round: 1, status: 'approved', approvals: 2, attempt: 1 })]);
  }, 60_000);

  it('a standard change is pre-approved: no round', async () => {
    const reply = await alice.post('/changes', { type: 'standard', template: 'restart-intranet-web', ...window(30 * DAY, 1) });
    expect(reply.status, JSON.stringify(reply.body)).toBe(201);
    expect((await submit(alice, reply.body)).status).toBe(200);
    expect((await alice.get(`/changes/${reply.body.id}/approvals`)).body.rounds).toEqual([]);
  }, 30_000);
});

describe('an edit after submission sends the change back to draft', () => {
  it('stops its workflow, withdraws its round, and the next submission assesses the edited plan', async () => {
    const change = await create(alice, { services: ['intranet'], title: 'Intranet theme', ...window(40 * DAY) });
    const hold = holdStarts();
    const stops = watchStops();
    try {
      const submitted = await submit(alice, change);
      expect(submitted.body).toMatchObject({ status: 'assess', submissions: 1 });
      const executionArn = submitted.body.workflow.executionArn as string;

      // A freeze lies where the change is being moved to.
      const freeze = {
        name: 'intranet-relaunch-freeze',
        ...{ start: new Date(Date.now() + 50 * DAY).toISOString(), end: new Date(Date.now() + 52 * DAY).toISOString() },
      };
      expect((await ada.post('/blackout-windows', { ...freeze, services: ['intranet'], reason: 'Relaunch' })).status).toBe(201);
      const moved = await alice.patch(`/changes/${change.id}`, window(51 * DAY), { 'if-match': submitted.headers.get('etag') as string });
      expect(moved.status, JSON.stringify(moved.body)).toBe(200);
      expect(moved.body).toMatchObject({ status: 'draft', submissions: 1 });
      expect(moved.body.risk).toBeUndefined();
      expect(moved.body.conflicts).toBeUndefined();
      expect(stops.stops).toEqual([expect.objectContaining({ executionArn, error: 'ChangeEdited' })]);

      const history = (await alice.get(`/changes/${change.id}/history?limit=100`)).body.items;
      expect(history.at(-1).changes).toEqual(
        expect.arrayContaining([{ field: 'status', from: 'assess', to: 'draft' }, expect.objectContaining({ field: 'plannedStart' })]),
      );
      const rounds = (await alice.get(`/changes/${change.id}/approvals`)).body.rounds;
      expect(rounds).toEqual([expect.objectContaining({ round: 1, status: 'withdrawn', decidedAt: expect.any(String) })]);

      // The held execution of round 1 now finds the change a draft and ends quietly without touching it.
      await hold.release();
      await stack.settled();
      await poll(
        async () => stack.executions().find((e) => e.executionArn === executionArn)?.status,
        (s) => s !== undefined && s !== 'RUNNING',
      );
      expect((await read(alice, change.id)).status).toBe('draft');

      // Submitting again assesses the edited plan: it now lies in the freeze.
      const again = await submit(alice, change);
      expect(again.status, JSON.stringify(again.body)).toBe(409);
      expect(again.body).toMatchObject({
        type: expect.stringMatching(/blackout-conflict$/),
        blackouts: [expect.objectContaining({ name: 'intranet-relaunch-freeze' })],
      });
    } finally {
      stops.restore();
      await hold.release();
    }
  }, 60_000);

  it("a canceled change's undecided round ends withdrawn too", async () => {
    const change = await create(alice, { services: ['intranet'], title: 'Withdrawn by cancel', ...window(45 * DAY) });
    await submit(alice, change);
    await statusIs(alice, change.id, 'authorize');
    const canceled = await alice.request('POST', `/changes/${change.id}/cancel`, {
      body: { reason: 'Not needed' },
      headers: { 'if-match': await etagOf(alice, change.id) },
    });
    expect(canceled.status, JSON.stringify(canceled.body)).toBe(200);
    expect((await alice.get(`/changes/${change.id}/approvals`)).body.rounds).toEqual([expect.objectContaining({ round: 1, status: 'withdrawn' })]);
  }, 30_000);

  it('a change canceled in assess withdraws its round even once voted through: the workflow never acted on it', async () => {
    const change = await create(bob, { services: ['payments'], title: 'Canceled after early votes', ...window(46 * DAY) });
    const hold = holdStarts();
    try {
      const submitted = await submit(bob, change);
      expect(submitted.status, JSON.stringify(submitted.body)).toBe(200);
      const executionArn = submitted.body.workflow.executionArn as string;
      expect((await vote(alice, change.id, 'approve')).status).toBe(201);
      expect((await vote(nina, change.id, 'approve')).body).toMatchObject({ approval: { status: 'approved' } });
      expect((await read(bob, change.id)).status).toBe('assess');
      const canceled = await bob.request('POST', `/changes/${change.id}/cancel`, {
        body: { reason: 'Not needed' },
        headers: { 'if-match': await etagOf(bob, change.id) },
      });
      expect(canceled.status, JSON.stringify(canceled.body)).toBe(200);
      expect((await bob.get(`/changes/${change.id}/approvals`)).body.rounds).toEqual([
        expect.objectContaining({ round: 1, status: 'withdrawn', approvals: 2, decidedAt: expect.any(String) }),
      ]);
      // The held execution then finds the change canceled and leaves it so.
      await hold.release();
      await stack.settled();
      await poll(
        async () => stack.executions().find((e) => e.executionArn === executionArn)?.status,
        (s) => s !== undefined && s !== 'RUNNING',
      );
      expect((await read(bob, change.id)).status).toBe('canceled');
      expect((await bob.get(`/changes/${change.id}/approvals`)).body.rounds).toEqual([expect.objectContaining({ round: 1, status: 'withdrawn' })]);
    } finally {
      await hold.release();
    }
  }, 60_000);

  it('a draft stays a draft when edited, and nothing is stopped', async () => {
    const change = await create(alice, { services: ['intranet'], title: 'Draft edit' });
    const stops = watchStops();
    try {
      const edited = await alice.patch(`/changes/${change.id}`, { title: 'Draft edited' }, { 'if-match': `"${change.version}"` });
      expect(edited.body).toMatchObject({ status: 'draft', title: 'Draft edited' });
      expect(stops.stops).toEqual([]);
    } finally {
      stops.restore();
    }
  });
});

describe('a freeze declared after approval holds the start', () => {
  it('records why on the change, tells its people without free text, and starts only once an admin overrides it', async () => {
    // Low risk (intranet, owned by service-desk): one approval; the start is 2 h ahead, 7.2 s here.
    const change = await create(nina, { services: ['intranet'], title: 'Intranet search index rebuild', ...window(2 * HOUR) });
    await submit(nina, change);
    await statusIs(nina, change.id, 'authorize');
    expect((await vote(bob, change.id, 'approve')).status).toBe(201);
    const scheduled = await statusIs(nina, change.id, 'scheduled');

    const freeze = await ada.post('/blackout-windows', {
      name: 'late-freeze',
      start: new Date(Date.parse(scheduled.plannedStart) - HOUR).toISOString(),
      end: new Date(Date.parse(scheduled.plannedEnd) + HOUR).toISOString(),
      services: ['intranet'],
      reason: 'Board meeting',
    });
    expect(freeze.status, JSON.stringify(freeze.body)).toBe(201);

    const blocked = await poll(
      () => read(nina, change.id),
      (c) => c.startBlocked !== undefined,
      30_000,
    );
    expect(blocked).toMatchObject({
      status: 'scheduled',
      startBlocked: { at: expect.any(String), blackouts: [expect.objectContaining({ kind: 'blackout', name: 'late-freeze' })] },
      workflow: { state: 'AwaitStartOverride' },
    });
    const history = (await nina.get(`/changes/${change.id}/history?limit=100`)).body.items;
    expect(
      history.some((h: { actor: string; changes: { field: string }[] }) => h.actor === 'change-approval' && h.changes.some((c) => c.field === 'startBlocked')),
    ).toBe(true);
    await stack.settled();
    const event = published(change.number).find((e) => e.detailType === 'Change Start Blocked');
    expect(event, 'Change Start Blocked published').toBeDefined();
    expect(JSON.stringify(event)).not.toMatch(/Board meeting/);

    // Still held a while later (the workflow re-checks; the freeze is still there).
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect((await read(nina, change.id)).status).toBe('scheduled');

    // Only an admin overrides, with a reason, on the current version, and only a held start.
    const etag = await etagOf(nina, change.id);
    expect(
      (await nina.request('POST', `/changes/${change.id}/start-override`, { body: { reason: 'Agreed with the board' }, headers: { 'if-match': etag } })).status,
    ).toBe(403);
    const noReason = await ada.request('POST', `/changes/${change.id}/start-override`, { body: {}, headers: { 'if-match': etag } });
    expect(noReason.body).toMatchObject({ status: 400, errors: [expect.objectContaining({ path: 'reason' })] });
    const override = await ada.request('POST', `/changes/${change.id}/start-override`, {
      body: { reason: 'Agreed with the board' },
      headers: { 'if-match': etag },
    });
    expect(override.status, JSON.stringify(override.body)).toBe(200);
    expect(override.body).toMatchObject({ status: 'scheduled', startOverride: { by: 'ada', at: expect.any(String), reason: 'Agreed with the board' } });

    const started = await statusIs(nina, change.id, 'implement');
    expect(started.workflow.state).toBe('StartImplementation');
    expect(started).toMatchObject({ startOverride: { by: 'ada' }, startBlocked: { blackouts: [expect.objectContaining({ name: 'late-freeze' })] } });
    // Resumed by the override's answer to the waiting token, not by a later re-check.
    const execution = await poll(
      async () => stack.executions().find((e) => e.executionArn === started.workflow.executionArn),
      (e) => e?.status === 'SUCCEEDED',
    );
    expect(execution?.output).toMatchObject({ startOverride: { overriddenBy: 'ada' } });
    const again = await ada.request('POST', `/changes/${change.id}/start-override`, {
      body: { reason: 'twice' },
      headers: { 'if-match': await etagOf(ada, change.id) },
    });
    expect(again.body).toMatchObject({ status: 409, type: expect.stringMatching(/not-blocked$/) });
    await stack.settled();
    expect(published(change.number).map((e) => e.detailType)).toEqual(
      expect.arrayContaining(['Change Start Blocked', 'Change Start Overridden', 'Change Implementation Started']),
    );
  }, 90_000);

  it('a freeze lifted while the start is held lets the change start at the next check', async () => {
    const change = await create(nina, { services: ['email'], title: 'Mail relay certificates', ...window(HOUR) });
    await submit(nina, change);
    await statusIs(nina, change.id, 'authorize');
    expect((await vote(bob, change.id, 'approve')).status).toBe(201);
    const scheduled = await statusIs(nina, change.id, 'scheduled');
    const freeze = await ada.post('/blackout-windows', { name: 'mail-freeze', start: scheduled.plannedStart, end: scheduled.plannedEnd, services: ['email'] });
    expect(freeze.status, JSON.stringify(freeze.body)).toBe(201);
    await poll(
      () => read(nina, change.id),
      (c) => c.startBlocked !== undefined,
      30_000,
    );

    expect((await ada.delete('/blackout-windows/mail-freeze', { 'if-match': freeze.headers.get('etag') as string })).status).toBe(204);
    const started = await statusIs(nina, change.id, 'implement', 30_000);
    expect(started.startBlocked).toBeUndefined();
    expect(started.startOverride).toBeUndefined();
    const history = (await nina.get(`/changes/${change.id}/history?limit=100`)).body.items as { changes: { field: string; to: unknown }[] }[];
    expect(history.some((h) => h.changes.some((c) => c.field === 'startBlocked' && c.to === null))).toBe(true);
  }, 60_000);

  it('a start that no freeze holds is not blocked, and an override of it is refused', async () => {
    const change = await create(nina, { services: ['email'], title: 'Unfrozen', ...window(-60_000, 1) });
    await submit(nina, change);
    await statusIs(nina, change.id, 'authorize');
    expect((await vote(bob, change.id, 'approve')).status).toBe(201);
    const started = await statusIs(nina, change.id, 'implement');
    expect(started.startBlocked).toBeUndefined();
    const refused = await ada.request('POST', `/changes/${change.id}/start-override`, {
      body: { reason: 'nothing to override' },
      headers: { 'if-match': await etagOf(ada, change.id) },
    });
    expect(refused.body).toMatchObject({ status: 409, type: expect.stringMatching(/not-blocked$/) });
  }, 30_000);
});
