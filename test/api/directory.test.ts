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
    const replaced = await ada.put(
      '/groups/storage',
      { displayName: 'Storage', members: [...group.members, 'alice'], manager: 'ada' },
      { 'if-match': `"${group.version}"` },
    );
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

describe('deleting a record that others still name', () => {
  const etagOf = async (path: string) => (await ada.get(path)).headers.get('etag')!;
  const refs = (reply: { body: { references: { kind: string; id: string; number?: string; field?: string }[] } }) =>
    reply.body.references.map((r) => `${r.kind}:${r.number ?? r.id}:${r.field}`).sort();
  const later = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString();
  const plans = { implementationPlan: 'Do it', backoutPlan: 'Undo it' };

  it('refuses a group named by services, boards, templates, open incidents and open changes (409, each listed); closed ones do not count', async () => {
    expect((await ada.post('/groups', { name: 'legacy', members: ['bob'] })).status).toBe(201);
    expect((await ada.post('/services', { name: 'legacy-app', ownerGroup: 'legacy', criticality: 'low' })).status).toBe(201);
    expect(
      (await ada.post('/change-templates', { name: 'legacy-restart', title: 'Restart', services: ['vpn'], assignmentGroup: 'legacy', ...plans })).status,
    ).toBe(201);
    const config = (await ada.get('/change-config')).body;
    const { version: configVersion, updatedAt: _u, updatedBy: _b, createdAt: _c, ...configFields } = config;
    expect((await ada.put('/change-config', { ...configFields, emergencyGroup: 'legacy' }, { 'if-match': `"${configVersion}"` })).status).toBe(200);
    const incident = (await alice.post('/incidents', { title: 'legacy down', assignmentGroup: 'legacy' })).body;
    const closedIncident = (await alice.post('/incidents', { title: 'legacy blip', assignmentGroup: 'legacy' })).body;
    expect((await alice.patch(`/incidents/${closedIncident.id}`, { status: 'canceled' }, { 'if-match': `"${closedIncident.version}"` })).status).toBe(200);
    const change = (
      await alice.post('/changes', {
        type: 'normal',
        title: 'Move legacy',
        services: ['vpn'],
        plannedStart: later(3),
        plannedEnd: later(4),
        assignmentGroup: 'legacy',
        ...plans,
      })
    ).body;

    const refused = await ada.delete('/groups/legacy', { 'if-match': await etagOf('/groups/legacy') });
    expect(refused.status).toBe(409);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    expect(refused.body).toMatchObject({ type: 'tag:open-itsm,2026:problem/group-in-use', status: 409, truncated: false });
    expect(refs(refused)).toEqual(
      [
        `change:${change.number}:assignmentGroup`,
        'change-config:change-config:emergencyGroup',
        'change-template:legacy-restart:assignmentGroup',
        `incident:${incident.number}:assignmentGroup`,
        'service:legacy-app:ownerGroup',
      ].sort(),
    );
    expect(refused.body.references.find((r: { kind: string }) => r.kind === 'incident')).toEqual({
      kind: 'incident',
      id: incident.id,
      number: incident.number,
      field: 'assignmentGroup',
    });
    // Nothing was deleted, and the group can still be named.
    expect((await alice.get('/groups/legacy')).status).toBe(200);
    expect((await alice.post('/incidents', { title: 'still routable', assignmentGroup: 'legacy' })).status).toBe(201);
  });

  it('deletes a group once nothing names it, taking its escalation policy with it', async () => {
    expect((await ada.post('/groups', { name: 'short-lived', members: ['bob'] })).status).toBe(201);
    expect(
      (await ada.put('/groups/short-lived/escalation-policy', { levels: [{ notify: { users: ['bob'] }, delay: 'PT5M' }], repeat: 0 })).status,
    ).toBeLessThan(300);
    const resolved = (await alice.post('/incidents', { title: 'done', assignmentGroup: 'short-lived' })).body;
    expect((await alice.patch(`/incidents/${resolved.id}`, { status: 'canceled' }, { 'if-match': `"${resolved.version}"` })).status).toBe(200);
    expect((await ada.delete('/groups/short-lived', { 'if-match': await etagOf('/groups/short-lived') })).status).toBe(204);
    expect((await ada.get('/groups/short-lived')).status).toBe(404);
    expect((await ada.post('/groups', { name: 'short-lived', members: [] })).status).toBe(201);
    expect((await ada.get('/groups/short-lived/escalation-policy')).body.isDefault).toBe(true);
  });

  it('caps the list and says it is truncated', async () => {
    expect((await ada.post('/groups', { name: 'busy', members: [] })).status).toBe(201);
    const created = await Promise.all(Array.from({ length: 22 }, (_, i) => alice.post('/incidents', { title: `busy ${i}`, assignmentGroup: 'busy' })));
    expect(created.every((r) => r.status === 201)).toBe(true);
    const refused = await ada.delete('/groups/busy', { 'if-match': await etagOf('/groups/busy') });
    expect(refused.status).toBe(409);
    expect(refused.body.references).toHaveLength(20);
    expect(refused.body.truncated).toBe(true);
  });

  it('refuses a service named by integration keys, SLA policies, templates, blackout windows, open incidents and open changes', async () => {
    expect((await ada.post('/services', { name: 'old-crm', ownerGroup: 'network', criticality: 'low' })).status).toBe(201);
    const key = (await ada.post('/services/old-crm/integrations', { name: 'Monitor' })).body;
    expect(
      (await ada.post('/sla-policies', { name: 'old-crm-sla', appliesTo: { service: 'old-crm' }, targets: { response: 'PT1H' }, calendar: '24x7' })).status,
    ).toBe(201);
    expect((await ada.post('/change-templates', { name: 'old-crm-restart', title: 'Restart', services: ['vpn', 'old-crm'], ...plans })).status).toBe(201);
    expect((await ada.post('/blackout-windows', { name: 'old-crm-freeze', start: later(1), end: later(2), services: ['old-crm'] })).status).toBe(201);
    expect((await ada.post('/blackout-windows', { name: 'past-freeze', start: later(-3), end: later(-2), services: ['old-crm'] })).status).toBe(201);
    const incident = (await alice.post('/incidents', { title: 'crm slow', service: 'old-crm' })).body;
    const change = (
      await alice.post('/changes', { type: 'normal', title: 'Retire CRM', services: ['old-crm'], plannedStart: later(5), plannedEnd: later(6), ...plans })
    ).body;

    const refused = await ada.delete('/services/old-crm', { 'if-match': await etagOf('/services/old-crm') });
    expect(refused.status).toBe(409);
    expect(refused.body.type).toBe('tag:open-itsm,2026:problem/service-in-use');
    expect(refs(refused)).toEqual(
      [
        'blackout-window:old-crm-freeze:services',
        `change:${change.number}:services`,
        'change-template:old-crm-restart:services',
        `incident:${incident.number}:service`,
        `integration-key:${key.id}:service`,
        'sla-policy:old-crm-sla:appliesTo.service',
      ].sort(),
    );
  });

  it('makes a deleted user leave the groups it was in, in the same transaction (each group at a new version)', async () => {
    expect((await ada.put('/users/leaver', { displayName: 'Leaver' })).status).toBe(201);
    expect((await ada.post('/groups', { name: 'team-a', members: ['bob', 'leaver'] })).status).toBe(201);
    expect((await ada.post('/groups', { name: 'team-b', members: ['leaver'] })).status).toBe(201);
    expect((await ada.delete('/users/leaver', { 'if-match': '"1"' })).status).toBe(204);
    expect((await ada.get('/users/leaver')).status).toBe(404);
    expect((await ada.get('/groups/team-a')).body).toMatchObject({ members: ['bob'], version: 2 });
    expect((await ada.get('/groups/team-b')).body).toMatchObject({ members: [], version: 2 });
  });

  it('answers 204 or 409 delete-contended (never 500) when a group the user leaves keeps changing under the delete', async () => {
    expect((await ada.put('/users/contested', { displayName: 'Contested' })).status).toBe(201);
    expect((await ada.post('/groups', { name: 'churn', members: ['bob', 'contested'] })).status).toBe(201);
    let deleting = true;
    // Several writers replacing the group (same members) as fast as they can, each at whatever version is current.
    const churn = Promise.all(
      Array.from({ length: 4 }, async (_, writer) => {
        for (let i = 0; deleting; i++)
          await ada.put('/groups/churn', { displayName: `Churn ${writer}.${i}`, members: ['bob', 'contested'] }, { 'if-match': '*' });
      }),
    );
    const outcomes: number[] = [];
    try {
      for (let attempt = 0; attempt < 5 && !outcomes.includes(204); attempt++) {
        const reply = await ada.delete('/users/contested', { 'if-match': '"1"' });
        outcomes.push(reply.status);
        if (reply.status === 409) {
          expect(reply.body.type).toBe('tag:open-itsm,2026:problem/delete-contended');
          expect(reply.headers.get('retry-after')).toBe('1');
          expect((await ada.get('/users/contested')).status).toBe(200);
        }
      }
    } finally {
      deleting = false;
      await churn;
    }
    expect(outcomes.every((status) => status === 204 || status === 409)).toBe(true);
    if (outcomes.includes(204)) expect((await ada.get('/groups/churn')).body.members).toEqual(['bob']);
  });

  it('refuses a user who manages a group, is named by an escalation policy, or is assignee or caller of an open incident', async () => {
    expect((await ada.put('/users/keeper', { displayName: 'Keeper' })).status).toBe(201);
    expect((await ada.post('/groups', { name: 'kept', members: ['keeper'], manager: 'keeper' })).status).toBe(201);
    expect(
      (await ada.put('/groups/database/escalation-policy', { levels: [{ notify: { users: ['keeper'] }, delay: 'PT5M' }], repeat: 0 })).status,
    ).toBeLessThan(300);
    const assigned = (await alice.post('/incidents', { title: 'kept busy', assignmentGroup: 'kept', assignee: 'keeper' })).body;
    const keeper = await stack.as('keeper', []);
    const raised = (await keeper.post('/incidents', { title: 'my laptop' })).body;

    const refused = await ada.delete('/users/keeper', { 'if-match': '"1"' });
    expect(refused.status).toBe(409);
    expect(refused.body.type).toBe('tag:open-itsm,2026:problem/user-in-use');
    expect(refs(refused)).toEqual(
      [
        'escalation-policy:database:levels.notify.users',
        'group:kept:manager',
        `incident:${assigned.number}:assignee`,
        `incident:${raised.number}:caller`,
      ].sort(),
    );
    // The refusal left the groups as they were.
    expect((await ada.get('/groups/kept')).body).toMatchObject({ members: ['keeper'], version: 1 });
  });
});

