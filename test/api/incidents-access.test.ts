import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintToken } from '../../local/identity.ts';
import { agent, type Client, client, requester, startTestStack, type TestStack } from '../support/api.ts';

let stack: TestStack;
let alice: Client;
let carol: Client;
let dave: Client;
let carolsIncident: { id: string; number: string; version: number };
let davesIncident: { id: string; number: string; version: number };

beforeAll(async () => {
  stack = await startTestStack();
  alice = await agent(stack);
  carol = await requester(stack, 'carol');
  dave = await requester(stack, 'dave');
  carolsIncident = (await carol.post('/incidents', { title: 'Carol cannot print' })).body;
  davesIncident = (await dave.post('/incidents', { title: 'Dave lost his files', service: 'intranet' })).body;
});
afterAll(() => stack.stop());

describe('requesters see only incidents where they are the caller', () => {
  it('read their own incident by id and by number', async () => {
    expect((await carol.get(`/incidents/${carolsIncident.id}`)).status).toBe(200);
    expect((await carol.get(`/incidents/${carolsIncident.number}`)).status).toBe(200);
  });

  it("get 404 (not 403) for someone else's incident, on every incident route", async () => {
    const paths = [
      `/incidents/${davesIncident.id}`,
      `/incidents/${davesIncident.number}`,
      `/incidents/${davesIncident.id}/notes`,
      `/incidents/${davesIncident.id}/history`,
    ];
    for (const path of paths) {
      const reply = await carol.get(path);
      expect(reply.status, path).toBe(404);
    }
    const note = await carol.post(`/incidents/${davesIncident.id}/notes`, { body: 'peek' });
    expect(note.status).toBe(404);
    const patch = await carol.patch(`/incidents/${davesIncident.id}`, { title: 'mine now' }, { 'if-match': '"1"' });
    expect(patch.status).toBe(404);
    expect((await alice.get(`/incidents/${davesIncident.id}`)).body.title).toBe('Dave lost his files');
  });

  it('list only their own incidents, whatever filters they send', async () => {
    const own = await carol.get('/incidents');
    expect(own.status).toBe(200);
    expect(own.body.items.map((i: { id: string }) => i.id)).toEqual([carolsIncident.id]);
    const spoofed = await carol.get('/incidents?caller=dave');
    expect(spoofed.body.items).toEqual([]);
    const filtered = await carol.get('/incidents?service=intranet');
    expect(filtered.body.items).toEqual([]);
  });

  it('cannot change incidents, even their own (403), but can comment publicly', async () => {
    const patch = await carol.patch(`/incidents/${carolsIncident.id}`, { title: 'urgent!!' }, { 'if-match': '"1"' });
    expect(patch.status).toBe(403);
    const comment = await carol.post(`/incidents/${carolsIncident.id}/notes`, { body: 'It is still broken' });
    expect(comment.status).toBe(201);
    expect(comment.body).toMatchObject({ visibility: 'public', author: 'carol' });
    const work = await carol.post(`/incidents/${carolsIncident.id}/notes`, { body: 'internal?', visibility: 'work' });
    expect(work.status).toBe(403);
  });
});

describe('what a requester may set when raising an incident (default: urgency, not impact)', () => {
  it('cannot declare a P1: impact is refused with 403 naming the field, and nothing is written', async () => {
    const before = (await carol.get('/incidents?limit=100')).body.items.length;
    const reply = await carol.post('/incidents', { title: 'Everything is down!!', impact: 1, urgency: 1 });
    expect(reply.status).toBe(403);
    expect(reply.body).toMatchObject({
      type: expect.stringMatching(/forbidden-field$/),
      errors: [expect.objectContaining({ path: 'impact', location: 'body' })],
    });
    expect(reply.body.errors).toHaveLength(1);
    expect((await carol.get('/incidents?limit=100')).body.items.length).toBe(before);
  });

  it("takes the requester's urgency; impact stays at the default, so the priority is not P1", async () => {
    const reply = await carol.post('/incidents', { title: 'My laptop will not boot', urgency: 1 });
    expect(reply.status).toBe(201);
    expect(reply.body).toMatchObject({ urgency: 1, impact: 3 });
    expect(reply.body.priority).not.toBe('P1');
  });

  it('agents may still set both', async () => {
    const reply = await alice.post('/incidents', { title: 'Payments down for everyone', impact: 1, urgency: 1, caller: 'carol' });
    expect(reply.status).toBe(201);
    expect(reply.body.priority).toBe('P1');
  });
});

