import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admin, agent, type Client, type Reply, startTestStack, type TestStack } from '../support/api.ts';

let stack: TestStack;
let alice: Client;

beforeAll(async () => {
  stack = await startTestStack();
  alice = await agent(stack);
});
afterAll(() => stack.stop());

async function open(body: Record<string, unknown> = {}) {
  const reply = await alice.post('/incidents', { title: 'Lifecycle', ...body });
  expect(reply.status).toBe(201);
  return reply.body;
}

/** PATCH with the incident's current version as If-Match. */
function patch(incident: { id: string; version: number }, body: Record<string, unknown>, as: Client = alice): Promise<Reply> {
  return as.patch(`/incidents/${incident.id}`, body, { 'if-match': `"${incident.version}"` });
}

async function history(id: string) {
  return (await alice.get(`/incidents/${id}/history?limit=100`)).body.items;
}

describe('PATCH /incidents/{id}: preconditions', () => {
  it('requires If-Match (428) and names the header', async () => {
    const incident = await open();
    const reply = await alice.patch(`/incidents/${incident.id}`, { title: 'no etag' });
    expect(reply.status).toBe(428);
    expect(reply.headers.get('content-type')).toBe('application/problem+json');
    expect(JSON.stringify(reply.body)).toMatch(/If-Match/);
    expect((await alice.get(`/incidents/${incident.id}`)).body.title).toBe('Lifecycle');
  });

  it('answers 412 with the current ETag when If-Match is stale, and writes nothing', async () => {
    const incident = await open();
    const first = await patch(incident, { title: 'first' });
    expect(first.status).toBe(200);
    expect(first.headers.get('etag')).toBe('"2"');
    const stale = await patch(incident, { title: 'second' });
    expect(stale.status).toBe(412);
    expect(stale.body).toMatchObject({ status: 412, currentEtag: '"2"' });
    const current = await alice.get(`/incidents/${incident.id}`);
    expect(current.body).toMatchObject({ title: 'first', version: 2 });
    expect((await history(incident.id)).length).toBe(2);
  });

  it('accepts a weak ETag and the number as the path', async () => {
    const incident = await open();
    const reply = await alice.patch(`/incidents/${incident.number}`, { category: 'hardware' }, { 'if-match': 'W/"1"' });
    expect(reply.status).toBe(200);
    expect(reply.body.category).toBe('hardware');
  });

  it('lets exactly one of many concurrent writers at the same version win', async () => {
    const incident = await open();
    const replies = await Promise.all(Array.from({ length: 8 }, (_, i) => patch(incident, { title: `writer ${i}` })));
    const statuses = replies.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 412)).toHaveLength(7);
    const winner = replies.find((r) => r.status === 200)!.body;
    const current = (await alice.get(`/incidents/${incident.id}`)).body;
    expect(current).toMatchObject({ title: winner.title, version: 2 });
    const updates = (await history(incident.id)).filter((r: { action: string }) => r.action === 'updated');
    expect(updates).toHaveLength(1);
  });

  it('rejects an empty patch (400); an If-Match that names no version matches nothing (412)', async () => {
    const incident = await open();
    expect((await patch(incident, {})).status).toBe(400);
    // A bare `*` matches any version (RFC 9110; test/api/if-match.test.ts), a quoted one nothing.
    for (const ifMatch of ['yesterday', '"*"']) {
      const bad = await alice.patch(`/incidents/${incident.id}`, { title: 'x' }, { 'if-match': ifMatch });
      expect(bad.status, ifMatch).toBe(412);
    }
  });

  it('answers 200 without a new version when the patch restates current values', async () => {
    const incident = await open({ category: 'network' });
    const reply = await patch(incident, { category: 'network', title: 'Lifecycle' });
    expect(reply.status).toBe(200);
    expect(reply.body.version).toBe(1);
    expect((await history(incident.id)).length).toBe(1);
  });
});