describe('a user being deleted', () => {
  it('cannot be added to a group meanwhile: the group write checks the members it adds in its own transaction', async () => {
    expect((await ada.put('/users/halfway', { displayName: 'Halfway' })).status).toBe(201);
    // Mark the user as a delete does before it looks for what names them.
    const { retireRecord, USERS } = await import('../../functions/directory/store/records.ts');
    expect(await retireRecord(USERS, 'halfway', 1, new Date(Date.now() + 30_000).toISOString())).toEqual({ retired: true });
    const created = await ada.post('/groups', { name: 'late-joiners', members: ['bob', 'halfway'], manager: 'halfway' });
    expect(created.status).toBe(400);
    expect(created.body.errors).toEqual([expect.objectContaining({ path: 'members', message: "User 'halfway' is being deleted" })]);
    const managed = await ada.post('/groups', { name: 'late-managed', members: ['bob'], manager: 'halfway' });
    expect(managed.body.errors).toEqual([expect.objectContaining({ path: 'manager', message: "User 'halfway' is being deleted" })]);
    const team = await ada.post('/groups', { name: 'late-team', members: ['bob'] });
    const joined = await ada.put('/groups/late-team', { members: ['bob', 'halfway'] }, { 'if-match': team.headers.get('etag')! });
    expect(joined.status).toBe(400);
    expect((await ada.get('/groups/late-team')).body.members).toEqual(['bob']);
  });

  it('cannot be added to an escalation policy meanwhile: the policy write checks the users it adds in its own transaction', async () => {
    expect((await ada.put('/users/outgoing', { displayName: 'Outgoing' })).status).toBe(201);
    expect((await ada.post('/groups', { name: 'pagers', members: ['bob'] })).status).toBe(201);
    const first = await ada.put('/groups/pagers/escalation-policy', { levels: [{ notify: { users: ['bob', 'outgoing'] }, delay: 'PT5M' }], repeat: 0 });
    expect(first.status).toBe(201);
    const { retireRecord, USERS } = await import('../../functions/directory/store/records.ts');
    expect(await retireRecord(USERS, 'outgoing', 1, new Date(Date.now() + 30_000).toISOString())).toEqual({ retired: true });

    // Keeping a user the policy already names is fine: that user's delete finds the policy either way.
    const kept = await ada.put(
      '/groups/pagers/escalation-policy',
      { levels: [{ notify: { users: ['outgoing'] }, delay: 'PT10M' }], repeat: 0 },
      { 'if-match': first.headers.get('etag')! },
    );
    expect(kept.status).toBe(200);
    expect((await ada.post('/groups', { name: 'other-pagers', members: [] })).status).toBe(201);
    const added = await ada.put('/groups/other-pagers/escalation-policy', {
      levels: [
        { notify: { users: ['bob'] }, delay: 'PT5M' },
        { notify: { users: ['nina', 'outgoing'] }, delay: 'PT5M' },
      ],
      repeat: 0,
    });
    expect(added.status).toBe(400);
    expect(added.body.errors).toEqual([expect.objectContaining({ path: 'levels.1.notify.users.1', message: "User 'outgoing' is being deleted" })]);
    expect((await ada.get('/groups/other-pagers/escalation-policy')).body.isDefault).toBe(true);
  });
});

