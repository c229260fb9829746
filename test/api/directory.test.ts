import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admin, agent, type Client, startTestStack, type TestStack } from '../support/api.ts';

let stack: TestStack;
let ada: Client;
let alice: Client;

beforeAll(async () => {
  stack = await startTestStack();
  ada = await admin(stack);
  alice = await agent(stack);
});
afterAll(() => stack.stop());

describe('/users', () => {
  it('registers a user with PUT (201), refuses a second registration (409), updates with If-Match', async () => {
    const created = await ada.put('/users/erin', { displayName: 'Erin Example', email: 'erin@example.com' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: 'erin', displayName: 'Erin Example', active: true, version: 1 });
    expect(created.headers.get('location')).toBe('/users/erin');

    expect((await ada.put('/users/erin', { displayName: 'Again' })).status).toBe(409);

    const updated = await ada.put('/users/erin', { displayName: 'Erin E.', active: false }, { 'if-match': '"1"' });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ displayName: 'Erin E.', active: false, version: 2 });
    expect((await ada.put('/users/erin', { displayName: 'Stale' }, { 'if-match': '"1"' })).status).toBe(412);
    expect((await alice.get('/users/erin')).body.displayName).toBe('Erin E.');
  });

  it('validates the path and the body', async () => {
    const bad = await ada.put('/users/has%20space', { displayName: 'x' });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0]).toMatchObject({ location: 'path', path: 'userId' });
    const email = await ada.put('/users/frank', { displayName: 'Frank', email: 'not-an-email' });
    expect(email.status).toBe(400);
    expect(email.body.errors[0].path).toBe('email');
    expect((await alice.get('/users/frank')).status).toBe(404);
  });
});

describe('/groups', () => {
  it('creates a group whose members and manager exist, and lists it', async () => {
    const reply = await ada.post('/groups', { name: 'storage', displayName: 'Storage', members: ['bob', 'nina'], manager: 'ada' });
    expect(reply.status).toBe(201);
    expect(reply.headers.get('location')).toBe('/groups/storage');
    expect(reply.headers.get('etag')).toBe('"1"');
    const listed = await alice.get('/groups?limit=100');
    expect(listed.body.items.map((g: { name: string }) => g.name)).toContain('storage');
    expect((await alice.get('/groups/storage')).body).toMatchObject({ members: ['bob', 'nina'], manager: 'ada' });
  });

  it('names every unknown member and manager (400) and creates nothing', async () => {
    const reply = await ada.post('/groups', { name: 'ghosts', members: ['bob', 'casper', 'slimer'], manager: 'nobody' });
    expect(reply.status).toBe(400);
    expect(reply.body.errors.map((e: { path: string }) => e.path)).toEqual(['members.1', 'members.2', 'manager']);
    expect(reply.body.errors[0].pointer).toBe('#/members/1');
    expect((await alice.get('/groups/ghosts')).status).toBe(404);
  });

  it('refuses a duplicate name (409) and bad names (400)', async () => {
    expect((await ada.post('/groups', { name: 'network', members: [] })).status).toBe(409);
    const bad = await ada.post('/groups', { name: 'Not A Slug!', members: [] });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].path).toBe('name');
  });

  it('membership changes decide who may be assigned', async () => {
    const before = await alice.post('/incidents', { title: 'disk full', assignmentGroup: 'storage', assignee: 'alice' });
    expect(before.status).toBe(400);
    const group = (await alice.get('/groups/storage')).body;
    const replaced = await ada.put('/groups/storage', { displayName: 'Storage', members: [...group.members, 'alice'], manager: 'ada' }, { 'if-match': `"${group.version}"` });
    expect(replaced.status).toBe(200);
    const after = await alice.post('/incidents', { title: 'disk full', assignmentGroup: 'storage', assignee: 'alice' });
    expect(after.status).toBe(201);
  });

  it('refuses to delete a group that owns services (409); deletes with If-Match otherwise', async () => {
    expect((await ada.delete('/groups/network', { 'if-match': '"1"' })).status).toBe(409);
    const temp = await ada.post('/groups', { name: 'temporary', members: [] });
    expect((await ada.delete('/groups/temporary')).status).toBe(428);
    expect((await ada.delete('/groups/temporary', { 'if-match': '"7"' })).status).toBe(412);
    expect((await ada.delete('/groups/temporary', { 'if-match': temp.headers.get('etag')! })).status).toBe(204);
    expect((await alice.get('/groups/temporary')).status).toBe(404);
    expect((await ada.delete('/groups/temporary', { 'if-match': '"1"' })).status).toBe(404);
  });
});

describe('/services', () => {
  it('creates a service owned by an existing group, with a criticality', async () => {
    const reply = await ada.post('/services', { name: 'backup', ownerGroup: 'storage', criticality: 'high' });
    expect(reply.status).toBe(201);
    const incident = await alice.post('/incidents', { title: 'backup failed', service: 'backup' });
    expect(incident.status).toBe(201);
  });

  it('refuses an unknown owner group or criticality, naming the field', async () => {
    const noGroup = await ada.post('/services', { name: 'orphan', ownerGroup: 'no-such-group', criticality: 'low' });
    expect(noGroup.status).toBe(400);
    expect(noGroup.body.errors).toEqual([expect.objectContaining({ path: 'ownerGroup' })]);
    const badCriticality = await ada.post('/services', { name: 'orphan', ownerGroup: 'storage', criticality: 'extreme' });
    expect(badCriticality.status).toBe(400);
    expect(badCriticality.body.errors[0].path).toBe('criticality');
    expect((await alice.get('/services/orphan')).status).toBe(404);
  });

  it('is read by agents, written by admins only', async () => {
    expect((await alice.get('/services/payments')).status).toBe(200);
    expect((await alice.post('/services', { name: 'shadow-it', ownerGroup: 'network', criticality: 'low' })).status).toBe(403);
    const payments = await alice.get('/services/payments');
    const agentPut = await alice.put('/services/payments', { ownerGroup: 'network', criticality: 'low' }, { 'if-match': payments.headers.get('etag')! });
    expect(agentPut.status).toBe(403);
  });

  it('pages the list with limit and cursor', async () => {
    const first = await alice.get('/services?limit=2');
    expect(first.body.items).toHaveLength(2);
    const names = first.body.items.map((s: { name: string }) => s.name);
    let cursor = first.body.nextCursor;
    while (cursor !== undefined) {
      const page = await alice.get(`/services?limit=2&cursor=${encodeURIComponent(cursor)}`);
      names.push(...page.body.items.map((s: { name: string }) => s.name));
      cursor = page.body.nextCursor;
    }
    expect(names).toEqual(expect.arrayContaining(['backup', 'email', 'intranet', 'payments', 'vpn']));
    expect(new Set(names).size).toBe(names.length);
  });
});
