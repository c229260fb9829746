import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Blackout } from '../../functions/changes/domain/conflicts.ts';
import { DEFAULT_RISK_RULES, type RiskRules } from '../../functions/changes/domain/risk.ts';
import { DeleteCommand, QueryCommand } from '../../functions/shared/store/dynamodb.ts';
import { invokeFunction } from '../../local/invoke.ts';
import { DEMO_CHANGE_TEMPLATES, seedDemoData } from '../../local/seed.ts';
import { admin, agent, type Client, requester, startTestStack, type TestStack } from '../support/api.ts';

let stack: TestStack;
let ada: Client;
let alice: Client;
let carol: Client;

type SeedOutcome = { seeded: boolean; config: boolean; groups: string[] };
const seed = () => invokeFunction('seedChangeDefaults', {}) as Promise<SeedOutcome>;
const paths = (reply: { body: { errors?: { path: string }[] } }) => (reply.body.errors ?? []).map((e) => e.path);
const etag = (reply: { headers: Headers }) => reply.headers.get('etag') as string;

/** Modules that reach the table, loaded once the stack has set its environment. */
const db = () => import('../../functions/shared/store/db.ts');
const configStore = () => import('../../functions/changes/store/change-config-store.ts');
const blackoutStore = () => import('../../functions/changes/store/blackout-store.ts');
const templateStore = () => import('../../functions/changes/store/template-store.ts');

async function deleteItem(pk: string, sk: string): Promise<void> {
  const { db: client, TABLE_NAME } = await db();
  await client.send(new DeleteCommand({ TableName: TABLE_NAME, Key: { pk, sk } }));
}

async function historyOf(pk: string, subjectId: string) {
  const { db: client, TABLE_NAME } = await db();
  const result = await client.send(
    new QueryCommand({
      TableName: TABLE_NAME,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': pk, ':prefix': 'HISTORY#' },
    }),
  );
  return (result.Items ?? []).filter((r) => r.subjectId === subjectId);
}

const rules = (patch: (r: RiskRules) => void): RiskRules => {
  const copy = structuredClone(DEFAULT_RISK_RULES);
  patch(copy);
  return copy;
};

const config = (overrides: Record<string, unknown> = {}) => ({
  cabGroup: 'cab',
  emergencyGroup: 'ecab',
  changeManagersGroup: 'change-managers',
  cabQuorum: 2,
  approvalTimeoutSeconds: 86_400,
  reminders: 2,
  riskRules: DEFAULT_RISK_RULES,
  ...overrides,
});

beforeAll(async () => {
  stack = await startTestStack();
  [ada, alice, carol] = await Promise.all([admin(stack), agent(stack), requester(stack)]);
});
afterAll(() => stack.stop());

