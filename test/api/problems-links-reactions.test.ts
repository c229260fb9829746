import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Change } from '../../functions/changes/domain/change.ts';
import type { ChangeStatus } from '../../functions/changes/domain/lifecycle.ts';
import type { PublishedEvent, PublishedNotification } from '../../local/published-log.ts';
import { admin, agent, type Client, requester, startTestStack, type TestStack } from '../support/api.ts';
import { createChange } from '../support/changes.ts';
import { poll } from '../support/poll.ts';

/*
 * What problem management does by itself, from the table stream, over the real local stack:
 * - a resolved problem tells its open linked incidents (Incident Problem Resolved to their
 *   assignee and group) and, with resolveLinkedIncidents, resolves them with its resolution;
 *   once per resolution, however often the reaction runs;
 * - the change request a problem's fix names: closed successfully, the problem resolves itself
 *   (fix_applied, as `system`, naming the change); failed, backed out or canceled, its assignee
 *   hears of it (Problem Fix Failed).
 */

let stack: TestStack;
let alice: Client;
let reactions: typeof import('../../functions/problems/reactions.ts');
let changeStore: typeof import('../../functions/changes/store/change-store.ts');
let changeWrite: typeof import('../../functions/changes/change-request-write.ts');
let changeDomain: typeof import('../../functions/changes/domain/change.ts');
let transaction: typeof import('../../functions/shared/store/transaction.ts');

type Row = Record<string, any> & { id: string; number: string; version: number };

const ifMatch = (record: { version: number }) => ({ 'if-match': `"${record.version}"` });

async function send(method: 'POST' | 'PATCH', path: string, body: unknown, headers?: Record<string, string>): Promise<Row> {
  const reply = await alice.request(method, path, { body, ...(headers === undefined ? {} : { headers }) });
  expect(reply.status, `${method} ${path}: ${JSON.stringify(reply.body)}`).toBeLessThan(300);
  return reply.body;
}

const read = async (path: string): Promise<Row> => (await alice.get(path)).body;

const openProblem = (body: Record<string, unknown> = {}) =>
  send('POST', '/problems', { title: 'Queue workers leak memory', service: 'email', assignmentGroup: 'service-desk', ...body });

const openIncident = (body: Record<string, unknown> = {}) =>
  send('POST', '/incidents', { title: 'Mail delayed', service: 'email', assignmentGroup: 'service-desk', ...body });

async function patchIncident(id: string, body: Record<string, unknown>): Promise<Row> {
  return send('PATCH', `/incidents/${id}`, body, ifMatch(await read(`/incidents/${id}`)));
}

async function patchProblem(id: string, body: Record<string, unknown>): Promise<Row> {
  return send('PATCH', `/problems/${id}`, body, ifMatch(await read(`/problems/${id}`)));
}

const link = (problem: Row, incident: Row) => send('POST', `/problems/${problem.id}/incidents`, { incident: incident.id });

/** What the Problem Resolved record of a resolved problem (as PATCH answered it) tells the reaction. */
const announced = (resolved: Row) => ({
  problemId: resolved.id,
  version: resolved.version,
  resolution: { code: resolved.resolution.code, at: resolved.resolution.at },
  resolveLinkedIncidents: resolved.resolveLinkedIncidents,
});

const events = (type: string) => (stack.published.events() as PublishedEvent[]).filter((e) => e.detailType === type);
const notifications = (type: string) => (stack.published.notifications() as PublishedNotification[]).filter((n) => (n.message as any).type === type);
const toldOf = (problem: Row) => events('Incident Problem Resolved').filter((e) => (e.detail as any).problem.id === problem.id);

/** Moves a change along its lifecycle as the approval workflow's steps do: through the one write path. */
async function advance(id: string, ...statuses: ChangeStatus[]): Promise<Change> {
  let change = (await changeStore.getChangeById(id)) as Change;
  for (const status of statuses) {
    const now = new Date();
    const { next, changes } = changeDomain.moveChangeTo(change, status, { actor: { userId: 'workflow' }, now });
    await transaction.transactWrite(changeWrite.changeRequestWrite({ before: change, after: next, actor: 'workflow', changes, now }));
    change = next;
  }
  return change;
}

