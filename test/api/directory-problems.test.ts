import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admin, agent, type Client, startTestStack, type TestStack } from '../support/api.ts';

/*
 * Problem management names directory records too: a problem's service, assignment group and
 * assignee, and the problem configuration's per-service rules. Deleting a record one of them still
 * names is refused like any other reference (docs/directory.md), and their writes check the delete
 * mark in their own transactions.
 */

let stack: TestStack;
let ada: Client;
let alice: Client;

beforeAll(async () => {
  stack = await startTestStack();
  ada = await admin(stack);
  alice = await agent(stack);
});
afterAll(() => stack.stop());

type Problem = { id: string; number: string; version: number };

const etagOf = async (path: string) => (await ada.get(path)).headers.get('etag')!;
const refs = (reply: { body: { references: { kind: string; id: string; number?: string; field?: string }[] } }) =>
  reply.body.references.map((r) => `${r.kind}:${r.number ?? r.id}:${r.field}`).sort();
const ifMatch = (problem: { version: number }) => ({ 'if-match': `"${problem.version}"` });

async function openProblem(body: Record<string, unknown>): Promise<Problem> {
  const reply = await alice.post('/problems', { title: 'Keeps failing', ...body });
  expect(reply.status, JSON.stringify(reply.body)).toBe(201);
  return reply.body;
}

async function patchProblem(problem: Problem, body: Record<string, unknown>): Promise<Problem> {
  const reply = await alice.patch(`/problems/${problem.id}`, body, ifMatch(problem));
  expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  return reply.body;
}

/** Resolved: it still counts, as it may be reopened. */
async function resolve(problem: Problem): Promise<Problem> {
  let next = await patchProblem(problem, { status: 'assess' });
  next = await patchProblem(next, { status: 'resolved', resolution: { code: 'risk_accepted' } });
  return next;
}

async function problemConfigWith(services: Record<string, { threshold: number; windowDays: number }>) {
  const current = await ada.get('/problem-config');
  return ada.put(
    '/problem-config',
    { threshold: current.body.threshold, windowDays: current.body.windowDays, services },
    { 'if-match': current.headers.get('etag')! },
  );
}

describe('deleting a record that problems still name', () => {
  it('refuses a group that is the assignment group of a problem that is not final; a resolved one counts, a closed or canceled one does not', async () => {
    expect((await ada.post('/groups', { name: 'prb-team', members: ['bob'] })).status).toBe(201);
    const working = await openProblem({ assignmentGroup: 'prb-team' });
    const canceled = await openProblem({ assignmentGroup: 'prb-team' });
    await patchProblem(canceled, { status: 'canceled' });

    const refused = await ada.delete('/groups/prb-team', { 'if-match': await etagOf('/groups/prb-team') });
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ type: 'tag:open-itsm,2026:problem/group-in-use', truncated: false });
    expect(refused.body.references).toEqual([{ kind: 'problem', id: working.id, number: working.number, field: 'assignmentGroup' }]);
    expect((await alice.get('/groups/prb-team')).status).toBe(200);

    // Resolved may be reopened: it still holds the group.
    const resolved = await resolve(working);
    const stillRefused = await ada.delete('/groups/prb-team', { 'if-match': await etagOf('/groups/prb-team') });
    expect(stillRefused.status).toBe(409);
    expect(refs(stillRefused)).toEqual([`problem:${working.number}:assignmentGroup`]);

    await patchProblem(resolved, { status: 'closed', review: { summary: 'Accepted' } });
    expect((await ada.delete('/groups/prb-team', { 'if-match': await etagOf('/groups/prb-team') })).status).toBe(204);
    expect((await ada.get('/groups/prb-team')).status).toBe(404);
    // The closed problem keeps the name as it was.
    expect((await alice.get(`/problems/${working.id}`)).body).toMatchObject({ status: 'closed', assignmentGroup: 'prb-team' });
  });

  it('refuses a service named by an open problem or by a rule of its own in the problem configuration, until both let go', async () => {
    expect((await ada.post('/services', { name: 'prb-app', ownerGroup: 'network', criticality: 'low' })).status).toBe(201);
    const problem = await openProblem({ service: 'prb-app' });
    expect((await problemConfigWith({ 'prb-app': { threshold: 4, windowDays: 3 } })).status).toBe(200);

    const refused = await ada.delete('/services/prb-app', { 'if-match': await etagOf('/services/prb-app') });
    expect(refused.status).toBe(409);
    expect(refused.body.type).toBe('tag:open-itsm,2026:problem/service-in-use');
    expect(refs(refused)).toEqual([`problem:${problem.number}:service`, 'problem-config:problem-config:services.prb-app'].sort());

    await patchProblem(problem, { status: 'canceled' });
    const configOnly = await ada.delete('/services/prb-app', { 'if-match': await etagOf('/services/prb-app') });
    expect(configOnly.status).toBe(409);
    expect(refs(configOnly)).toEqual(['problem-config:problem-config:services.prb-app']);

    expect((await problemConfigWith({})).status).toBe(200);
    expect((await ada.delete('/services/prb-app', { 'if-match': await etagOf('/services/prb-app') })).status).toBe(204);
  });

  it('refuses a user who is the assignee of an open problem, and deletes them once it is canceled', async () => {
    expect((await ada.put('/users/prb-owner', { displayName: 'Problem owner' })).status).toBe(201);
    expect((await ada.post('/groups', { name: 'prb-owners', members: ['prb-owner'] })).status).toBe(201);
    const problem = await openProblem({ assignmentGroup: 'prb-owners', assignee: 'prb-owner' });

    const refused = await ada.delete('/users/prb-owner', { 'if-match': await etagOf('/users/prb-owner') });
    expect(refused.status).toBe(409);
    expect(refused.body.type).toBe('tag:open-itsm,2026:problem/user-in-use');
    expect(refused.body.references).toEqual([{ kind: 'problem', id: problem.id, number: problem.number, field: 'assignee' }]);

    await patchProblem(problem, { status: 'canceled' });
    expect((await ada.delete('/users/prb-owner', { 'if-match': await etagOf('/users/prb-owner') })).status).toBe(204);
    expect((await ada.get('/groups/prb-owners')).body.members).toEqual([]);
  });
});