describe('seeding the change defaults', () => {
  it('falls back to the defaults at version 0 until written; the seeding writes them once, leaving existing groups alone', async () => {
    // As on a fresh table, whether or not the runtime ran the seeding at start.
    await deleteItem('CONFIG#CHANGES', 'SEEDED');
    await deleteItem('CONFIG#CHANGES', 'CONFIG');
    const before = await alice.get('/change-config');
    expect(before.status).toBe(200);
    expect(etag(before)).toBe('"0"');
    expect(before.body).toEqual({ ...config(), version: 0 });
    expect(Object.keys(before.body.riskRules)).toEqual(Object.keys(DEFAULT_RISK_RULES));

    // The runtime seeded at start: its record stays in the history; the seeding below adds one more, once.
    const earlier = (await historyOf('CONFIG#CHANGES', 'change-config')).length;
    // The demo directory has cab, ecab and change-managers with members: nothing to create.
    expect(await seed()).toEqual({ seeded: true, config: true, groups: [] });
    const after = await alice.get('/change-config');
    expect(etag(after)).toBe('"1"');
    expect(after.body).toEqual({ ...config(), updatedAt: expect.any(String), version: 1 });
    expect((await alice.get('/groups/cab')).body.members).toEqual(['ada', 'alice', 'nina']);

    expect(await seed()).toEqual({ seeded: false, config: false, groups: [] });
    expect(etag(await alice.get('/change-config'))).toBe('"1"');
    const history = await historyOf('CONFIG#CHANGES', 'change-config');
    expect(history.slice(earlier).map((r) => [r.action, r.actor, r.version])).toEqual([['created', 'change-defaults', 1]]);
  });

  it('creates a missing board empty at the first seeding only; the demo seed then fills it, and leaves it alone afterwards', async () => {
    const managers = await alice.get('/groups/change-managers');
    // A board the configuration names cannot be deleted through the API (docs/directory.md); a
    // group gone behind its back (a restore, a console edit) is what seeding must cope with.
    const refused = await ada.delete('/groups/change-managers', { 'if-match': etag(managers) });
    expect(refused.status).toBe(409);
    expect(refused.body.references).toEqual([{ kind: 'change-config', id: 'change-config', field: 'changeManagersGroup' }]);
    await deleteItem('GROUP#change-managers', 'GROUP');
    // Seeded already: a board an admin deleted does not come back.
    expect(await seed()).toEqual({ seeded: false, config: false, groups: [] });
    expect((await alice.get('/groups/change-managers')).status).toBe(404);

    // As if the table predated the marker: the board is created, empty, the admin's config kept.
    await deleteItem('CONFIG#CHANGES', 'SEEDED');
    expect(await seed()).toEqual({ seeded: true, config: false, groups: ['change-managers'] });
    const created = await alice.get('/groups/change-managers');
    expect(created.body).toMatchObject({ name: 'change-managers', displayName: 'Change Managers', members: [], version: 1 });

    // The local runtime seeds the defaults before the demo directory: the empty board is filled in.
    const token = await stack.token('local-seed', ['admin']);
    expect(await seedDemoData(stack.url, token)).toBe(1);
    const filled = await alice.get('/groups/change-managers');
    expect(filled.body).toMatchObject({ members: ['ada'], manager: 'ada', version: 2 });
    expect(await seedDemoData(stack.url, token)).toBe(0);
    expect((await alice.get('/groups/change-managers')).body.version).toBe(2);
  });

  it('leaves a board group an admin emptied on purpose alone', async () => {
    const ecab = await alice.get('/groups/ecab');
    const { name: _name, createdAt: _c, updatedAt: _u, version: _v, ...fields } = ecab.body;
    expect((await ada.put('/groups/ecab', { ...fields, members: [] }, { 'if-match': etag(ecab) })).status).toBe(200);
    expect(await seedDemoData(stack.url, await stack.token('local-seed', ['admin']))).toBe(0);
    expect((await alice.get('/groups/ecab')).body.members).toEqual([]);
    const emptied = await alice.get('/groups/ecab');
    await ada.put('/groups/ecab', fields, { 'if-match': etag(emptied) });
  });
});