/** A change request in implementation, as the workflow leaves it at the change window's start. */
async function changeInImplementation(): Promise<Change> {
  const created = await createChange(alice, { services: ['email'] });
  return advance(created.id, 'assess', 'authorize', 'scheduled', 'implement');
}

beforeAll(async () => {
  stack = await startTestStack();
  alice = await agent(stack);
  // The stack set the environment the store modules read at load.
  reactions = await import('../../functions/problems/reactions.ts');
  changeStore = await import('../../functions/changes/store/change-store.ts');
  changeWrite = await import('../../functions/changes/change-request-write.ts');
  changeDomain = await import('../../functions/changes/domain/change.ts');
  transaction = await import('../../functions/shared/store/transaction.ts');
});
afterAll(async () => {
  await stack.stop();
});

describe('a resolved problem tells its linked incidents', () => {
  it('without resolveLinkedIncidents: each open one is told once (event + its assignee and group), none is resolved', async () => {
    const problem = await openProblem();
    const fresh = await openIncident({ assignee: 'bob' });
    const working = await openIncident();
    await patchIncident(working.id, { status: 'in_progress' });
    const done = await openIncident();
    await patchIncident(done.id, { status: 'in_progress' });
    await patchIncident(done.id, { status: 'resolved', resolutionCode: 'solved_workaround', resolutionNotes: 'Restarted the workers' });
    for (const incident of [fresh, working, done]) await link(problem, incident);
    const before = await Promise.all([fresh, working].map((i) => read(`/incidents/${i.id}`)));

    await patchProblem(problem.id, { status: 'assess' });
    const resolved = await patchProblem(problem.id, { status: 'resolved', resolution: { code: 'duplicate', notes: 'Same as the worker leak' } });

    const told = await poll(
      () => toldOf(problem),
      (list) => list.length >= 2,
    );
    expect(told.map((e) => (e.detail as any).incident.id).sort()).toEqual([fresh.id, working.id].sort());
    for (const event of told) {
      expect(event.detail).toMatchObject({
        actor: 'system',
        problem: { id: problem.id, number: problem.number, version: resolved.version, resolutionCode: 'duplicate', incidentResolved: false },
      });
      expect(JSON.stringify(event.detail)).not.toContain('Same as the worker leak');
    }
    // The notification of a record goes out after its event: wait for the publisher to finish.
    await stack.settled();
    const sent = notifications('Incident Problem Resolved').filter((n) => (n.message as any).problem.id === problem.id);
    expect(sent.find((n) => (n.message as any).incident.id === fresh.id)?.message).toMatchObject({ recipients: { users: ['bob'], groups: ['service-desk'] } });
    expect(sent.find((n) => (n.message as any).incident.id === working.id)?.message).toMatchObject({ recipients: { users: [], groups: ['service-desk'] } });
    expect((sent[0]?.message as any).text).toContain(problem.number);

    // Told, not changed: same status, same version.
    const after = await Promise.all([fresh, working].map((i) => read(`/incidents/${i.id}`)));
    expect(after.map((i) => [i.status, i.version])).toEqual(before.map((i) => [i.status, i.version]));

    // Running the reaction again (a redelivered record) tells nobody twice.
    expect(await reactions.tellLinkedIncidents(announced(resolved))).toEqual({ resolved: 0, told: 0, already: 2, skipped: 1 });
    await stack.settled();
    await stack.settled();
    expect(toldOf(problem)).toHaveLength(2);
  });

  it('with resolveLinkedIncidents: open incidents are resolved with the problem (history as system, the problem named in a work note)', async () => {
    const problem = await openProblem({ resolveLinkedIncidents: true, fix: { text: 'Cap the worker heap and recycle hourly' } });
    const fresh = await openIncident();
    const held = await openIncident({ assignee: 'bob' });
    await patchIncident(held.id, { status: 'in_progress' });
    await patchIncident(held.id, { status: 'on_hold', holdReason: 'awaiting_change' });
    const canceled = await openIncident();
    await patchIncident(canceled.id, { status: 'canceled' });
    for (const incident of [fresh, held, canceled]) await link(problem, incident);

    await patchProblem(problem.id, { status: 'assess' });
    await patchProblem(problem.id, { status: 'root_cause_analysis', rootCause: 'Unbounded cache in the worker' });
    const resolved = await patchProblem(problem.id, { status: 'resolved', resolution: { code: 'fix_applied', notes: 'Heap capped since Monday' } });

    for (const incident of [fresh, held]) {
      const after = await poll(
        () => read(`/incidents/${incident.id}`),
        (i) => i.status === 'resolved',
      );
      expect(after).toMatchObject({
        status: 'resolved',
        resolutionCode: 'solved_permanently',
        resolvedBy: 'system',
        updatedBy: 'system',
        problem: { id: problem.id, number: problem.number },
      });
      // The notes are for the requester: plain words, no problem. The problem goes into a work note.
      expect(after.resolutionNotes).toBe('Resolved: the underlying cause was found and fixed.');
      expect(after.holdReason).toBeUndefined();
      const history = (await read(`/incidents/${incident.id}/history`)).items;
      const resolution = history.find((h: Row) => h.action === 'updated' && h.version === after.version);
      expect(resolution).toMatchObject({ actor: 'system' });
      expect(resolution.changes).toEqual(
        expect.arrayContaining([
          { field: 'status', from: incident.id === held.id ? 'on_hold' : 'new', to: 'resolved' },
          { field: 'resolutionCode', from: null, to: 'solved_permanently' },
          { field: 'resolutionNotes', from: null, to: 'Resolved: the underlying cause was found and fixed.' },
        ]),
      );
      expect(history.at(-1)).toMatchObject({ actor: 'system', action: 'note_added', noteVisibility: 'work', version: after.version, changes: [] });
      const notes = (await read(`/incidents/${incident.id}/notes`)).items;
      expect(notes.at(-1)).toMatchObject({
        visibility: 'work',
        author: 'system',
        body: `Resolved with problem ${problem.number} (fix_applied): Heap capped since Monday`,
      });
    }
    expect((await read(`/incidents/${canceled.id}`)).status).toBe('canceled');

    const told = await poll(
      () => toldOf(problem),
      (list) => list.length >= 2,
    );
    expect(told.map((e) => (e.detail as any).problem.incidentResolved)).toEqual([true, true]);
    expect(told.map((e) => (e.detail as any).incident.status)).toEqual(['resolved', 'resolved']);
    expect(await reactions.tellLinkedIncidents(announced(resolved))).toEqual({ resolved: 0, told: 0, already: 0, skipped: 3 });
  });

  it('an incident opened by monitoring and resolved with its problem stops collecting events: the next trigger opens a new one', async () => {
    const ada = await admin(stack);
    const integration = await ada.post('/services/email/integrations', { name: 'Alertmanager', rateLimitPerMinute: 10_000 });
    expect(integration.status, JSON.stringify(integration.body)).toBe(201);
    const trigger = () =>
      stack.anonymous.post('/v2/enqueue', {
        routing_key: integration.body.routingKey,
        event_action: 'trigger',
        dedup_key: 'queue-depth',
        payload: { summary: 'Mail queue depth high', source: 'prometheus', severity: 'warning' },
      });
    const withKey = async () => {
      await stack.settled();
      const page = await alice.get('/incidents?service=email&limit=100');
      return page.body.items.filter((i: Row) => i.dedupKey === 'queue-depth') as Row[];
    };
    expect((await trigger()).status).toBe(202);
    const [opened] = await poll(withKey, (list) => list.length === 1);
    const problem = await openProblem({ resolveLinkedIncidents: true, workaround: 'Flush the queue' });
    await link(problem, opened as Row);
    await patchProblem(problem.id, { status: 'assess' });
    await patchProblem(problem.id, { status: 'resolved', resolution: { code: 'risk_accepted' } });
    await poll(
      () => read(`/incidents/${opened?.id}`),
      (i) => i.status === 'resolved',
    );

    expect((await trigger()).status).toBe(202);
    const both = await poll(withKey, (list) => list.length === 2);
    expect(both.map((i) => i.status).sort()).toEqual(['new', 'resolved']);
    expect((await read(`/incidents/${opened?.id}`)).alert.occurrences).toBe(1);
  });

  it('risk_accepted resolves with the workaround code; a problem reopened before the reaction tells nobody', async () => {
    const problem = await openProblem({ resolveLinkedIncidents: true, workaround: 'Restart the workers nightly' });
    const incident = await openIncident();
    await link(problem, incident);
    await patchProblem(problem.id, { status: 'assess' });
    await patchProblem(problem.id, { status: 'resolved', resolution: { code: 'risk_accepted' } });
    const after = await poll(
      () => read(`/incidents/${incident.id}`),
      (i) => i.status === 'resolved',
    );
    expect(after).toMatchObject({
      resolutionCode: 'solved_workaround',
      resolutionNotes: 'Resolved: the underlying cause is known and a workaround applies; the service desk can tell you more.',
    });
    expect((await read(`/incidents/${incident.id}/notes`)).items.at(-1)).toMatchObject({ body: `Resolved with problem ${problem.number} (risk_accepted)` });

    const reopened = await openProblem({ resolveLinkedIncidents: true });
    const other = await openIncident();
    await link(reopened, other);
    await patchProblem(reopened.id, { status: 'assess' });
    const resolvedOnce = await patchProblem(reopened.id, { status: 'resolved', resolution: { code: 'risk_accepted' } });
    await stack.settled();
    await patchProblem(reopened.id, { status: 'root_cause_analysis' });
    // As a late redelivery of the first resolution would find it: the resolution no longer holds.
    expect(await reactions.tellLinkedIncidents({ ...announced(resolvedOnce), version: resolvedOnce.version + 5 })).toBeUndefined();
  });
});

