import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeleteCommand, QueryCommand } from '../../functions/shared/store/dynamodb.ts';
import { invokeFunction } from '../../local/invoke.ts';
import { admin, agent, type Client, requester, startTestStack, type TestStack } from '../support/api.ts';

let stack: TestStack;
let ada: Client;
let alice: Client;
let carol: Client;

const seed = () => invokeFunction('seedSlaDefaults', {}) as Promise<{ seeded: boolean; calendars: string[]; policies: string[] }>;
const paths = (reply: { body: { errors?: { path: string }[] } }) => (reply.body.errors ?? []).map((e) => e.path);
const etag = (reply: { headers: Headers }) => reply.headers.get('etag') as string;

/** The store modules, loaded once the stack has set the table's environment. */
const store = () => import('../../functions/sla/store/config-store.ts');

beforeAll(async () => {
  stack = await startTestStack();
  [ada, alice, carol] = await Promise.all([admin(stack), agent(stack), requester(stack)]);
  // The local runtime seeds at start, as the CDK trigger does after a deployment; seeding again is
  // a no-op, so this only makes the file independent of that wiring.
  await seed();
});
afterAll(() => stack.stop());

const officeHours = {
  mon: [
    { start: '08:00', end: '12:00' },
    { start: '13:00', end: '17:00' },
  ],
  fri: [{ start: '08:00', end: '14:00' }],
};