describe('a record being deleted cannot come to be named by a problem meanwhile', () => {
  const hold = () => new Date(Date.now() + 30_000).toISOString();
  // Imported once the stack has set the table's environment, as a delete's own code would run.
  const records = () => import('../../functions/directory/store/records.ts');

  it('a problem create or PATCH naming a group, service or user being deleted is refused in its own transaction (400 naming the field)', async () => {
    expect((await ada.post('/groups', { name: 'prb-leaving', members: ['bob'] })).status).toBe(201);
    expect((await ada.post('/services', { name: 'prb-leaving-app', ownerGroup: 'network', criticality: 'low' })).status).toBe(201);
    expect((await ada.put('/users/prb-leaver', { displayName: 'Leaver' })).status).toBe(201);
    expect((await ada.post('/groups', { name: 'prb-stayers', members: ['bob', 'prb-leaver'] })).status).toBe(201);
    const existing = await openProblem({ service: 'vpn' });
    const { retireRecord, GROUPS, SERVICES, USERS } = await records();
    // Mark each as a delete does before it looks for what names it.
    expect(await retireRecord(GROUPS, 'prb-leaving', 1, hold())).toEqual({ retired: true });
    expect(await retireRecord(SERVICES, 'prb-leaving-app', 1, hold())).toEqual({ retired: true });
    expect(await retireRecord(USERS, 'prb-leaver', 1, hold())).toEqual({ retired: true });

    const byGroup = await alice.post('/problems', { title: 'Late', assignmentGroup: 'prb-leaving' });
    expect(byGroup.status).toBe(400);
    expect(byGroup.body.errors).toEqual([expect.objectContaining({ path: 'assignmentGroup', message: "Group 'prb-leaving' is being deleted" })]);
    const byService = await alice.post('/problems', { title: 'Late', service: 'prb-leaving-app' });
    expect(byService.status).toBe(400);
    expect(byService.body.errors).toEqual([expect.objectContaining({ path: 'service', message: "Service 'prb-leaving-app' is being deleted" })]);
    const byAssignee = await alice.patch(`/problems/${existing.id}`, { assignmentGroup: 'prb-stayers', assignee: 'prb-leaver' }, ifMatch(existing));
    expect(byAssignee.status).toBe(400);
    expect(byAssignee.body.errors).toEqual([expect.objectContaining({ path: 'assignee', message: "User 'prb-leaver' is being deleted" })]);
    expect((await alice.get(`/problems/${existing.id}`)).body).toMatchObject({ version: existing.version });
  });

  it('the problem configuration cannot give a service being deleted a rule of its own; a rule it already has may stay', async () => {
    expect((await ada.post('/services', { name: 'prb-fading', ownerGroup: 'network', criticality: 'low' })).status).toBe(201);
    expect((await ada.post('/services', { name: 'prb-kept', ownerGroup: 'network', criticality: 'low' })).status).toBe(201);
    expect((await problemConfigWith({ 'prb-kept': { threshold: 5, windowDays: 2 } })).status).toBe(200);
    const { retireRecord, SERVICES } = await records();
    expect(await retireRecord(SERVICES, 'prb-fading', 1, hold())).toEqual({ retired: true });
    expect(await retireRecord(SERVICES, 'prb-kept', 1, hold())).toEqual({ retired: true });

    const added = await problemConfigWith({ 'prb-kept': { threshold: 5, windowDays: 2 }, 'prb-fading': { threshold: 3, windowDays: 1 } });
    expect(added.status).toBe(400);
    expect(added.body.errors).toEqual([expect.objectContaining({ path: 'services.prb-fading', message: "Service 'prb-fading' is being deleted" })]);
    expect(Object.keys((await ada.get('/problem-config')).body.services)).toEqual(['prb-kept']);

    // Keeping a service the configuration already names is fine: that service's delete finds it either way.
    const kept = await problemConfigWith({ 'prb-kept': { threshold: 6, windowDays: 2 } });
    expect(kept.status).toBe(200);
    expect((await problemConfigWith({})).status).toBe(200);
  });
});