describe('what a resolution announces', () => {
  it('carries the resolution and resolveLinkedIncidents in the Problem Resolved detail (never the notes)', async () => {
    const problem = await openProblem({ resolveLinkedIncidents: true });
    await patchProblem(problem.id, { status: 'assess' });
    const resolved = await patchProblem(problem.id, { status: 'resolved', resolution: { code: 'duplicate', notes: 'Same as PRB-secret' } });
    const [event] = await poll(
      () => events('Problem Resolved').filter((e) => (e.detail as any).problem.id === problem.id),
      (list) => list.length >= 1,
    );
    expect(event?.detail).toMatchObject({
      problem: { version: resolved.version },
      resolution: { code: 'duplicate', at: resolved.resolution.at, by: 'alice' },
      resolveLinkedIncidents: true,
    });
    expect(JSON.stringify(event?.detail)).not.toContain('PRB-secret');
  });

  it('a late record of a resolution that no longer holds (reopened and resolved again) tells nobody: the later one told them, once, with its own code', async () => {
    const problem = await openProblem();
    await patchProblem(problem.id, { status: 'assess' });
    // The first resolution: no incident is linked yet, so its reaction tells nobody.
    const first = await patchProblem(problem.id, { status: 'resolved', resolution: { code: 'duplicate' } });
    await stack.settled();
    const incident = await openIncident();
    await link(problem, incident);
    await patchProblem(problem.id, { status: 'root_cause_analysis' });
    const second = await patchProblem(problem.id, { status: 'resolved', resolution: { code: 'canceled' } });
    const told = await poll(
      () => toldOf(problem),
      (list) => list.length >= 1,
    );
    expect(told.map((e) => (e.detail as any).problem)).toEqual([expect.objectContaining({ version: second.version, resolutionCode: 'canceled' })]);

    // The first record arriving only now (a slow or redelivered batch): its resolution no longer holds.
    expect(await reactions.tellLinkedIncidents(announced(first))).toBeUndefined();
    await stack.settled();
    expect(toldOf(problem)).toHaveLength(1);
    // The second, redelivered: already told.
    expect(await reactions.tellLinkedIncidents(announced(second))).toEqual({ resolved: 0, told: 0, already: 1, skipped: 0 });
  });

  it('acts on the resolution as announced, not on the problem as it is when the reaction runs', async () => {
    const problem = await openProblem({ resolveLinkedIncidents: false });
    await patchProblem(problem.id, { status: 'assess' });
    const incident = await openIncident();
    const resolved = await patchProblem(problem.id, { status: 'resolved', resolution: { code: 'risk_accepted' } });
    await stack.settled();
    // Linked after the resolution's own reaction ran; the problem then says to resolve its incidents.
    await link(problem, incident);
    await patchProblem(problem.id, { resolveLinkedIncidents: true });
    // A redelivery of the record: the resolution it announced told incidents only.
    expect(await reactions.tellLinkedIncidents(announced(resolved))).toEqual({ resolved: 0, told: 1, already: 0, skipped: 0 });
    expect((await read(`/incidents/${incident.id}`)).status).toBe('new');
  });
});

