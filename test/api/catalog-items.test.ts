import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeleteCommand } from '../../functions/shared/store/dynamodb.ts';
import { invokeFunction } from '../../local/invoke.ts';
import { admin, agent, type Client, requester, startTestStack, type TestStack } from '../support/api.ts';

/*
 * The service catalog over HTTP against the local stack: the seeded catalog and its groups, create
 * (Idempotency-Key, checks naming the field), read with ETag, requester visibility (inactive and
 * group-restricted items are 404 to those who may not order them), the `q` word search, replace
 * as a new version with If-Match (428/412), versions, withdrawal, events; and that an edit never
 * changes a request already made.
 */

let stack: TestStack;
let ada: Client;
let alice: Client;
let carol: Client;
let dave: Client;

type Item = Record<string, any> & { id: string; version: number };

let uniqueCount = 0;
const unique = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${++uniqueCount}`;
const ifMatch = (item: { version: number }) => ({ 'if-match': `"${item.version}"` });

const itemBody = (id: string, overrides: Record<string, unknown> = {}) => ({
  id,
  name: 'Ergonomic chair',
  category: 'Furniture',
  description: 'A chair that suits your back, delivered to your desk',
  form: {
    type: 'object',
    additionalProperties: false,
    required: ['size'],
    properties: { size: { title: 'Size', enum: ['S', 'M', 'L'] }, notes: { title: 'Notes', type: 'string' } },
  },
  fulfilment: {
    mode: 'sequential',
    tasks: [{ name: 'Deliver chair', assignmentGroup: 'service-desk', description: 'Deliver a {{answers.size}} chair to {{requester}}' }],
  },
  ...overrides,
});

async function create(body: Record<string, unknown>, headers?: Record<string, string>): Promise<Item> {
  const reply = await ada.post('/catalog-items', body, headers);
  expect(reply.status, JSON.stringify(reply.body)).toBe(201);
  return reply.body;
}

const idsOf = (reply: { body: { items: Item[] } }) => reply.body.items.map((item) => item.id);

beforeAll(async () => {
  stack = await startTestStack();
  [ada, alice, carol, dave] = await Promise.all([admin(stack), agent(stack), requester(stack), requester(stack, 'dave')]);
});
afterAll(async () => {
  await stack?.stop();
});

describe('the seeded catalog', () => {
  it('holds the five items, orderable by everyone, and the groups they name', async () => {
    const reply = await carol.get('/catalog-items?limit=100');
    expect(reply.status).toBe(200);
    expect(idsOf(reply)).toEqual(expect.arrayContaining(['new-laptop', 'application-access', 'software-licence', 'password-reset', 'report-something-else']));
    const laptop = (await carol.get('/catalog-items/new-laptop')).body;
    expect(laptop).toMatchObject({
      category: 'Hardware',
      version: 1,
      active: true,
      approval: { stages: [{ kind: 'manager' }] },
      fulfilment: { mode: 'sequential' },
    });
    expect(laptop.fulfilment.tasks.map((task: { assignmentGroup: string }) => task.assignmentGroup)).toEqual(['procurement', 'service-desk']);
    for (const group of ['procurement', 'service-desk', 'access-managers', 'identity-admins', 'licence-managers']) {
      expect((await ada.get(`/groups/${group}`)).status, group).toBe(200);
    }
  });
});

describe('seedRequestDefaults', () => {
  const seed = () => invokeFunction('seedRequestDefaults', {}) as Promise<{ seeded: boolean; items: string[]; groups: string[] }>;
  async function deleteItem(pk: string, sk: string): Promise<void> {
    const { db, TABLE_NAME } = await import('../../functions/shared/store/db.ts');
    await db.send(new DeleteCommand({ TableName: TABLE_NAME, Key: { pk, sk } }));
  }

  it('runs once per table, and then writes only what is absent', async () => {
    expect(await seed()).toEqual({ seeded: false, items: [], groups: [] });
    // An admin's change of a seeded item survives a seeding that runs again (the marker gone: a restore).
    const laptop = await ada.get('/catalog-items/new-laptop');
    const { id: _id, version: _v, createdAt: _c, updatedAt: _u, createdBy: _cb, updatedBy: _ub, ...fields } = laptop.body;
    expect(
      (await ada.put('/catalog-items/new-laptop', { ...fields, description: 'Our standard laptops' }, { 'if-match': laptop.headers.get('etag') ?? '' })).status,
    ).toBe(200);
    await deleteItem('SEEDED#CATALOG', 'SEEDED');
    // An item whose current record alone is gone keeps its past: left alone. One that never was is written.
    await deleteItem('CATALOG#report-something-else', 'ITEM');
    await deleteItem('CATALOG#password-reset', 'ITEM');
    await deleteItem('CATALOG#password-reset', 'VERSION#000001');
    expect(await seed()).toEqual({ seeded: true, items: ['password-reset'], groups: [] });
    expect((await carol.get('/catalog-items/new-laptop')).body).toMatchObject({ description: 'Our standard laptops', version: 2 });
    expect((await carol.get('/catalog-items/password-reset')).body).toMatchObject({ version: 1, active: true });
    expect(await seed()).toEqual({ seeded: false, items: [], groups: [] });
  });
});

describe('POST /catalog-items', () => {
  it('creates version 1 with its defaults: 201, Location, ETag; an Idempotency-Key replays; a taken id is 409', async () => {
    const id = unique('chair');
    const key = `key-${id}`;
    const reply = await ada.post('/catalog-items', itemBody(id), { 'idempotency-key': key });
    expect(reply.status, JSON.stringify(reply.body)).toBe(201);
    expect(reply.headers.get('location')).toBe(`/catalog-items/${id}`);
    expect(reply.headers.get('etag')).toBe('"1"');
    expect(reply.body).toMatchObject({
      id,
      version: 1,
      active: true,
      orderableBy: { groups: [] },
      approval: { stages: [] },
      createdBy: 'ada',
      updatedBy: 'ada',
    });
    // The form comes back as written: its fields in their order (the order a form shows them in).
    expect(Object.keys((await ada.get(`/catalog-items/${id}`)).body.form.properties)).toEqual(['size', 'notes']);
    const replay = await ada.post('/catalog-items', itemBody(id), { 'idempotency-key': key });
    expect(replay.status).toBe(201);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body).toEqual(reply.body);
    const again = await ada.post('/catalog-items', itemBody(id));
    expect(again.status).toBe(409);
    expect(again.body.type).toMatch(/already-exists$/);
  });

  it('refuses a form that is not a JSON Schema object, naming the part at fault', async () => {
    const reply = await ada.post('/catalog-items', itemBody(unique('bad'), { form: { type: 'object', properties: { size: { type: 'huge' } } } }));
    expect(reply.status).toBe(400);
    expect(reply.body.errors.map((error: { path: string }) => error.path)).toEqual(['form.properties.size.type']);
    const notObject = await ada.post('/catalog-items', itemBody(unique('bad'), { form: { type: 'string' } }));
    expect(notObject.status).toBe(400);
    expect(notObject.body.errors.map((error: { path: string }) => error.path)).toEqual(['form.type', 'form.properties']);
    // A pattern that does not compile is said to be one, at the field's pattern, not "does not match schema".
    const badPattern = await ada.post(
      '/catalog-items',
      itemBody(unique('bad'), { form: { type: 'object', properties: { tag: { title: 'Asset tag', type: 'string', pattern: '^[A-Z' } } } }),
    );
    expect(badPattern.status).toBe(400);
    expect(badPattern.body.errors).toEqual([
      expect.objectContaining({
        path: 'form.properties.tag.pattern',
        message: expect.stringMatching(/^Asset tag: the regular expression does not compile \(.+\)$/),
      }),
    ]);
  });

  it('refuses groups and SLA policies that do not exist, each at its field', async () => {
    const reply = await ada.post(
      '/catalog-items',
      itemBody(unique('bad'), {
        orderableBy: { groups: ['no-such-buyers'] },
        approval: { stages: [{ kind: 'manager' }, { kind: 'group', group: 'no-such-approvers', quorum: 1 }] },
        fulfilment: { mode: 'parallel', tasks: [{ name: 'Do it', assignmentGroup: 'no-such-doers', description: '' }] },
        slaPolicy: 'no-such-policy',
      }),
    );
    expect(reply.status).toBe(400);
    expect(reply.body.errors.map((error: { path: string }) => error.path).sort()).toEqual([
      'approval.stages.1.group',
      'fulfilment.tasks.0.assignmentGroup',
      'orderableBy.groups.0',
      'slaPolicy',
    ]);
  });

  it('is for admins: agents and requesters get 403', async () => {
    expect((await alice.post('/catalog-items', itemBody(unique('x')))).status).toBe(403);
    expect((await carol.post('/catalog-items', itemBody(unique('x')))).status).toBe(403);
  });
});

describe('who sees what', () => {
  it('a group-restricted item: members of the group see and list it, others get 404; admins and agents read it', async () => {
    const group = unique('finance');
    expect((await ada.post('/groups', { name: group, displayName: 'Finance', members: ['dave'] })).status).toBe(201);
    const item = await create(itemBody(unique('budget-tool'), { orderableBy: { groups: [group] } }));
    expect((await dave.get(`/catalog-items/${item.id}`)).status).toBe(200);
    expect(idsOf(await dave.get('/catalog-items?limit=100'))).toContain(item.id);
    expect((await carol.get(`/catalog-items/${item.id}`)).status).toBe(404);
    expect(idsOf(await carol.get('/catalog-items?limit=100'))).not.toContain(item.id);
    expect((await alice.get(`/catalog-items/${item.id}`)).status).toBe(200);
    expect(idsOf(await ada.get('/catalog-items?limit=100'))).toContain(item.id);
  });

  it('an inactive item is 404 and unlisted for requesters; admins list it (active=false narrows to such items)', async () => {
    const item = await create(itemBody(unique('retired-chair'), { active: false }));
    expect((await carol.get(`/catalog-items/${item.id}`)).status).toBe(404);
    expect(idsOf(await carol.get('/catalog-items?limit=100'))).not.toContain(item.id);
    expect(idsOf(await ada.get('/catalog-items?limit=100&active=false'))).toContain(item.id);
    expect(idsOf(await ada.get('/catalog-items?limit=100&active=true'))).not.toContain(item.id);
  });
});

describe('GET /catalog-items?q=', () => {
  it('every word must start a word of the name or description, case-insensitively; category narrows; pages follow', async () => {
    const word = `zq${Date.now().toString(36)}`;
    const a = await create(itemBody(`a-${word}`, { name: `Standing desk ${word}`, description: 'Height adjustable', category: 'Furniture' }));
    const b = await create(itemBody(`b-${word}`, { name: `Desk lamp ${word}`, description: 'Warm light', category: 'Lighting' }));
    expect(idsOf(await carol.get(`/catalog-items?q=${word.toUpperCase()}`))).toEqual([a.id, b.id]);
    expect(idsOf(await carol.get(`/catalog-items?q=${encodeURIComponent(`${word} DESK`)}`))).toEqual([a.id, b.id]);
    expect(idsOf(await carol.get(`/catalog-items?q=${encodeURIComponent(`${word} heig`)}`))).toEqual([a.id]);
    expect(idsOf(await carol.get(`/catalog-items?q=${encodeURIComponent(`${word} esk`)}`))).toEqual([]);
    expect(idsOf(await carol.get(`/catalog-items?q=${word}&category=Lighting`))).toEqual([b.id]);
    const first = await carol.get(`/catalog-items?q=${word}&limit=1`);
    expect(idsOf(first)).toEqual([a.id]);
    const second = await carol.get(`/catalog-items?q=${word}&limit=1&cursor=${first.body.nextCursor}`);
    expect(idsOf(second)).toEqual([b.id]);
    expect(second.body.nextCursor).toBeUndefined();
    expect((await carol.get(`/catalog-items?q=other&limit=1&cursor=${first.body.nextCursor}`)).status).toBe(400);
  });

  it('finds the seeded laptop by a prefix of a word of its name', async () => {
    expect(idsOf(await carol.get('/catalog-items?q=lapt'))).toContain('new-laptop');
  });
});

describe('PUT /catalog-items/{id}: a new version', () => {
  it('needs If-Match (428), refuses a stale one (412), writes version 2 and keeps version 1 as it was', async () => {
    const item = await create(itemBody(unique('monitor')));
    const changed = { ...itemBody(item.id, { name: 'Ergonomic chair, plus' }) } as Record<string, unknown>;
    delete changed.id;
    expect((await ada.put(`/catalog-items/${item.id}`, changed)).status).toBe(428);
    const reply = await ada.put(`/catalog-items/${item.id}`, changed, ifMatch(item));
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    expect(reply.headers.get('etag')).toBe('"2"');
    expect(reply.body).toMatchObject({ name: 'Ergonomic chair, plus', version: 2, createdAt: item.createdAt });
    const stale = await ada.put(`/catalog-items/${item.id}`, changed, ifMatch(item));
    expect(stale.status).toBe(412);
    // The same body again writes nothing.
    expect((await ada.put(`/catalog-items/${item.id}`, changed, { 'if-match': '"2"' })).body.version).toBe(2);

    const versions = await alice.get(`/catalog-items/${item.id}/versions`);
    expect(versions.status).toBe(200);
    expect(versions.body.items.map((version: Item) => [version.version, version.name])).toEqual([
      [1, 'Ergonomic chair'],
      [2, 'Ergonomic chair, plus'],
    ]);
    expect((await alice.get(`/catalog-items/${item.id}/versions/1`)).body).toEqual(item);
    expect((await alice.get(`/catalog-items/${item.id}/versions/3`)).status).toBe(404);
    expect((await alice.get(`/catalog-items/${item.id}/versions/x`)).status).toBe(404);
    expect((await carol.get(`/catalog-items/${item.id}/versions`)).status).toBe(404);
    expect((await carol.get(`/catalog-items/${item.id}/versions/1`)).status).toBe(404);
  });

  it('an edit never changes a request already made', async () => {
    const item = await create(itemBody(unique('headset')));
    const ordered = await carol.post('/requests', { item: item.id, answers: { size: 'M' } });
    expect(ordered.status, JSON.stringify(ordered.body)).toBe(201);
    const replacement = itemBody(item.id, {
      form: { type: 'object', required: ['colour'], properties: { colour: { title: 'Colour', enum: ['black', 'white'] } } },
      approval: { stages: [{ kind: 'group', group: 'procurement', quorum: 1 }] },
      fulfilment: { mode: 'parallel', tasks: [{ name: 'Ship headset', assignmentGroup: 'procurement', description: '' }] },
    }) as Record<string, unknown>;
    delete replacement.id;
    expect((await ada.put(`/catalog-items/${item.id}`, replacement, ifMatch(item))).status).toBe(200);

    const request = (await carol.get(`/requests/${ordered.body.id}`)).body;
    expect(request.item).toMatchObject({ id: item.id, version: 1 });
    expect(request.answers).toEqual({ size: 'M' });
    expect(request.plan.approval).toEqual({ stages: [] });
    expect(request.plan.fulfilment).toEqual(item.fulfilment);
    expect(request.plan.formTitles).toEqual({ size: 'Size', notes: 'Notes' });
    // The fields as a list, so that the form's order survives the store.
    expect(request.plan.formFields.map((field: { name: string }) => field.name)).toEqual(['size', 'notes']);

    // A new order is checked against the new form, and its errors name the new form's titles.
    const wrong = await carol.post('/requests', { item: item.id, answers: { size: 'M' } });
    expect(wrong.status).toBe(400);
    expect(wrong.body.errors.map((error: { message: string }) => error.message)).toEqual(expect.arrayContaining(['Colour is required']));
  });
});

describe('DELETE /catalog-items/{id}', () => {
  it('withdraws the item (a new version, inactive): If-Match needed; requesters no longer see or order it; admins and agents still read it', async () => {
    const item = await create(itemBody(unique('footrest')));
    expect((await ada.delete(`/catalog-items/${item.id}`)).status).toBe(428);
    expect((await ada.delete(`/catalog-items/${item.id}`, { 'if-match': '"7"' })).status).toBe(412);
    expect((await alice.delete(`/catalog-items/${item.id}`, ifMatch(item))).status).toBe(403);
    expect((await ada.delete(`/catalog-items/${item.id}`, ifMatch(item))).status).toBe(204);
    const withdrawn = (await alice.get(`/catalog-items/${item.id}`)).body;
    expect(withdrawn).toMatchObject({ active: false, version: 2 });
    expect((await carol.get(`/catalog-items/${item.id}`)).status).toBe(404);
    expect((await carol.post('/requests', { item: item.id, answers: { size: 'S' } })).status).toBe(404);
    // Already withdrawn: nothing to do.
    expect((await ada.delete(`/catalog-items/${item.id}`, { 'if-match': '"2"' })).status).toBe(204);
    expect((await alice.get(`/catalog-items/${item.id}`)).body.version).toBe(2);
    expect((await ada.delete('/catalog-items/no-such-item', { 'if-match': '"1"' })).status).toBe(404);
  });

  it('every write publishes its event, with no free text', async () => {
    const item = await create(itemBody(unique('lamp')));
    const body = itemBody(item.id, { description: 'Changed text' }) as Record<string, unknown>;
    delete body.id;
    expect((await ada.put(`/catalog-items/${item.id}`, body, ifMatch(item))).status).toBe(200);
    expect((await ada.delete(`/catalog-items/${item.id}`, { 'if-match': '"2"' })).status).toBe(204);
    const ofItem = () => stack.published.events().filter((event) => (event.detail as { catalogItem?: { id: string } }).catalogItem?.id === item.id);
    await expect
      .poll(() => ofItem().map((event) => event.detailType), { timeout: 10_000 })
      .toEqual(['Catalog Item Created', 'Catalog Item Updated', 'Catalog Item Deleted']);
    const updated = ofItem()[1]?.detail as { catalogItem: Record<string, unknown>; changes: unknown[] };
    expect(updated.catalogItem).toEqual({ id: item.id, number: item.id, category: 'Furniture', active: true, version: 2 });
    expect(updated.changes).toEqual([{ field: 'description' }]);
    expect(JSON.stringify(ofItem().map((event) => event.detail))).not.toContain('Changed text');
  });
});