describe('/change-config', () => {
  it('is read by agents, not requesters; changed by admins only', async () => {
    expect((await carol.get('/change-config')).status).toBe(403);
    const current = await alice.get('/change-config');
    expect((await alice.put('/change-config', config({ cabQuorum: 3 }), { 'if-match': etag(current) })).status).toBe(403);
  });

  it('replaces with If-Match only: 428 without, 412 when stale, 200 and the next version otherwise', async () => {
    const current = await ada.get('/change-config');
    const body = config({ cabQuorum: 3, approvalTimeoutSeconds: 3600, reminders: 1, riskRules: rules((r) => (r.outage = 3)) });
    expect((await ada.put('/change-config', body)).status).toBe(428);
    const stale = await ada.put('/change-config', body, { 'if-match': '"99"' });
    expect(stale.status).toBe(412);
    expect(stale.body.currentEtag).toBe(etag(current));

    const replaced = await ada.put('/change-config', body, { 'if-match': etag(current) });
    expect(replaced.status).toBe(200);
    expect(replaced.body).toEqual({ ...body, updatedAt: expect.any(String), version: current.body.version + 1 });
    expect(etag(replaced)).toBe(`"${current.body.version + 1}"`);
    expect((await alice.get('/change-config')).body).toEqual(replaced.body);

    const loaded = await (await configStore()).loadChangeConfig();
    expect(loaded).toEqual(replaced.body);

    // Restating it changes nothing.
    const same = await ada.put('/change-config', body, { 'if-match': etag(replaced) });
    expect(same.status).toBe(200);
    expect(same.body.version).toBe(replaced.body.version);

    const history = await historyOf('CONFIG#CHANGES', 'change-config');
    const last = history.at(-1);
    expect(last).toMatchObject({ action: 'updated', actor: 'ada', version: replaced.body.version });
    expect(last?.changes.map((c: { field: string }) => c.field)).toEqual(['cabQuorum', 'approvalTimeoutSeconds', 'reminders', 'riskRules']);
  });

  it('names each invalid field: the shape first', async () => {
    const current = await ada.get('/change-config');
    const reply = await ada.put(
      '/change-config',
      {
        ...config({ cabQuorum: 0, approvalTimeoutSeconds: 59, reminders: 11, cabGroup: 'Not A Slug', extra: true }),
        riskRules: { ...DEFAULT_RISK_RULES, outage: 'two' },
      },
      { 'if-match': etag(current) },
    );
    expect(reply.status).toBe(400);
    expect(paths(reply).sort()).toEqual(['approvalTimeoutSeconds', 'cabGroup', 'cabQuorum', 'extra', 'reminders', 'riskRules.outage']);
    expect((await ada.put('/change-config', config({ approvalTimeoutSeconds: 30 * 86_400 + 1 }), { 'if-match': etag(current) })).status).toBe(400);
    expect((await ada.put('/change-config', config({ riskRules: undefined }), { 'if-match': etag(current) })).status).toBe(400);
  });

  it('refuses risk rules the domain refuses, naming each path under riskRules', async () => {
    const current = await ada.get('/change-config');
    const bad = rules((r) => {
      r.criticality.high = -1;
      r.extraServices.maxPoints = 1.5;
      r.failureRate.bands = [
        { atLeast: 0.2, points: 1 },
        { atLeast: 0.2, points: 2 },
        { atLeast: 1.5, points: 3 },
      ];
      r.levels = { medium: 6, high: 6 };
    });
    const reply = await ada.put('/change-config', config({ riskRules: bad }), { 'if-match': etag(current) });
    expect(reply.status).toBe(400);
    expect(reply.body.type).toBe('tag:open-itsm,2026:problem/validation-error');
    expect(paths(reply)).toEqual([
      'riskRules.criticality.high',
      'riskRules.extraServices.maxPoints',
      'riskRules.failureRate.bands.1.atLeast',
      'riskRules.failureRate.bands.2.atLeast',
      'riskRules.levels',
    ]);
    expect(reply.body.errors[2].pointer).toBe('#/riskRules/failureRate/bands/1/atLeast');
    expect((await alice.get('/change-config')).body.version).toBe(current.body.version);
  });

  it("needs the board groups to exist (checked in the write's transaction); one group may be two boards", async () => {
    const current = await ada.get('/change-config');
    const missing = await ada.put('/change-config', config({ cabGroup: 'no-such-board', emergencyGroup: 'no-such-board', changeManagersGroup: 'nobody' }), {
      'if-match': etag(current),
    });
    expect(missing.status).toBe(400);
    expect(paths(missing)).toEqual(['cabGroup', 'emergencyGroup', 'changeManagersGroup']);
    expect(missing.body.errors[0].message).toBe("There is no group named 'no-such-board'");

    const shared = await ada.put('/change-config', config({ emergencyGroup: 'cab', changeManagersGroup: 'cab' }), { 'if-match': etag(current) });
    expect(shared.status).toBe(200);
    expect(shared.body).toMatchObject({ cabGroup: 'cab', emergencyGroup: 'cab', changeManagersGroup: 'cab' });
    const restored = await ada.put('/change-config', config(), { 'if-match': etag(shared) });
    expect(restored.status).toBe(200);
  });

  it('answers 412 to If-Match "0" (the defaults) once the configuration has been written', async () => {
    const stale = await ada.put('/change-config', config({ cabQuorum: 4 }), { 'if-match': '"0"' });
    expect(stale.status).toBe(412);
  });
});