describe('the lifecycle', () => {
  it('walks new -> in_progress -> on_hold -> in_progress -> resolved -> closed with timestamps and history', async () => {
    let incident = await open();
    const step = async (body: Record<string, unknown>) => {
      const reply = await patch(incident, body);
      expect(reply.status, JSON.stringify(reply.body)).toBe(200);
      incident = reply.body;
      return incident;
    };
    await step({ status: 'in_progress' });
    expect(incident.acknowledgedAt).toBeDefined();
    expect(incident.acknowledgedBy).toBe('alice');
    const acknowledgedAt = incident.acknowledgedAt;

    await step({ status: 'on_hold', holdReason: 'awaiting_vendor' });
    expect(incident.holdReason).toBe('awaiting_vendor');
    await step({ holdReason: 'awaiting_caller' });
    expect(incident.holdReason).toBe('awaiting_caller');

    await step({ status: 'in_progress' });
    expect(incident.holdReason).toBeUndefined();
    expect(incident.acknowledgedAt).toBe(acknowledgedAt);

    await step({ status: 'resolved', resolutionCode: 'solved_permanently', resolutionNotes: 'Replaced the switch' });
    expect(incident).toMatchObject({ resolutionCode: 'solved_permanently', resolutionNotes: 'Replaced the switch', resolvedBy: 'alice' });
    expect(incident.resolvedAt).toBeDefined();

    await step({ status: 'closed' });
    expect(incident.closedAt).toBeDefined();
    expect(incident.version).toBe(7);

    const records = await history(incident.id);
    expect(records.map((r: { action: string }) => r.action)).toEqual(['created', ...Array(6).fill('updated')]);
    expect(records.map((r: { version: number }) => r.version)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    const hold = records[2];
    expect(hold.changes).toEqual(
      expect.arrayContaining([
        { field: 'status', from: 'in_progress', to: 'on_hold' },
        { field: 'holdReason', from: null, to: 'awaiting_vendor' },
      ]),
    );
    expect(hold.actor).toBe('alice');
  });

  it('answers 409 naming the allowed transitions for an invalid one', async () => {
    const incident = await open();
    const reply = await patch(incident, { status: 'closed' });
    expect(reply.status).toBe(409);
    expect(reply.headers.get('content-type')).toBe('application/problem+json');
    expect(reply.body).toMatchObject({ from: 'new', to: 'closed' });
    expect([...reply.body.allowedTransitions].sort()).toEqual(['canceled', 'in_progress']);
    expect(reply.body.detail).toMatch(/in_progress/);
  });

  it('requires a holdReason to go on hold and both resolution fields to resolve', async () => {
    const incident = await open();
    const started = (await patch(incident, { status: 'in_progress' })).body;

    const hold = await patch(started, { status: 'on_hold' });
    expect(hold.status).toBe(400);
    expect(hold.body.errors).toEqual([expect.objectContaining({ path: 'holdReason' })]);

    const noCode = await patch(started, { status: 'resolved', resolutionNotes: 'done' });
    expect(noCode.status).toBe(400);
    expect(noCode.body.errors).toEqual([expect.objectContaining({ path: 'resolutionCode' })]);

    const noNotes = await patch(started, { status: 'resolved', resolutionCode: 'solved_permanently' });
    expect(noNotes.status).toBe(400);
    expect(noNotes.body.errors).toEqual([expect.objectContaining({ path: 'resolutionNotes' })]);

    const badReason = await patch(started, { status: 'on_hold', holdReason: 'lunch' });
    expect(badReason.status).toBe(400);
    expect(badReason.body.errors[0].path).toBe('holdReason');

    expect((await alice.get(`/incidents/${incident.id}`)).body).toMatchObject({ status: 'in_progress', version: 2 });
  });

  it('refuses holdReason and resolution fields outside their states', async () => {
    const incident = await open();
    expect((await patch(incident, { holdReason: 'awaiting_caller' })).status).toBe(400);
    expect((await patch(incident, { resolutionCode: 'solved_permanently' })).status).toBe(400);
  });

  it('reopens a resolved incident: back to in_progress, resolution cleared, reopenCount counted', async () => {
    let incident = (await patch(await open(), { status: 'in_progress' })).body;
    incident = (await patch(incident, { status: 'resolved', resolutionCode: 'solved_workaround', resolutionNotes: 'Restarted' })).body;
    const reopened = await patch(incident, { status: 'in_progress' });
    expect(reopened.status).toBe(200);
    expect(reopened.body).toMatchObject({ status: 'in_progress', reopenCount: 1 });
    expect(reopened.body.resolvedAt).toBeUndefined();
    expect(reopened.body.resolutionCode).toBeUndefined();
  });

  it('cancels from new and from in_progress but not from on_hold; closed and canceled are final', async () => {
    const fromNew = await patch(await open(), { status: 'canceled' });
    expect(fromNew.status).toBe(200);
    expect(fromNew.body.canceledAt).toBeDefined();
    const afterCancel = await patch(fromNew.body, { status: 'in_progress' });
    expect(afterCancel.status).toBe(409);
    expect(afterCancel.body.allowedTransitions).toEqual([]);

    const started = (await patch(await open(), { status: 'in_progress' })).body;
    expect((await patch(started, { status: 'canceled' })).status).toBe(200);

    const held = (await patch((await patch(await open(), { status: 'in_progress' })).body, { status: 'on_hold', holdReason: 'awaiting_change' })).body;
    const cancelHeld = await patch(held, { status: 'canceled' });
    expect(cancelHeld.status).toBe(409);
    expect(cancelHeld.body.allowedTransitions).toEqual(['in_progress']);

    let closed = (await patch(await open(), { status: 'in_progress' })).body;
    closed = (await patch(closed, { status: 'resolved', resolutionCode: 'solved_permanently', resolutionNotes: 'ok' })).body;
    closed = (await patch(closed, { status: 'closed' })).body;
    const editClosed = await patch(closed, { title: 'too late' });
    expect(editClosed.status).toBe(409);
  });
});

describe('fields and priority', () => {
  it('recomputes priority when impact or urgency changes, and records it', async () => {
    const incident = await open({ impact: 3, urgency: 3 });
    const reply = await patch(incident, { impact: 1 });
    expect(reply.body).toMatchObject({ impact: 1, urgency: 3, priority: 'P3' });
    const second = await patch(reply.body, { urgency: 1 });
    expect(second.body.priority).toBe('P1');
    const last = (await history(incident.id)).at(-1);
    expect(last.changes).toEqual(
      expect.arrayContaining([
        { field: 'urgency', from: 3, to: 1 },
        { field: 'priority', from: 'P3', to: 'P1' },
      ]),
    );
  });

  it('clears optional fields with null and checks changed references', async () => {
    const incident = await open({ service: 'email', assignmentGroup: 'network', assignee: 'nina', category: 'mail' });
    const cleared = await patch(incident, { service: null, category: null, assignee: null });
    expect(cleared.status).toBe(200);
    expect(cleared.body.service).toBeUndefined();
    expect(cleared.body.category).toBeUndefined();
    expect(cleared.body.assignee).toBeUndefined();
    expect(cleared.body.assignmentGroup).toBe('network');

    const unknown = await patch(cleared.body, { service: 'no-such-service' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors).toEqual([expect.objectContaining({ path: 'service' })]);

    const notMember = await patch(cleared.body, { assignee: 'alice' });
    expect(notMember.status).toBe(400);
    expect(notMember.body.errors).toEqual([expect.objectContaining({ path: 'assignee', message: expect.stringMatching(/not a member/) })]);
    expect((await alice.get(`/incidents/${incident.id}`)).body.version).toBe(2);
  });

  it('follows a changed priority matrix for later changes, and only admins may change it', async () => {
    const ada = await admin(stack);
    const current = await alice.get('/config/priority-matrix');
    expect(current.status).toBe(200);
    const matrix = structuredClone(current.body.matrix);
    matrix['3']['3'] = 'P3';
    const etag = current.headers.get('etag')!;

    const byAgent = await alice.put('/config/priority-matrix', { matrix }, { 'if-match': etag });
    expect(byAgent.status).toBe(403);
    const noEtag = await ada.put('/config/priority-matrix', { matrix });
    expect(noEtag.status).toBe(428);
    const changed = await ada.put('/config/priority-matrix', { matrix }, { 'if-match': etag });
    expect(changed.status).toBe(200);

    const created = await open({ impact: 3, urgency: 3 });
    expect(created.priority).toBe('P3');

    matrix['3']['3'] = 'P4';
    const restored = await ada.put('/config/priority-matrix', { matrix }, { 'if-match': changed.headers.get('etag')! });
    expect(restored.status).toBe(200);
    const stale = await ada.put('/config/priority-matrix', { matrix }, { 'if-match': etag });
    expect(stale.status).toBe(412);
  });
});