describe('requesters and a problem resolving their incident', () => {
  it('their incident, its history and its notes name no problem: plain resolution notes, the problem in a work note they do not see', async () => {
    const carol = await requester(stack);
    const problem = await openProblem({ resolveLinkedIncidents: true, fix: { text: 'Cap the worker heap' } });
    const own = await carol.post('/incidents', { title: 'My mail is late' });
    expect(own.status, JSON.stringify(own.body)).toBe(201);
    await link(problem, own.body);
    await patchProblem(problem.id, { status: 'assess' });
    await patchProblem(problem.id, { status: 'resolved', resolution: { code: 'fix_applied', notes: 'Internal: heap capped on mx-3' } });
    await poll(
      () => read(`/incidents/${own.body.id}`),
      (i) => i.status === 'resolved',
    );

    const seen = await carol.get(`/incidents/${own.body.id}`);
    expect(seen.status).toBe(200);
    expect(seen.body).toMatchObject({ status: 'resolved', resolutionNotes: 'Resolved: the underlying cause was found and fixed.' });
    expect(seen.body).not.toHaveProperty('problem');
    const history = await carol.get(`/incidents/${own.body.id}/history`);
    const notes = await carol.get(`/incidents/${own.body.id}/notes`);
    expect([history.status, notes.status]).toEqual([200, 200]);
    for (const body of [seen.body, history.body, notes.body]) {
      const text = JSON.stringify(body);
      for (const secret of [problem.id, problem.number, 'Internal: heap capped', 'fix_applied']) expect(text).not.toContain(secret);
    }
    expect(history.body.items.flatMap((h: Row) => h.changes.map((c: { field: string }) => c.field))).not.toContain('problem');
    // The resolution itself is theirs to see.
    expect(history.body.items.at(-1).changes).toEqual(expect.arrayContaining([{ field: 'status', from: 'new', to: 'resolved' }]));
    expect(notes.body.items).toEqual([]);

    // Agents see all of it: the link in the history, the work note naming the problem.
    const agentHistory = (await read(`/incidents/${own.body.id}/history`)).items;
    expect(agentHistory.some((h: Row) => h.changes.some((c: { field: string }) => c.field === 'problem'))).toBe(true);
    expect((await read(`/incidents/${own.body.id}/notes`)).items).toEqual([
      expect.objectContaining({ visibility: 'work', body: `Resolved with problem ${problem.number} (fix_applied): Internal: heap capped on mx-3` }),
    ]);
  });
});