describe('/change-templates', () => {
  const template = {
    name: 'patch-vpn-gateway',
    title: 'Apply the monthly VPN gateway patches',
    services: ['vpn'],
    implementationPlan: 'Fail over to the standby gateway, patch the primary, fail back',
    backoutPlan: 'Fail back to the unpatched standby',
    assignmentGroup: 'network',
  };

  it('has the demo template, which agents can read', async () => {
    const demo = await alice.get(`/change-templates/${DEMO_CHANGE_TEMPLATES[0]?.name}`);
    expect(demo.status).toBe(200);
    expect(demo.body).toMatchObject({ ...DEMO_CHANGE_TEMPLATES[0], active: true, version: 1 });
  });

  it('creates a template (201, ETag, Location) with its defaults; agents read it, the store finds it', async () => {
    const created = await ada.post('/change-templates', template, { 'idempotency-key': 'tpl-vpn' });
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe('/change-templates/patch-vpn-gateway');
    expect(etag(created)).toBe('"1"');
    expect(created.body).toEqual({
      ...template,
      configurationItems: [],
      outageRequired: false,
      active: true,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
      version: 1,
    });
    expect(Object.keys(created.body)).toEqual([
      'name',
      'title',
      'services',
      'configurationItems',
      'implementationPlan',
      'backoutPlan',
      'outageRequired',
      'assignmentGroup',
      'active',
      'createdAt',
      'updatedAt',
      'version',
    ]);
    const read = await alice.get('/change-templates/patch-vpn-gateway');
    expect(read.body).toEqual(created.body);
    expect(await (await templateStore()).getChangeTemplate('patch-vpn-gateway')).toEqual(created.body);
    expect(await (await templateStore()).getChangeTemplate('nothing-like-it')).toBeUndefined();

    const again = await ada.post('/change-templates', template, { 'idempotency-key': 'tpl-vpn' });
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(created.body);
    expect((await ada.post('/change-templates', { ...template, title: 'Other' }, { 'idempotency-key': 'tpl-vpn' })).status).toBe(422);

    const list = await alice.get('/change-templates');
    expect(list.body.items.map((t: { name: string }) => t.name)).toEqual(['patch-vpn-gateway', 'restart-intranet-web']);
  });

  it('needs the services and the assignment group to exist, each named at its path', async () => {
    const reply = await ada.post('/change-templates', {
      ...template,
      name: 'bad',
      services: ['vpn', 'no-such-service', 'nor-this'],
      assignmentGroup: 'no-such-group',
    });
    expect(reply.status).toBe(400);
    expect(paths(reply)).toEqual(['services.1', 'services.2', 'assignmentGroup']);
    expect(reply.body.errors[0]).toMatchObject({ pointer: '#/services/1', message: "There is no service named 'no-such-service'" });

    const shape = await ada.post('/change-templates', { name: 'Bad', title: '', services: ['vpn', 'vpn'], backoutPlan: 'x', unknown: 1 });
    expect(shape.status).toBe(400);
    expect(paths(shape).sort()).toEqual(['implementationPlan', 'name', 'services.1', 'title', 'unknown']);
    expect(paths(await ada.post('/change-templates', { ...template, name: 'bad', services: [] }))).toEqual(['services']);
    expect((await alice.get('/change-templates/bad')).status).toBe(404);
  });

  it('refuses writes from agents and reads from requesters (403); a taken name is 409', async () => {
    const post = await alice.post('/change-templates', { ...template, name: 'mine' });
    expect(post.status).toBe(403);
    expect(post.body.detail).toBe('Only admins can change change templates');
    expect((await alice.put('/change-templates/patch-vpn-gateway', template, { 'if-match': '"1"' })).status).toBe(403);
    expect((await alice.delete('/change-templates/patch-vpn-gateway', { 'if-match': '"1"' })).status).toBe(403);
    expect((await carol.get('/change-templates')).status).toBe(403);
    expect((await carol.get('/change-templates/patch-vpn-gateway')).status).toBe(403);
    const taken = await ada.post('/change-templates', template);
    expect(taken.status).toBe(409);
    expect(taken.body.type).toBe('tag:open-itsm,2026:problem/already-exists');
  });

  it('replaces with If-Match (absent optional fields are removed), records history, and deletes with If-Match', async () => {
    const { name: _name, ...fields } = template;
    const body = { ...fields, testPlan: 'Connect through each gateway', outageRequired: true, active: false };
    expect((await ada.put('/change-templates/patch-vpn-gateway', body)).status).toBe(428);
    expect((await ada.put('/change-templates/patch-vpn-gateway', body, { 'if-match': '"5"' })).status).toBe(412);
    const replaced = await ada.put('/change-templates/patch-vpn-gateway', body, { 'if-match': '"1"' });
    expect(replaced.status).toBe(200);
    expect(replaced.body).toMatchObject({ testPlan: 'Connect through each gateway', outageRequired: true, active: false, version: 2 });

    const { assignmentGroup: _group, ...withoutGroup } = body;
    const cleared = await ada.put('/change-templates/patch-vpn-gateway', withoutGroup, { 'if-match': '"2"' });
    expect(cleared.body.version).toBe(3);
    expect(cleared.body.assignmentGroup).toBeUndefined();
    const same = await ada.put('/change-templates/patch-vpn-gateway', withoutGroup, { 'if-match': '"3"' });
    expect(same.body.version).toBe(3);
    expect((await ada.put('/change-templates/nothing', withoutGroup, { 'if-match': '"1"' })).status).toBe(404);

    const history = await historyOf('CHANGE-TEMPLATE#patch-vpn-gateway', 'patch-vpn-gateway');
    expect(history.map((r) => [r.action, r.actor, r.version])).toEqual([
      ['created', 'ada', 1],
      ['updated', 'ada', 2],
      ['updated', 'ada', 3],
    ]);
    expect(history[1]?.changes.map((c: { field: string }) => c.field)).toEqual(['testPlan', 'outageRequired', 'active']);

    expect((await ada.delete('/change-templates/patch-vpn-gateway')).status).toBe(428);
    expect((await ada.delete('/change-templates/patch-vpn-gateway', { 'if-match': '"1"' })).status).toBe(412);
    expect((await ada.delete('/change-templates/patch-vpn-gateway', { 'if-match': '"3"' })).status).toBe(204);
    expect((await alice.get('/change-templates/patch-vpn-gateway')).status).toBe(404);
  });
});