describe('notes and history', () => {
  it('hides work notes, and the history entries of work notes, from requesters', async () => {
    const incident = (await carol.post('/incidents', { title: 'Notes visibility' })).body;
    const work = await alice.post(`/incidents/${incident.id}/notes`, { body: 'Looks like the print server', visibility: 'work' });
    expect(work.status).toBe(201);
    expect(work.body.visibility).toBe('work');
    const defaulted = await alice.post(`/incidents/${incident.id}/notes`, { body: 'Agents default to work notes' });
    expect(defaulted.body.visibility).toBe('work');
    const reply = await alice.post(`/incidents/${incident.id}/notes`, { body: 'We are on it', visibility: 'public' });
    expect(reply.status).toBe(201);

    const agentView = await alice.get(`/incidents/${incident.id}/notes`);
    expect(agentView.body.items.map((n: { body: string }) => n.body)).toEqual(['Looks like the print server', 'Agents default to work notes', 'We are on it']);
    const requesterView = await carol.get(`/incidents/${incident.id}/notes`);
    expect(requesterView.body.items.map((n: { body: string }) => n.body)).toEqual(['We are on it']);

    const agentHistory = (await alice.get(`/incidents/${incident.id}/history`)).body.items;
    const requesterHistory = (await carol.get(`/incidents/${incident.id}/history`)).body.items;
    expect(agentHistory.filter((r: { action: string }) => r.action === 'note_added')).toHaveLength(3);
    expect(requesterHistory.filter((r: { action: string }) => r.action === 'note_added')).toHaveLength(1);
  });

  it("records an agent's first public note as the first response, once", async () => {
    const incident = (await carol.post('/incidents', { title: 'First response' })).body;
    await carol.post(`/incidents/${incident.id}/notes`, { body: 'hello?' });
    await alice.post(`/incidents/${incident.id}/notes`, { body: 'work only', visibility: 'work' });
    expect((await alice.get(`/incidents/${incident.id}`)).body.acknowledgedAt).toBeUndefined();

    await alice.post(`/incidents/${incident.id}/notes`, { body: 'Looking into it', visibility: 'public' });
    const acknowledged = (await alice.get(`/incidents/${incident.id}`)).body;
    expect(acknowledged).toMatchObject({ acknowledgedBy: 'alice', version: 2, status: 'new' });

    await alice.post(`/incidents/${incident.id}/notes`, { body: 'Still looking', visibility: 'public' });
    const later = (await alice.get(`/incidents/${incident.id}`)).body;
    expect(later.acknowledgedAt).toBe(acknowledged.acknowledgedAt);
    expect(later.version).toBe(2);

    // Moving out of `new` afterwards does not move the first response either.
    const moved = await alice.patch(`/incidents/${incident.id}`, { status: 'in_progress' }, { 'if-match': '"2"' });
    expect(moved.body.acknowledgedAt).toBe(acknowledged.acknowledgedAt);
  });

  it('records the first response exactly once under concurrent public notes', async () => {
    const incident = (await carol.post('/incidents', { title: 'Race to respond' })).body;
    const replies = await Promise.all(
      ['alice', 'bob', 'nina'].map(async (sub) =>
        (await agent(stack, sub)).post(`/incidents/${incident.id}/notes`, { body: `${sub} here`, visibility: 'public' }),
      ),
    );
    expect(replies.map((r) => r.status)).toEqual([201, 201, 201]);
    const current = (await alice.get(`/incidents/${incident.id}`)).body;
    expect(current.version).toBe(2);
    const history = (await alice.get(`/incidents/${incident.id}/history`)).body.items;
    const acknowledging = history.filter((r: { changes: { field: string }[] }) => r.changes.some((c) => c.field === 'acknowledgedAt'));
    expect(acknowledging).toHaveLength(1);
    expect((await alice.get(`/incidents/${incident.id}/notes`)).body.items).toHaveLength(3);
  });

  it('pages notes with limit and cursor, oldest first', async () => {
    const incident = (await alice.post('/incidents', { title: 'Chatty' })).body;
    for (let i = 0; i < 5; i++) await alice.post(`/incidents/${incident.id}/notes`, { body: `note ${i}` });
    const first = await alice.get(`/incidents/${incident.id}/notes?limit=2`);
    expect(first.body.items.map((n: { body: string }) => n.body)).toEqual(['note 0', 'note 1']);
    const bodies = [...first.body.items];
    let cursor = first.body.nextCursor;
    while (cursor !== undefined) {
      const page = await alice.get(`/incidents/${incident.id}/notes?limit=2&cursor=${encodeURIComponent(cursor)}`);
      bodies.push(...page.body.items);
      cursor = page.body.nextCursor;
    }
    expect(bodies.map((n: { body: string }) => n.body)).toEqual(['note 0', 'note 1', 'note 2', 'note 3', 'note 4']);
  });

  it('offers no route that updates or deletes history', async () => {
    const incident = (await alice.post('/incidents', { title: 'Immutable past' })).body;
    const history = await alice.get(`/incidents/${incident.id}/history`);
    const record = history.body.items[0];
    expect(record).toMatchObject({ action: 'created', actor: 'alice', version: 1 });
    for (const method of ['PUT', 'PATCH', 'DELETE', 'POST']) {
      const reply = await alice.request(method, `/incidents/${incident.id}/history`, { body: {} });
      expect(reply.status, method).toBe(404);
    }
    expect((await alice.get(`/incidents/${incident.id}/history`)).body.items).toEqual(history.body.items);
  });
});