describe("the fix's change request", () => {
  it('closed successfully: every problem it fixes resolves itself (fix_applied, as system, naming the change), and tells its incidents', async () => {
    const change = await changeInImplementation();
    const investigating = await openProblem({ fix: { change: change.number } });
    await patchProblem(investigating.id, { status: 'assess' });
    await patchProblem(investigating.id, { status: 'root_cause_analysis', rootCause: 'Leaky cache' });
    const logged = await openProblem({ title: 'Same change fixes this', fix: { change: change.id } });
    const unrelated = await openProblem({ title: 'Not fixed by it' });
    const incident = await openIncident();
    await link(investigating, incident);

    const etag = (await alice.get(`/changes/${change.id}`)).headers.get('etag') as string;
    const closed = await send('POST', `/changes/${change.id}/implementation`, { outcome: 'successful', notes: 'Rolled out' }, { 'if-match': etag });
    expect(closed.status).toBe('closed');

    for (const problem of [investigating, logged]) {
      const after = await poll(
        () => read(`/problems/${problem.id}`),
        (p) => p.status === 'resolved',
      );
      expect(after).toMatchObject({
        status: 'resolved',
        updatedBy: 'system',
        resolution: { code: 'fix_applied', by: 'system', notes: `Fixed by change ${change.number}, closed with a successful implementation` },
        fix: { change: { id: change.id, number: change.number } },
      });
      const history = (await read(`/problems/${problem.id}/history`)).items;
      expect(history.at(-1)).toMatchObject({ actor: 'system', action: 'updated' });
      expect(JSON.stringify(history.at(-1).changes)).toContain(change.number);
    }
    // A new problem is assessed on the way: one version, one history record.
    expect((await read(`/problems/${logged.id}/history`)).items.at(-1).changes).toContainEqual({ field: 'status', from: 'new', to: 'resolved' });
    expect((await read(`/problems/${unrelated.id}`)).status).toBe('new');

    // The resolution reaches the linked incident through the other reaction.
    const told = await poll(
      () => toldOf(investigating),
      (list) => list.length >= 1,
    );
    expect((told[0]?.detail as any).incident.id).toBe(incident.id);

    // A redelivered record changes nothing more.
    expect(await reactions.applyFixChangeOutcome(change.id, 'Change Implemented')).toEqual(['already', 'already']);
  });

  it('failed, then closed after review: the assignee is told once (Problem Fix Failed), the problem stays as it is', async () => {
    const change = await changeInImplementation();
    const problem = await openProblem({ assignee: 'bob', fix: { change: change.id, text: 'Patch the worker' } });
    let etag = (await alice.get(`/changes/${change.id}`)).headers.get('etag') as string;
    const reported = await send('POST', `/changes/${change.id}/implementation`, { outcome: 'failed', notes: 'Rollout crashed' }, { 'if-match': etag });
    expect(reported.status).toBe('review');
    await stack.settled();
    expect(events('Problem Fix Failed')).toHaveLength(0);
    etag = (await alice.get(`/changes/${change.id}`)).headers.get('etag') as string;
    await send('POST', `/changes/${change.id}/review`, { summary: 'Needs a canary first' }, { 'if-match': etag });

    const failed = await poll(
      () => events('Problem Fix Failed').filter((e) => (e.detail as any).problem.id === problem.id),
      (list) => list.length >= 1,
    );
    expect(failed[0]?.detail).toMatchObject({
      actor: 'system',
      problem: { id: problem.id, version: problem.version, status: 'new' },
      fix: { change: { id: change.id, number: change.number }, outcome: 'failed' },
    });
    await stack.settled();
    const notice = notifications('Problem Fix Failed').find((n) => (n.message as any).problem.id === problem.id);
    expect(notice?.message).toMatchObject({ recipients: { users: ['bob'], groups: [] } });
    expect((notice?.message as any).text).toContain(change.number);
    expect(await read(`/problems/${problem.id}`)).toMatchObject({ status: 'new', version: problem.version });
    // The problem's history says so, at the version it was at (its ETag does not move).
    const fixFailed = { action: 'fix_failed', actor: 'system', version: problem.version };
    expect((await read(`/problems/${problem.id}/history`)).items.at(-1)).toMatchObject({
      ...fixFailed,
      changes: [{ field: 'fixOutcome', from: null, to: { change: { id: change.id, number: change.number }, outcome: 'failed' } }],
    });

    expect(await reactions.applyFixChangeOutcome(change.id, 'Change Closed')).toEqual(['already']);
    await stack.settled();
    expect(events('Problem Fix Failed').filter((e) => (e.detail as any).problem.id === problem.id)).toHaveLength(1);
    expect((await read(`/problems/${problem.id}/history`)).items.filter((h: Row) => h.action === 'fix_failed')).toHaveLength(1);
  });

  it('canceled: the assignee (else the group) is told the fix will not come', async () => {
    const change = await createChange(alice, { services: ['email'] });
    const problem = await openProblem({ fix: { change: change.number } });
    await send('POST', `/changes/${change.id}/cancel`, { reason: 'Superseded' }, ifMatch(change));
    const failed = await poll(
      () => events('Problem Fix Failed').filter((e) => (e.detail as any).problem.id === problem.id),
      (list) => list.length >= 1,
    );
    expect((failed[0]?.detail as any).fix.outcome).toBe('canceled');
    await stack.settled();
    const notice = notifications('Problem Fix Failed').find((n) => (n.message as any).problem.id === problem.id);
    expect(notice?.message).toMatchObject({ recipients: { users: [], groups: ['service-desk'] } });
  });
});