describe('a group being deleted', () => {
  it('cannot become the owner of a service meanwhile; a service it already owns can still be edited', async () => {
    expect((await ada.post('/groups', { name: 'winding-down', members: [] })).status).toBe(201);
    const owned = await ada.post('/services', { name: 'winding-app', ownerGroup: 'winding-down', criticality: 'low' });
    expect(owned.status).toBe(201);
    const other = await ada.post('/services', { name: 'moving-app', ownerGroup: 'network', criticality: 'low' });
    const { retireRecord, GROUPS } = await import('../../functions/directory/store/records.ts');
    expect(await retireRecord(GROUPS, 'winding-down', 1, new Date(Date.now() + 30_000).toISOString())).toEqual({ retired: true });

    const created = await ada.post('/services', { name: 'late-app', ownerGroup: 'winding-down', criticality: 'low' });
    expect(created.status).toBe(400);
    expect(created.body.errors).toEqual([expect.objectContaining({ path: 'ownerGroup', message: "Group 'winding-down' is being deleted" })]);
    const moved = await ada.put('/services/moving-app', { ownerGroup: 'winding-down', criticality: 'low' }, { 'if-match': other.headers.get('etag')! });
    expect(moved.status).toBe(400);
    expect(moved.body.errors).toEqual([expect.objectContaining({ path: 'ownerGroup', message: "Group 'winding-down' is being deleted" })]);
    expect((await ada.get('/services/moving-app')).body.ownerGroup).toBe('network');

    const kept = await ada.put('/services/winding-app', { ownerGroup: 'winding-down', criticality: 'high' }, { 'if-match': owned.headers.get('etag')! });
    expect(kept.status).toBe(200);
  });
});