describe('/blackout-windows', () => {
  const yearEnd = { name: 'year-end-freeze', start: '2031-12-20T00:00:00+01:00', end: '2032-01-03T00:00:00+01:00', reason: 'Year-end closing' };
  const vpnUpgrade = { name: 'vpn-upgrade', start: '2032-01-10T22:00:00Z', end: '2032-01-11T02:00:00Z', services: ['vpn', 'email'] };
  const earlier = { name: 'q3-audit', start: '2031-09-01T00:00:00Z', end: '2031-09-03T00:00:00Z' };

  it('creates windows in UTC (201, ETag, Location); agents read them, ordered by end', async () => {
    const created = await ada.post('/blackout-windows', yearEnd, { 'idempotency-key': 'bw-year-end' });
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe('/blackout-windows/year-end-freeze');
    expect(created.body).toEqual({
      name: 'year-end-freeze',
      start: '2031-12-19T23:00:00.000Z',
      end: '2032-01-02T23:00:00.000Z',
      reason: 'Year-end closing',
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
      version: 1,
    });
    expect((await ada.post('/blackout-windows', yearEnd, { 'idempotency-key': 'bw-year-end' })).headers.get('idempotent-replayed')).toBe('true');
    expect((await ada.post('/blackout-windows', vpnUpgrade)).status).toBe(201);
    expect((await ada.post('/blackout-windows', earlier)).status).toBe(201);

    expect((await alice.get('/blackout-windows/vpn-upgrade')).body).toMatchObject({
      services: ['vpn', 'email'],
      start: '2032-01-10T22:00:00.000Z',
      version: 1,
    });
    const all = await alice.get('/blackout-windows');
    expect(all.body.items.map((w: { name: string }) => w.name)).toEqual(['q3-audit', 'year-end-freeze', 'vpn-upgrade']);
    const current = await alice.get(`/blackout-windows?from=${encodeURIComponent('2031-09-03T00:00:00Z')}`);
    expect(current.body.items.map((w: { name: string }) => w.name)).toEqual(['year-end-freeze', 'vpn-upgrade']);
    const paged = await alice.get('/blackout-windows?limit=2');
    expect(paged.body.items).toHaveLength(2);
    const rest = await alice.get(`/blackout-windows?limit=2&cursor=${paged.body.nextCursor}`);
    expect(rest.body.items.map((w: { name: string }) => w.name)).toEqual(['vpn-upgrade']);
    expect((await alice.get(`/blackout-windows?from=2031-01-01T00:00:00Z&cursor=${paged.body.nextCursor}`)).status).toBe(400);
  });

  it('refuses a window that does not end after it starts, lasts over a year, or names a missing service', async () => {
    const backwards = await ada.post('/blackout-windows', { name: 'bad', start: '2031-05-02T00:00:00Z', end: '2031-05-02T01:00:00+02:00' });
    expect(backwards.status).toBe(400);
    expect(paths(backwards)).toEqual(['end']);
    expect(paths(await ada.post('/blackout-windows', { name: 'bad', start: '2031-01-01T00:00:00Z', end: '2032-01-03T00:00:00Z' }))).toEqual(['end']);
    expect(paths(await ada.post('/blackout-windows', { name: 'bad', start: '2031-05-01', end: 'tomorrow' })).sort()).toEqual(['end', 'start']);
    expect(paths(await ada.post('/blackout-windows', { ...earlier, name: 'bad', services: ['vpn', 'no-such-service'] }))).toEqual(['services.1']);
    expect(paths(await ada.post('/blackout-windows', { ...earlier, name: 'bad', services: [] }))).toEqual(['services']);
    expect((await alice.get('/blackout-windows/bad')).status).toBe(404);
    expect((await alice.post('/blackout-windows', { ...earlier, name: 'mine' })).status).toBe(403);
    expect((await carol.get('/blackout-windows')).status).toBe(403);
    expect((await ada.post('/blackout-windows', earlier)).status).toBe(409);
  });

  it('finds the windows overlapping a range in one Query, half-open at both ends, sorted by start', async () => {
    const { blackoutsOverlapping } = await blackoutStore();
    const names = async (from: string, to: string) => (await blackoutsOverlapping(from, to)).map((w) => w.name);
    expect(await names('2031-01-01T00:00:00Z', '2033-01-01T00:00:00Z')).toEqual(['q3-audit', 'year-end-freeze', 'vpn-upgrade']);
    // Ending exactly at `from`, or starting exactly at `to`: no overlap.
    expect(await names('2031-09-03T00:00:00Z', '2032-01-10T22:00:00Z')).toEqual(['year-end-freeze']);
    expect(await names('2031-09-02T23:59:59.999Z', '2031-09-03T00:00:00Z')).toEqual(['q3-audit']);
    // Offsets are instants, not text.
    expect(await names('2032-01-11T03:59:00+02:00', '2032-01-11T05:00:00+02:00')).toEqual(['vpn-upgrade']);
    expect(await names('2032-02-01T00:00:00Z', '2032-03-01T00:00:00Z')).toEqual([]);

    // What the conflict detection takes.
    const windows: Blackout[] = await blackoutsOverlapping('2032-01-01T00:00:00Z', '2032-02-01T00:00:00Z');
    expect(windows.map((w) => [w.name, w.services])).toEqual([
      ['year-end-freeze', undefined],
      ['vpn-upgrade', ['vpn', 'email']],
    ]);
  });

  it('moves a replaced window in the index, records history, and deletes with If-Match', async () => {
    const { blackoutsOverlapping } = await blackoutStore();
    const { name: _name, ...fields } = earlier;
    expect((await ada.put('/blackout-windows/q3-audit', fields)).status).toBe(428);
    const moved = await ada.put('/blackout-windows/q3-audit', { ...fields, end: '2031-09-30T00:00:00Z', services: ['payments'] }, { 'if-match': '"1"' });
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ end: '2031-09-30T00:00:00.000Z', services: ['payments'], version: 2 });
    expect((await blackoutsOverlapping('2031-09-10T00:00:00Z', '2031-09-11T00:00:00Z')).map((w) => w.name)).toEqual(['q3-audit']);
    const history = await historyOf('BLACKOUT#q3-audit', 'q3-audit');
    expect(history.map((r) => r.action)).toEqual(['created', 'updated']);
    expect(history[1]?.changes.map((c: { field: string }) => c.field)).toEqual(['end', 'services']);

    expect((await ada.delete('/blackout-windows/q3-audit', { 'if-match': '"1"' })).status).toBe(412);
    expect((await ada.delete('/blackout-windows/q3-audit', { 'if-match': '"2"' })).status).toBe(204);
    expect(await blackoutsOverlapping('2031-09-10T00:00:00Z', '2031-09-11T00:00:00Z')).toEqual([]);
  });
});