describe('roles', () => {
  it('agents read the directory; only admins change it', async () => {
    expect((await alice.get('/groups')).status).toBe(200);
    expect((await carol.get('/groups')).status).toBe(403);
    const create = await alice.post('/groups', { name: 'sneaky', members: ['alice'] });
    expect(create.status).toBe(403);
    // A caller without the role learns nothing about validation: 403 comes before 400.
    expect((await alice.post('/groups', { name: 'Not A Slug!' })).status).toBe(403);
    expect((await alice.put('/users/zed', { displayName: '' })).status).toBe(403);
    expect((await alice.get('/config/priority-matrix')).status).toBe(200);
    expect((await carol.get('/config/priority-matrix')).status).toBe(403);
    expect((await carol.get('/users')).status).toBe(403);
  });

  it('come from whole group names: look-alikes of admin and agent give no role, in any form of the claim', async () => {
    const lookAlikes: Record<string, string | string[]> = {
      'a plain string with a space': 'Helpdesk admin',
      'a plain string with a comma': 'agent,admin',
      'an array (API Gateway hands it over as [a b])': ['admin,readonly', 'agents', 'Admin', 'sysadmin'],
      'a JSON array in a string': '["Helpdesk admin","Service agent"]',
    };
    for (const [form, groups] of Object.entries(lookAlikes)) {
      const eve = client(stack.url, await mintToken(stack.signingKey, { sub: 'eve', groups }));
      expect((await eve.get('/groups')).status, form).toBe(403);
      expect((await eve.post('/groups', { name: 'eves-group', members: [] })).status, form).toBe(403);
      expect((await eve.get(`/incidents/${davesIncident.id}`)).status, form).toBe(404);
    }
    // The same forms with the exact names do give the roles.
    for (const groups of ['admin', ['admin'], '["admin"]']) {
      const ada = client(stack.url, await mintToken(stack.signingKey, { sub: 'ada', groups }));
      expect((await ada.get('/groups')).status, JSON.stringify(groups)).toBe(200);
    }
  });

  it('requesters may read services, which they name when raising an incident', async () => {
    const services = await carol.get('/services');
    expect(services.status).toBe(200);
    expect(services.body.items.map((s: { name: string }) => s.name)).toContain('payments');
    expect((await carol.get('/services/payments')).status).toBe(200);
    expect((await carol.post('/services', { name: 'mine', ownerGroup: 'network', criticality: 'low' })).status).toBe(403);
  });
});