describe('a service being deleted', () => {
  it('is not named by an incident an event opens meanwhile: the event opens it without the service (or its group), as for an unknown service', async () => {
    expect((await ada.post('/services', { name: 'fading-app', ownerGroup: 'network', criticality: 'high' })).status).toBe(201);
    const key = (await ada.post('/services/fading-app/integrations', { name: 'Monitor' })).body;
    const { retireRecord, SERVICES } = await import('../../functions/directory/store/records.ts');
    expect(await retireRecord(SERVICES, 'fading-app', 1, new Date(Date.now() + 30_000).toISOString())).toEqual({ retired: true });

    const sent = await stack.anonymous.post('/v2/enqueue', {
      routing_key: key.routingKey,
      event_action: 'trigger',
      dedup_key: 'fading-1',
      payload: { summary: 'Fading app down', source: 'prometheus', severity: 'critical' },
    });
    expect(sent.status).toBe(202);
    await stack.settled();
    const opened = (await alice.get(`/incidents?caller=${encodeURIComponent(`integration:${key.id}`)}&limit=10`)).body.items;
    expect(opened).toHaveLength(1);
    expect(opened[0].dedupKey).toBe('fading-1');
    expect(opened[0].service).toBeUndefined();
    expect(opened[0].assignmentGroup).toBeUndefined();
  });
});