describe('defaults', () => {
  it('are there after the first seeding: two calendars, one policy per priority', async () => {
    const calendars = await alice.get('/calendars');
    expect(calendars.status).toBe(200);
    expect(calendars.body.items.map((c: { name: string }) => c.name)).toEqual(['24x7', 'business-hours']);
    expect(calendars.body.items[1]).toMatchObject({ timeZone: 'UTC', workingHours: { mon: [{ start: '09:00', end: '17:00' }] }, holidays: [], version: 1 });
    expect(Object.keys(calendars.body.items[1].workingHours)).toEqual(['mon', 'tue', 'wed', 'thu', 'fri']);

    const policies = await alice.get('/sla-policies');
    expect(policies.body.items.map((p: { name: string; targets: unknown; calendar: string }) => [p.name, p.targets, p.calendar])).toEqual([
      ['p1', { response: 'PT15M', resolution: 'PT4H' }, '24x7'],
      ['p2', { response: 'PT30M', resolution: 'PT8H' }, '24x7'],
      ['p3', { response: 'PT4H', resolution: 'PT24H' }, 'business-hours'],
      ['p4', { response: 'PT8H', resolution: 'PT40H' }, 'business-hours'],
    ]);
    expect(policies.body.items[0]).toMatchObject({ appliesTo: { priority: ['P1'] }, pauseOn: ['on_hold'], warnings: [50, 75] });
  });

  it('are written once: a deleted default does not come back with the next seeding', async () => {
    const p4 = await alice.get('/sla-policies/p4');
    expect((await ada.delete('/sla-policies/p4', { 'if-match': etag(p4) })).status).toBe(204);
    expect(await seed()).toEqual({ seeded: false, calendars: [], policies: [] });
    expect((await alice.get('/sla-policies/p4')).status).toBe(404);
    expect((await alice.get('/sla-policies')).body.items.map((p: { name: string }) => p.name)).toEqual(['p1', 'p2', 'p3']);

    const { db, TABLE_NAME } = await import('../../functions/shared/store/db.ts');
    const history = await db.send(
      new QueryCommand({ TableName: TABLE_NAME, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': 'CONFIG#SLA#HISTORY' } }),
    );
    expect((history.Items ?? []).filter((r) => r.subjectId === 'sla-policies/p4').map((r) => [r.action, r.actor])).toEqual([
      ['created', 'sla-defaults'],
      ['deleted', 'ada'],
    ]);
  });

  it('never overwrite what admins made: a default whose name or scope is taken is left out', async () => {
    expect((await ada.post('/sla-policies', { name: 'my-p4', appliesTo: { priority: ['P4'] }, targets: { response: 'PT2H' }, calendar: '24x7' })).status).toBe(
      201,
    );
    // As if the table predated the marker.
    const { db, TABLE_NAME } = await import('../../functions/shared/store/db.ts');
    await db.send(new DeleteCommand({ TableName: TABLE_NAME, Key: { pk: 'CONFIG#SLA', sk: 'SEEDED' } }));
    expect(await seed()).toEqual({ seeded: true, calendars: [], policies: [] });
    expect(await seed()).toEqual({ seeded: false, calendars: [], policies: [] });
  });

  it('load for the SLA rules in one strongly consistent Query, without storage or version fields', async () => {
    const config = await (await store()).loadSlaConfig();
    expect(config.calendars.find((c) => c.name === '24x7')).toEqual({ name: '24x7', description: 'Every hour of every day', timeZone: 'UTC' });
    expect(config.policies.find((p) => p.name === 'p1')).toEqual({
      name: 'p1',
      description: expect.any(String),
      appliesTo: { priority: ['P1'] },
      targets: { response: 'PT15M', resolution: 'PT4H' },
      calendar: '24x7',
      pauseOn: ['on_hold'],
      warnings: [50, 75],
    });
  });
});

describe('/calendars', () => {
  it('creates a calendar (201, ETag, Location) that agents read', async () => {
    const created = await ada.post('/calendars', {
      name: 'berlin-office',
      timeZone: 'Europe/Berlin',
      workingHours: officeHours,
      holidays: [{ date: '2026-12-25', name: 'Christmas' }],
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe('/calendars/berlin-office');
    expect(etag(created)).toBe('"1"');
    expect(created.body).toMatchObject({ name: 'berlin-office', timeZone: 'Europe/Berlin', version: 1 });
    const read = await alice.get('/calendars/berlin-office');
    expect(read.body).toEqual(created.body);
    expect(etag(read)).toBe('"1"');
  });

  it('names each invalid field: shape first, then the calendar rules', async () => {
    const shape = await ada.post('/calendars', { name: 'Bad Name', timeZone: 'UTC', workingHours: { mon: [{ start: '9am', end: '17:00' }], someday: [] } });
    expect(shape.status).toBe(400);
    expect(paths(shape).sort()).toEqual(['name', 'workingHours.mon.0.start', 'workingHours.someday']);

    const rules = await ada.post('/calendars', {
      name: 'bad',
      timeZone: 'Mars/Olympus_Mons',
      workingHours: {
        mon: [{ start: '17:00', end: '09:00' }],
        tue: [
          { start: '09:00', end: '12:00' },
          { start: '11:00', end: '13:00' },
        ],
      },
    });
    expect(rules.status).toBe(400);
    expect(rules.body.type).toBe('tag:open-itsm,2026:problem/validation-error');
    expect(paths(rules)).toEqual(['timeZone', 'workingHours.mon.0', 'workingHours.tue.1']);
    expect(rules.body.errors[1].pointer).toBe('#/workingHours/mon/0');

    const holidays = await ada.post('/calendars', { name: 'bad', timeZone: 'UTC', holidays: [{ date: '2026-01-01' }] });
    expect(paths(holidays)).toEqual(['holidays']);
    const twice = await ada.post('/calendars', {
      name: 'bad',
      timeZone: 'UTC',
      workingHours: officeHours,
      holidays: [{ date: '2026-01-01' }, { date: '2026-01-01' }],
    });
    expect(paths(twice)).toEqual(['holidays.1.date']);
    expect((await alice.get('/calendars/bad')).status).toBe(404);
  });

  it('refuses writes from agents and reads from requesters (403); a taken name is 409', async () => {
    expect((await alice.post('/calendars', { name: 'mine', timeZone: 'UTC' })).status).toBe(403);
    expect((await alice.put('/calendars/24x7', { timeZone: 'UTC' }, { 'if-match': '"1"' })).status).toBe(403);
    expect((await alice.delete('/calendars/24x7', { 'if-match': '"1"' })).status).toBe(403);
    expect((await carol.get('/calendars')).status).toBe(403);
    expect((await carol.get('/calendars/24x7')).status).toBe(403);
    const taken = await ada.post('/calendars', { name: '24x7', timeZone: 'UTC' });
    expect(taken.status).toBe(409);
    expect(taken.body.type).toBe('tag:open-itsm,2026:problem/already-exists');
  });

  it('replaces with If-Match only: 428 without, 412 when stale, 200 and a new version otherwise', async () => {
    const body = { timeZone: 'Europe/Berlin', workingHours: officeHours, holidays: [{ date: '2026-12-25', name: 'Christmas' }, { date: '2026-12-26' }] };
    expect((await ada.put('/calendars/berlin-office', body)).status).toBe(428);
    const stale = await ada.put('/calendars/berlin-office', body, { 'if-match': '"7"' });
    expect(stale.status).toBe(412);
    expect(stale.body.currentEtag).toBe('"1"');
    const replaced = await ada.put('/calendars/berlin-office', body, { 'if-match': '"1"' });
    expect(replaced.status).toBe(200);
    expect(replaced.body).toMatchObject({ version: 2, holidays: [{ date: '2026-12-25', name: 'Christmas' }, { date: '2026-12-26' }] });
    expect(etag(replaced)).toBe('"2"');
    const same = await ada.put('/calendars/berlin-office', body, { 'if-match': '"2"' });
    expect(same.status).toBe(200);
    expect(same.body.version).toBe(2);
    expect((await ada.put('/calendars/nowhere', body, { 'if-match': '"1"' })).status).toBe(404);
  });

  it('records each change in the SLA configuration history, in the same transaction', async () => {
    const { db, TABLE_NAME } = await import('../../functions/shared/store/db.ts');
    const result = await db.send(
      new QueryCommand({ TableName: TABLE_NAME, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': 'CONFIG#SLA#HISTORY' } }),
    );
    const records = (result.Items ?? []).filter((r) => r.subjectId === 'calendars/berlin-office');
    expect(records.map((r) => [r.action, r.version, r.actor])).toEqual([
      ['created', 1, 'ada'],
      ['updated', 2, 'ada'],
    ]);
    expect(records[1]?.changes).toEqual([
      { field: 'holidays', from: [{ date: '2026-12-25', name: 'Christmas' }], to: [{ date: '2026-12-25', name: 'Christmas' }, { date: '2026-12-26' }] },
    ]);
  });

  it('replays a create sent again with the same Idempotency-Key; a different body is 422', async () => {
    const body = { name: 'tokyo', timeZone: 'Asia/Tokyo', workingHours: officeHours };
    const first = await ada.post('/calendars', body, { 'idempotency-key': 'cal-tokyo' });
    expect(first.status).toBe(201);
    const again = await ada.post('/calendars', body, { 'idempotency-key': 'cal-tokyo' });
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    expect((await ada.post('/calendars', { ...body, timeZone: 'UTC' }, { 'idempotency-key': 'cal-tokyo' })).status).toBe(422);
    expect((await ada.post('/calendars', body)).status).toBe(409);
  });

  it('cannot delete a calendar that policies count in (409 naming them); can once they are gone', async () => {
    await ada.post('/sla-policies', {
      name: 'tokyo-p3',
      appliesTo: { priority: ['P3'], category: 'tokyo' },
      targets: { resolution: 'PT16H' },
      calendar: 'tokyo',
    });
    await ada.post('/sla-policies', {
      name: 'tokyo-p4',
      appliesTo: { priority: ['P4'], category: 'tokyo' },
      targets: { resolution: 'PT40H' },
      calendar: 'tokyo',
    });
    const tokyo = await alice.get('/calendars/tokyo');
    expect((await ada.delete('/calendars/tokyo')).status).toBe(428);
    const inUse = await ada.delete('/calendars/tokyo', { 'if-match': etag(tokyo) });
    expect(inUse.status).toBe(409);
    expect(inUse.body).toMatchObject({ type: 'tag:open-itsm,2026:problem/calendar-in-use', policies: ['tokyo-p3', 'tokyo-p4'] });

    for (const name of ['tokyo-p3', 'tokyo-p4']) {
      const policy = await alice.get(`/sla-policies/${name}`);
      expect((await ada.delete(`/sla-policies/${name}`, { 'if-match': etag(policy) })).status).toBe(204);
    }
    expect((await ada.delete('/calendars/tokyo', { 'if-match': '"9"' })).status).toBe(412);
    expect((await ada.delete('/calendars/tokyo', { 'if-match': etag(tokyo) })).status).toBe(204);
    expect((await alice.get('/calendars/tokyo')).status).toBe(404);
    expect((await ada.delete('/calendars/tokyo', { 'if-match': etag(tokyo) })).status).toBe(404);
  });

  it('will not give working hours to a calendar whose policies have targets in days', async () => {
    await ada.post('/calendars', { name: 'always', timeZone: 'UTC' });
    expect(
      (await ada.post('/sla-policies', { name: 'slow', appliesTo: { category: 'slow' }, targets: { resolution: 'P2D' }, calendar: 'always' })).status,
    ).toBe(201);
    const refused = await ada.put('/calendars/always', { timeZone: 'UTC', workingHours: officeHours }, { 'if-match': '"1"' });
    expect(refused.status).toBe(400);
    expect(paths(refused)).toEqual(['workingHours']);
    expect(refused.body.errors[0].message).toMatch(/'slow'.*P2D/);
  });
});

describe('/sla-policies', () => {
  const payments = {
    name: 'p1-payments',
    appliesTo: { priority: ['P1'], service: 'payments', category: 'network' },
    targets: { response: 'PT15M', resolution: 'PT4H' },
    calendar: '24x7',
  };

  it('creates a policy with the default pauseOn and warnings', async () => {
    const created = await ada.post('/sla-policies', payments, { 'idempotency-key': 'pol-payments' });
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe('/sla-policies/p1-payments');
    expect(created.body).toMatchObject({ ...payments, pauseOn: ['on_hold'], warnings: [50, 75], version: 1 });
    const replay = await ada.post('/sla-policies', payments, { 'idempotency-key': 'pol-payments' });
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect((await alice.get('/sla-policies/p1-payments')).body).toEqual(created.body);
  });

  it('names each invalid field', async () => {
    const shape = await ada.post('/sla-policies', {
      name: 'broken',
      appliesTo: { priority: ['P1', 'P1', 'P9'] },
      targets: { response: 'P1M', resolution: 'PT0S' },
      calendar: '24x7',
      pauseOn: ['resolved', 'on_hold', 'on_hold'],
      warnings: [75, 50, 100],
    });
    expect(shape.status).toBe(400);
    expect(paths(shape).sort()).toEqual(['appliesTo.priority.2', 'pauseOn.0', 'targets.resolution', 'targets.response', 'warnings.1', 'warnings.2']);

    const refinements = await ada.post('/sla-policies', {
      name: 'broken',
      appliesTo: { priority: ['P1', 'P1'] },
      targets: {},
      calendar: '24x7',
      pauseOn: ['on_hold', 'on_hold'],
      warnings: [75, 50],
    });
    expect(paths(refinements).sort()).toEqual(['appliesTo.priority.1', 'pauseOn.1', 'targets', 'warnings.1']);

    const calendar = await ada.post('/sla-policies', { name: 'broken', targets: { response: 'PT1H' }, calendar: 'no-such-calendar' });
    expect(calendar.status).toBe(400);
    expect(paths(calendar)).toEqual(['calendar']);

    const service = await ada.post('/sla-policies', {
      name: 'broken',
      appliesTo: { service: 'no-such-service' },
      targets: { response: 'PT1H' },
      calendar: '24x7',
    });
    expect(service.status).toBe(400);
    expect(service.body.errors).toEqual([
      expect.objectContaining({ path: 'appliesTo.service', pointer: '#/appliesTo/service', message: "There is no service named 'no-such-service'" }),
    ]);
    expect((await alice.get('/sla-policies/broken')).status).toBe(404);
  });

  it('refuses days and weeks in targets counted in working hours, and explains how to write them', async () => {
    const days = await ada.post('/sla-policies', {
      name: 'p3-days',
      appliesTo: { category: 'days' },
      targets: { response: 'PT4H', resolution: 'P3D' },
      calendar: 'business-hours',
    });
    expect(days.status).toBe(400);
    expect(paths(days)).toEqual(['targets.resolution']);
    expect(days.body.errors[0].message).toMatch(/ambiguous.*PT24H/);
    const weeks = await ada.post('/sla-policies', {
      name: 'p3-days',
      appliesTo: { category: 'days' },
      targets: { response: 'P1W' },
      calendar: 'business-hours',
    });
    expect(paths(weeks)).toEqual(['targets.response']);
    // Around the clock a day is 24 hours: nothing ambiguous.
    expect(
      (await ada.post('/sla-policies', { name: 'p3-days', appliesTo: { category: 'days' }, targets: { resolution: 'P3D' }, calendar: '24x7' })).status,
    ).toBe(201);
  });

  it('refuses a second policy setting the same target for the same incidents (409 naming the first)', async () => {
    const twin = await ada.post('/sla-policies', { ...payments, name: 'twin', appliesTo: { category: 'network', service: 'payments', priority: ['P1'] } });
    expect(twin.status).toBe(409);
    expect(twin.body).toMatchObject({ type: 'tag:open-itsm,2026:problem/duplicate-policy-scope', policy: 'p1-payments' });
    const sameAsDefault = await ada.post('/sla-policies', {
      name: 'p2-again',
      appliesTo: { priority: ['P2'] },
      targets: { response: 'PT5M' },
      calendar: '24x7',
    });
    expect(sameAsDefault.body.policy).toBe('p2');
    // A narrower or wider scope is fine: the most specific wins.
    expect((await ada.post('/sla-policies', { ...payments, name: 'p1-payments-any', appliesTo: { priority: ['P1'], service: 'payments' } })).status).toBe(201);
  });

  it('holds the rules when two admins race: one twin wins, the other learns of it', async () => {
    const twin = (name: string) => ada.post('/sla-policies', { name, appliesTo: { category: 'race' }, targets: { response: 'PT1H' }, calendar: '24x7' });
    const replies = await Promise.all([twin('race-a'), twin('race-b'), twin('race-c')]);
    expect(replies.map((r) => r.status).sort()).toEqual([201, 409, 409]);
    const winner = replies.find((r) => r.status === 201)?.body.name;
    for (const lost of replies.filter((r) => r.status === 409)) expect(lost.body.policy).toBe(winner);
  });

  it('replaces with If-Match, refusing agents (403), stale versions (412) and a scope taken by another', async () => {
    const body = { appliesTo: payments.appliesTo, targets: { response: 'PT10M', resolution: 'PT2H' }, calendar: '24x7', pauseOn: [], warnings: [80] };
    expect((await alice.put('/sla-policies/p1-payments', body, { 'if-match': '"1"' })).status).toBe(403);
    expect((await ada.put('/sla-policies/p1-payments', body)).status).toBe(428);
    expect((await ada.put('/sla-policies/p1-payments', body, { 'if-match': '"2"' })).status).toBe(412);
    const replaced = await ada.put('/sla-policies/p1-payments', body, { 'if-match': '"1"' });
    expect(replaced.status).toBe(200);
    expect(replaced.body).toMatchObject({ ...body, version: 2 });

    const p1 = await alice.get('/sla-policies/p1');
    const clash = await ada.put('/sla-policies/p1', { ...body, calendar: '24x7' }, { 'if-match': etag(p1) });
    expect(clash.status).toBe(409);
    expect(clash.body.policy).toBe('p1-payments');
  });

  it('lists by name, page by page', async () => {
    const first = await alice.get('/sla-policies?limit=2');
    const names: string[] = first.body.items.map((p: { name: string }) => p.name);
    let cursor: string | undefined = first.body.nextCursor;
    while (cursor !== undefined) {
      const page = await alice.get(`/sla-policies?limit=2&cursor=${encodeURIComponent(cursor)}`);
      names.push(...page.body.items.map((p: { name: string }) => p.name));
      cursor = page.body.nextCursor;
    }
    expect(names).toEqual([...names].sort());
    expect(names).toEqual(expect.arrayContaining(['p1', 'p1-payments', 'p1-payments-any', 'p2', 'p3', 'p3-days', 'slow']));
    expect(names).not.toContain('p4');
  });
});

describe('/groups/{name}/escalation-policy', () => {
  const policy = {
    levels: [
      { notify: { assignee: true }, delay: 'PT10M' },
      { notify: { users: ['nina', 'bob'], manager: true }, delay: 'PT20M' },
    ],
    repeat: 2,
  };

  it('answers the default for a group without one of its own (version 0), 404 for no group', async () => {
    const reply = await alice.get('/groups/network/escalation-policy');
    expect(reply.status).toBe(200);
    expect(etag(reply)).toBe('"0"');
    expect(reply.body).toEqual({
      group: 'network',
      levels: [
        { notify: { assignee: true, group: true }, delay: 'PT15M' },
        { notify: { manager: true }, delay: 'PT30M' },
      ],
      repeat: 0,
      isDefault: true,
      version: 0,
    });
    expect((await alice.get('/groups/no-such-group/escalation-policy')).status).toBe(404);
    expect((await carol.get('/groups/network/escalation-policy')).status).toBe(403);
  });

  it('names each invalid field', async () => {
    const shape = await ada.put('/groups/network/escalation-policy', {
      levels: [
        { notify: {}, delay: 'PT0S' },
        { notify: { group: false }, delay: 'P8D' },
        { notify: { users: ['nina', 'nina'] }, delay: 'soon' },
      ],
      repeat: 6,
    });
    expect(shape.status).toBe(400);
    expect(paths(shape).sort()).toEqual([
      'levels.0.delay',
      'levels.0.notify',
      'levels.1.delay',
      'levels.1.notify',
      'levels.2.delay',
      'levels.2.notify.users.1',
      'repeat',
    ]);
    expect(paths(await ada.put('/groups/network/escalation-policy', { levels: [] }))).toEqual(['levels']);

    const users = await ada.put('/groups/network/escalation-policy', { levels: [{ notify: { users: ['nina', 'ghost'] }, delay: 'PT5M' }] });
    expect(users.status).toBe(400);
    expect(users.body.errors).toEqual([expect.objectContaining({ path: 'levels.0.notify.users.1', message: "There is no user 'ghost'" })]);
    expect((await ada.put('/groups/no-such-group/escalation-policy', policy)).status).toBe(404);
  });

  it("creates the group's own policy without If-Match, then replaces it only with the current ETag", async () => {
    expect((await alice.put('/groups/network/escalation-policy', policy)).status).toBe(403);
    const created = await ada.put('/groups/network/escalation-policy', policy);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ group: 'network', ...policy, isDefault: false, version: 1 });
    expect(etag(created)).toBe('"1"');
    expect((await alice.get('/groups/network/escalation-policy')).body).toEqual(created.body);

    const changed = { ...policy, repeat: 0 };
    expect((await ada.put('/groups/network/escalation-policy', changed)).status).toBe(428);
    expect((await ada.put('/groups/network/escalation-policy', changed, { 'if-match': '"0"' })).status).toBe(412);
    const replaced = await ada.put('/groups/network/escalation-policy', changed, { 'if-match': '"1"' });
    expect(replaced.status).toBe(200);
    expect(replaced.body).toMatchObject({ repeat: 0, version: 2 });

    // What the escalation workflow reads: the domain shape, without storage fields.
    expect(await (await store()).getEscalationPolicy('network')).toEqual({ group: 'network', ...changed });
    expect(await (await store()).getEscalationPolicy('database')).toBeUndefined();
  });

  it('accepts the default\'s ETag "0" to create one', async () => {
    const created = await ada.put('/groups/database/escalation-policy', { levels: [{ notify: { group: true }, delay: 'PT1H' }] }, { 'if-match': '"0"' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ repeat: 0, version: 1 });
  });

  it('goes with its group: a group created again under the same name starts from the default', async () => {
    expect((await ada.post('/groups', { name: 'short-lived', members: ['bob'] })).status).toBe(201);
    expect((await ada.put('/groups/short-lived/escalation-policy', { levels: [{ notify: { users: ['bob'] }, delay: 'PT5M' }] })).status).toBe(201);
    expect((await ada.delete('/groups/short-lived', { 'if-match': '"1"' })).status).toBe(204);
    expect((await alice.get('/groups/short-lived/escalation-policy')).status).toBe(404);
    expect((await ada.post('/groups', { name: 'short-lived' })).status).toBe(201);
    expect((await alice.get('/groups/short-lived/escalation-policy')).body).toMatchObject({ isDefault: true });
  });
});
