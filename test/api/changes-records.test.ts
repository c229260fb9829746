import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Change } from '../../functions/changes/domain/change.ts';
import type { ChangeStatus } from '../../functions/changes/domain/lifecycle.ts';
import { DeleteCommand } from '../../functions/shared/store/dynamodb.ts';
import type { PublishedEvent } from '../../local/published-log.ts';
import { type RequestCounter, startRequestCounter } from '../../local/request-counter.ts';
import { admin, agent, type Client, requester, startTestStack, type TestStack } from '../support/api.ts';
import { roundTripsOf } from '../support/round-trips.ts';

/*
 * The change records over HTTP: create (normal, emergency, standard from a template), read, list,
 * edit, cancel, notes, history and the calendar, as agents; requesters are refused everywhere.
 * The approval workflow's moves (assess, authorize, scheduled, implement) are played here by the
 * one write path itself, as its steps would make them, so these tests do not depend on submission.
 */

let counter: RequestCounter;
let stack: TestStack;
let alice: Client;
let bob: Client;
let ada: Client;
let carol: Client;
let store: typeof import('../../functions/changes/store/change-store.ts');
let write: typeof import('../../functions/changes/change-request-write.ts');
let domain: typeof import('../../functions/changes/domain/change.ts');
let db: typeof import('../../functions/shared/store/db.ts');
let transaction: typeof import('../../functions/shared/store/transaction.ts');
let fieldOrder: readonly string[];

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Far enough ahead that nothing planned here is ever in the past. */
const BASE = Date.parse('2032-06-01T00:00:00.000Z');
const at = (ms: number) => new Date(BASE + ms).toISOString();
const PLANS = { implementationPlan: 'Fail over, patch, fail back', backoutPlan: 'Fail back to the unpatched node' };

/** The VPN gateways' CI ids (CMDB, class host), created before the tests. */
let gw1: string;
let gw2: string;

const normal = (overrides: Record<string, unknown> = {}) => ({
  type: 'normal',
  title: 'Patch the VPN gateways',
  services: ['vpn'],
  configurationItems: [gw1, gw2],
  plannedStart: at(0),
  plannedEnd: at(2 * HOUR),
  assignmentGroup: 'network',
  ...PLANS,
  ...overrides,
});

async function create(body: Record<string, unknown> = {}): Promise<Change> {
  const reply = await alice.post('/changes', normal(body));
  expect(reply.status, JSON.stringify(reply.body)).toBe(201);
  return reply.body as Change;
}

/** Moves a change along its lifecycle as the workflow's steps do: through the one write path. */
async function advance(id: string, ...statuses: ChangeStatus[]): Promise<Change> {
  let change = (await store.getChangeById(id))!;
  for (const status of statuses) {
    const now = new Date();
    const { next, changes } = domain.moveChangeTo(change, status, { actor: { userId: 'workflow' }, now });
    await transaction.transactWrite(write.changeRequestWrite({ before: change, after: next, actor: 'workflow', changes, now }));
    change = next;
  }
  return change;
}

/** Gives a change a workflow execution, as submission does. */
async function withWorkflow(id: string, executionArn: string): Promise<Change> {
  const change = (await store.getChangeById(id))!;
  const now = new Date();
  const next: Change = { ...change, workflow: { executionArn, state: 'AwaitApproval', since: now.toISOString() }, version: change.version + 1 };
  await transaction.transactWrite(write.changeRequestWrite({ before: change, after: next, actor: 'workflow', changes: domain.fieldDiffs(change, next), now }));
  return next;
}

const ifMatch = (change: { version: number }) => ({ 'if-match': `"${change.version}"` });

beforeAll(async () => {
  counter = await startRequestCounter(inject('dynamoDbEndpoint'));
  stack = await startTestStack({ dynamoDbEndpoint: counter.endpoint });
  [alice, bob, ada, carol] = await Promise.all([agent(stack), agent(stack, 'bob'), admin(stack), requester(stack)]);
  // The stack set the environment the store modules read at load.
  store = await import('../../functions/changes/store/change-store.ts');
  write = await import('../../functions/changes/change-request-write.ts');
  domain = await import('../../functions/changes/domain/change.ts');
  db = await import('../../functions/shared/store/db.ts');
  transaction = await import('../../functions/shared/store/transaction.ts');
  fieldOrder = (await import('../../functions/changes/schemas/change.ts')).CHANGE_FIELD_ORDER;
  // Changes name configuration items by CMDB id: the gateways are CIs first.
  const gateways = await Promise.all(
    ['vpn-gw-1', 'vpn-gw-2'].map(async (name) => {
      const reply = await ada.post('/cis', { class: 'host', name, ownerGroup: 'network' });
      expect(reply.status, JSON.stringify(reply.body)).toBe(201);
      return reply.body.id as string;
    }),
  );
  [gw1, gw2] = [gateways[0]!, gateways[1]!];
});
afterAll(async () => {
  await stack.stop();
  await counter.stop();
});

describe('POST /changes', () => {
  it('raises a normal change as a draft, with number, Location and ETag, fields in the documented order', async () => {
    const reply = await alice.post('/changes', normal({ plannedStart: '2032-06-01T00:00:00Z', justification: 'CVE-2032-0001' }));
    expect(reply.status).toBe(201);
    const change = reply.body;
    expect(change).toMatchObject({
      type: 'normal',
      status: 'draft',
      title: 'Patch the VPN gateways',
      justification: 'CVE-2032-0001',
      services: ['vpn'],
      configurationItems: [gw1, gw2],
      // Instants come back in the one form they are stored and compared in.
      plannedStart: '2032-06-01T00:00:00.000Z',
      plannedEnd: at(2 * HOUR),
      outageRequired: false,
      assignmentGroup: 'network',
      submissions: 0,
      reviewRequired: false,
      createdBy: 'alice',
      updatedBy: 'alice',
      version: 1,
    });
    expect(change.number).toMatch(/^CHG\d{7}$/);
    expect(change.id).toMatch(/^[0-9A-Z]{26}$/);
    expect(reply.headers.get('location')).toBe(`/changes/${change.id}`);
    expect(reply.headers.get('etag')).toBe('"1"');
    expect(Object.keys(change)).toEqual(fieldOrder.filter((field) => field in change));
  });

  it('an emergency change owes a review from the start', async () => {
    const change = await create({ type: 'emergency', title: 'Block the exploited port' });
    expect(change).toMatchObject({ type: 'emergency', reviewRequired: true });
  });

  it('gives unique, increasing numbers under concurrent creates', async () => {
    const replies = await Promise.all(Array.from({ length: 12 }, (_, i) => alice.post('/changes', normal({ title: `burst ${i}` }))));
    expect(replies.map((r) => r.status)).toEqual(replies.map(() => 201));
    const numbers = replies.map((r) => Number(r.body.number.slice(3)));
    expect(new Set(numbers).size).toBe(12);
  });

  const invalid: [string, Record<string, unknown>, string[]][] = [
    ['a normal change without a title', { title: undefined }, ['title']],
    ['a template on a normal change', { template: 'restart-intranet-web' }, ['template']],
    ['an end before the start', { plannedEnd: at(-HOUR) }, ['plannedEnd']],
    ['an end equal to the start', { plannedEnd: at(0) }, ['plannedEnd']],
    ['a window longer than 31 days', { plannedEnd: at(31 * DAY + 1000) }, ['plannedEnd']],
    ['a service listed twice', { services: ['vpn', 'email', 'vpn'] }, ['services.2']],
    ['an unknown type', { type: 'minor' }, ['type']],
    ['an instant with an offset', { plannedStart: '2032-06-01T02:00:00+02:00' }, ['plannedStart']],
    ['a field the API does not know', { priority: 'P1' }, ['priority']],
    ['a status', { status: 'scheduled' }, ['status']],
  ];
  it.each(invalid)('refuses %s (400, naming the field)', async (_, overrides, paths) => {
    const reply = await alice.post('/changes', normal(overrides));
    expect(reply.status).toBe(400);
    expect(reply.headers.get('content-type')).toBe('application/problem+json');
    expect(reply.body.type).toMatch(/validation-error$/);
    expect(reply.body.errors.map((e: { path: string }) => e.path)).toEqual(paths);
  });

  it('checks that the services and the group exist, naming each, and writes nothing', async () => {
    const before = (await alice.get('/changes?limit=100')).body.items.length;
    const reply = await alice.post('/changes', normal({ services: ['vpn', 'no-such-service'], assignmentGroup: 'no-such-group' }));
    expect(reply.status).toBe(400);
    expect(reply.body.errors).toEqual([
      expect.objectContaining({ path: 'services.1', pointer: '#/services/1', message: expect.stringMatching(/no-such-service/) }),
      expect.objectContaining({ path: 'assignmentGroup', message: expect.stringMatching(/no-such-group/) }),
    ]);
    expect((await alice.get('/changes?limit=100')).body.items.length).toBe(before);
  });

  it('replays a retried create with the same Idempotency-Key, and refuses the key with another body', async () => {
    const headers = { 'idempotency-key': 'change-create-1' };
    const first = await alice.post('/changes', normal({ title: 'Idempotent' }), headers);
    expect(first.status).toBe(201);
    const again = await alice.post('/changes', normal({ title: 'Idempotent' }), headers);
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    const other = await alice.post('/changes', normal({ title: 'Something else' }), headers);
    expect(other.status).toBe(422);
    const listed = (await alice.get('/changes?limit=100')).body.items.filter((c: Change) => c.title === 'Idempotent');
    expect(listed).toHaveLength(1);
  });
});

describe('standard changes', () => {
  const template = {
    name: 'rotate-vpn-certificates',
    title: 'Rotate the VPN gateway certificates',
    description: 'Yearly certificate rotation',
    services: ['vpn'],
    // Set to [gw1] once the gateway CIs exist (beforeAll).
    configurationItems: [] as string[],
    implementationPlan: 'Install the new certificate, reload, check a tunnel',
    backoutPlan: 'Reinstall the previous certificate',
    testPlan: 'A test tunnel comes up',
    outageRequired: false,
    assignmentGroup: 'network',
  };

  beforeAll(async () => {
    template.configurationItems = [gw1];
    const reply = await ada.post('/change-templates', template);
    expect(reply.status, JSON.stringify(reply.body)).toBe(201);
  });

  it('are raised from their template, which gives them scope, plans and group', async () => {
    const reply = await alice.post('/changes', {
      type: 'standard',
      template: template.name,
      plannedStart: at(DAY),
      plannedEnd: at(DAY + HOUR),
      justification: 'Expires next week',
    });
    expect(reply.status).toBe(201);
    expect(reply.body).toMatchObject({
      type: 'standard',
      template: template.name,
      status: 'draft',
      title: template.title,
      description: template.description,
      justification: 'Expires next week',
      services: template.services,
      configurationItems: template.configurationItems,
      implementationPlan: template.implementationPlan,
      backoutPlan: template.backoutPlan,
      testPlan: template.testPlan,
      outageRequired: false,
      assignmentGroup: 'network',
      reviewRequired: false,
    });
  });

  it('may carry their own title and group', async () => {
    const reply = await alice.post('/changes', {
      type: 'standard',
      template: template.name,
      title: 'Rotate the certificates of gateway 1',
      assignmentGroup: 'service-desk',
      plannedStart: at(DAY),
      plannedEnd: at(DAY + HOUR),
    });
    expect(reply.status).toBe(201);
    expect(reply.body).toMatchObject({ title: 'Rotate the certificates of gateway 1', assignmentGroup: 'service-desk', services: ['vpn'] });
  });

  it('may not bring their own scope or plans: that is what was pre-approved', async () => {
    const reply = await alice.post('/changes', {
      type: 'standard',
      template: template.name,
      services: ['email'],
      backoutPlan: 'Hope',
      outageRequired: true,
      plannedStart: at(DAY),
      plannedEnd: at(DAY + HOUR),
    });
    expect(reply.status).toBe(400);
    expect(reply.body.errors.map((e: { path: string }) => e.path)).toEqual(['services', 'backoutPlan', 'outageRequired']);
  });

  it('need a template that exists and is active', async () => {
    const window = { plannedStart: at(DAY), plannedEnd: at(DAY + HOUR) };
    const without = await alice.post('/changes', { type: 'standard', title: 'Ad hoc', ...window });
    expect(without.status).toBe(400);
    expect(without.body.errors).toEqual([expect.objectContaining({ path: 'template' })]);

    const unknown = await alice.post('/changes', { type: 'standard', template: 'no-such-template', ...window });
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors).toEqual([expect.objectContaining({ path: 'template', message: expect.stringMatching(/no change template/) })]);

    const { name: _name, ...fields } = template;
    const retired = await ada.put(`/change-templates/${template.name}`, { ...fields, active: false }, { 'if-match': '"1"' });
    expect(retired.status, JSON.stringify(retired.body)).toBe(200);
    const inactive = await alice.post('/changes', { type: 'standard', template: template.name, ...window });
    expect(inactive.status).toBe(400);
    expect(inactive.body.errors).toEqual([expect.objectContaining({ path: 'template', message: expect.stringMatching(/retired/) })]);
    expect((await ada.put(`/change-templates/${template.name}`, { ...fields, active: true }, { 'if-match': '"2"' })).status).toBe(200);
  });

  it('blame their template when a service it names is gone', async () => {
    expect((await ada.post('/services', { name: 'short-lived', ownerGroup: 'network', criticality: 'low' })).status).toBe(201);
    expect((await ada.post('/change-templates', { ...template, name: 'short-lived-template', services: ['short-lived'] })).status).toBe(201);
    // The API refuses to delete a service a template names (docs/directory.md); a record removed
    // behind its back (a restore, a console edit) must still be blamed on the template.
    const refused = await ada.delete('/services/short-lived', { 'if-match': '"1"' });
    expect(refused.status).toBe(409);
    expect(refused.body.references).toEqual([{ kind: 'change-template', id: 'short-lived-template', field: 'services' }]);
    await db.db.send(new DeleteCommand({ TableName: db.TABLE_NAME, Key: { pk: 'SERVICE#short-lived', sk: 'SERVICE' } }));
    const reply = await alice.post('/changes', { type: 'standard', template: 'short-lived-template', plannedStart: at(DAY), plannedEnd: at(DAY + HOUR) });
    expect(reply.status).toBe(400);
    expect(reply.body.errors).toEqual([expect.objectContaining({ path: 'template', message: expect.stringMatching(/short-lived/) })]);
  });
});

describe('GET /changes/{id}', () => {
  it('reads by id and by number, with the ETag', async () => {
    const created = await create({ title: 'Read me' });
    const byId = await alice.get(`/changes/${created.id}`);
    expect(byId.status).toBe(200);
    expect(byId.body).toEqual(created);
    expect(byId.headers.get('etag')).toBe('"1"');
    const byNumber = await bob.get(`/changes/${created.number}`);
    expect(byNumber.body).toEqual(created);
    expect(Object.keys(byNumber.body)).toEqual(Object.keys(created));
  });

  it('answers 404 problem+json for unknown ids, numbers and garbage', async () => {
    for (const id of ['01ARZ3NDEKTSV4RRFFQ69G5FAV', 'CHG9999999', 'INC0001001', 'garbage']) {
      const reply = await alice.get(`/changes/${id}`);
      expect(reply.status, id).toBe(404);
      expect(reply.body).toMatchObject({ status: 404, title: 'Not found' });
    }
  });
});

describe('requesters', () => {
  it("get 403 on every change route: changes are agents' work", async () => {
    const change = await create();
    const routes: [string, string, unknown?][] = [
      ['POST', '/changes', normal()],
      ['GET', '/changes'],
      ['GET', `/changes/${change.id}`],
      ['PATCH', `/changes/${change.id}`, { title: 'mine now' }],
      ['POST', `/changes/${change.id}/cancel`, { reason: 'no' }],
      ['POST', `/changes/${change.id}/notes`, { body: 'hello' }],
      ['GET', `/changes/${change.id}/notes`],
      ['GET', `/changes/${change.id}/history`],
      ['GET', `/changes/calendar?from=${at(0)}&to=${at(DAY)}`],
    ];
    for (const [method, path, body] of routes) {
      const reply = await carol.request(method, path, { ...(body === undefined ? {} : { body }), headers: ifMatch(change) });
      expect(reply.status, `${method} ${path}`).toBe(403);
      expect(reply.body.type).toMatch(/forbidden$/);
    }
    expect((await alice.get(`/changes/${change.id}`)).body).toEqual(change);
  });

  it('admins are agents too', async () => {
    const reply = await ada.post('/changes', normal({ title: 'By an admin' }));
    expect(reply.status).toBe(201);
    expect((await ada.get(`/changes/${reply.body.id}`)).status).toBe(200);
  });
});

describe('PATCH /changes/{id}', () => {
  it('edits the plan with If-Match, by id or number, and records what changed', async () => {
    const v1 = await create();
    const reply = await alice.patch(
      `/changes/${v1.number}`,
      { title: 'Patch gateway 1 only', configurationItems: [gw1], testPlan: 'A tunnel comes up' },
      ifMatch(v1),
    );
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({
      title: 'Patch gateway 1 only',
      configurationItems: [gw1],
      testPlan: 'A tunnel comes up',
      version: 2,
      updatedBy: 'alice',
    });
    expect(reply.headers.get('etag')).toBe('"2"');
    expect(Object.keys(reply.body)).toEqual(fieldOrder.filter((field) => field in reply.body));
    const history = (await alice.get(`/changes/${v1.id}/history`)).body.items;
    expect(history.at(-1)).toMatchObject({
      action: 'updated',
      actor: 'alice',
      version: 2,
      changes: [
        { field: 'title', from: v1.title, to: 'Patch gateway 1 only' },
        { field: 'configurationItems', from: v1.configurationItems, to: [gw1] },
        { field: 'testPlan', from: null, to: 'A tunnel comes up' },
      ],
    });
  });

  it('clears an optional field with null, and moves the window in canonical form', async () => {
    const v1 = await create({ testPlan: 'x', justification: 'y' });
    const reply = await alice.patch(
      `/changes/${v1.id}`,
      { testPlan: null, justification: null, plannedStart: '2032-06-01T01:00:00Z', plannedEnd: '2032-06-01T03:00:00Z' },
      ifMatch(v1),
    );
    expect(reply.status).toBe(200);
    expect(reply.body.testPlan).toBeUndefined();
    expect(reply.body.justification).toBeUndefined();
    expect(reply.body).toMatchObject({ plannedStart: at(HOUR), plannedEnd: at(3 * HOUR) });
  });

  it('answers 200 with the same version when the patch restates the current values', async () => {
    const v1 = await create();
    const reply = await alice.patch(`/changes/${v1.id}`, { title: v1.title, services: v1.services, plannedStart: '2032-06-01T00:00:00Z' }, ifMatch(v1));
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual(v1);
    expect(reply.headers.get('etag')).toBe('"1"');
  });

  it('needs If-Match (428) naming the current version (412 with the current ETag)', async () => {
    const v1 = await create();
    expect((await alice.patch(`/changes/${v1.id}`, { title: 'x' })).status).toBe(428);
    await alice.patch(`/changes/${v1.id}`, { title: 'first' }, ifMatch(v1));
    const stale = await alice.patch(`/changes/${v1.id}`, { title: 'second' }, ifMatch(v1));
    expect(stale.status).toBe(412);
    expect(stale.body).toMatchObject({ currentEtag: '"2"' });
    expect((await alice.get(`/changes/${v1.id}`)).body.title).toBe('first');
  });

  it('refuses an empty patch, an invalid window and unknown references, naming the field', async () => {
    const v1 = await create();
    const empty = await alice.patch(`/changes/${v1.id}`, {}, ifMatch(v1));
    expect(empty.status).toBe(400);
    expect(empty.body.type).toMatch(/empty-patch$/);

    const window = await alice.patch(`/changes/${v1.id}`, { plannedEnd: at(-DAY) }, ifMatch(v1));
    expect(window.status).toBe(400);
    expect(window.body.errors).toEqual([expect.objectContaining({ path: 'plannedEnd' })]);

    const refs = await alice.patch(`/changes/${v1.id}`, { services: ['vpn', 'nowhere'], assignmentGroup: 'nobody' }, ifMatch(v1));
    expect(refs.status).toBe(400);
    expect(refs.body.errors.map((e: { path: string }) => e.path)).toEqual(['services.1', 'assignmentGroup']);
    expect((await alice.get(`/changes/${v1.id}`)).body).toEqual(v1);

    const type = await alice.patch(`/changes/${v1.id}`, { type: 'emergency' }, ifMatch(v1));
    expect(type.status).toBe(400);
  });

  it('edits a change under assessment back to draft: the edited plan is submitted and assessed again', async () => {
    const created = await create();
    const assessed = await advance(created.id, 'assess');
    const edited = await alice.patch(`/changes/${created.id}`, { title: 'Refined during assessment' }, ifMatch(assessed));
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ status: 'draft', title: 'Refined during assessment' });
  });

  it('refuses to edit a change past assessment (409 not-editable)', async () => {
    const created = await create();
    const scheduled = await advance(created.id, 'assess', 'authorize', 'scheduled');
    const reply = await alice.patch(`/changes/${created.id}`, { title: 'Sneaky' }, ifMatch(scheduled));
    expect(reply.status).toBe(409);
    expect(reply.body).toMatchObject({
      type: expect.stringMatching(/not-editable$/),
      status: 409,
      changeStatus: 'scheduled',
      editableStatuses: ['draft', 'assess'],
    });
  });
});

describe('POST /changes/{id}/cancel', () => {
  it('withdraws a draft with its reason, and records it', async () => {
    const v1 = await create({ title: 'To be canceled' });
    const reply = await alice.post(`/changes/${v1.id}/cancel`, { reason: 'Vendor postponed the release' }, ifMatch(v1));
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ status: 'canceled', cancelReason: 'Vendor postponed the release', version: 2, updatedBy: 'alice' });
    expect(reply.body.canceledAt).toBe(reply.body.updatedAt);
    expect(reply.headers.get('etag')).toBe('"2"');
    const history = (await alice.get(`/changes/${v1.id}/history`)).body.items;
    expect(history.at(-1).changes).toEqual([
      { field: 'status', from: 'draft', to: 'canceled' },
      { field: 'canceledAt', from: null, to: reply.body.canceledAt },
      { field: 'cancelReason', from: null, to: 'Vendor postponed the release' },
    ]);
    // A canceled change is done: no edit, no second cancel.
    const edit = await alice.patch(`/changes/${v1.id}`, { title: 'x' }, ifMatch(reply.body));
    expect(edit.status).toBe(409);
    expect(edit.body.type).toMatch(/not-editable$/);
    const again = await alice.post(`/changes/${v1.id}/cancel`, { reason: 'again' }, ifMatch(reply.body));
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ type: expect.stringMatching(/invalid-transition$/), from: 'canceled', to: 'canceled', allowedTransitions: [] });
  });

  it('needs a reason and the current version', async () => {
    const v1 = await create();
    expect((await alice.post(`/changes/${v1.id}/cancel`, { reason: 'x' })).status).toBe(428);
    expect((await alice.post(`/changes/${v1.id}/cancel`, { reason: 'x' }, { 'if-match': '"7"' })).status).toBe(412);
    const noReason = await alice.post(`/changes/${v1.id}/cancel`, {}, ifMatch(v1));
    expect(noReason.status).toBe(400);
    expect(noReason.body.errors).toEqual([expect.objectContaining({ path: 'reason' })]);
    expect((await alice.post(`/changes/${v1.id}/cancel`, { reason: '   ' }, ifMatch(v1))).status).toBe(400);
    expect((await alice.get(`/changes/${v1.id}`)).body.status).toBe('draft');
  });

  it('cannot withdraw a change whose implementation started (409 invalid-transition)', async () => {
    const created = await create();
    const implementing = await advance(created.id, 'assess', 'authorize', 'scheduled', 'implement');
    const reply = await alice.post(`/changes/${created.id}/cancel`, { reason: 'too late' }, ifMatch(implementing));
    expect(reply.status).toBe(409);
    expect(reply.body).toMatchObject({ from: 'implement', to: 'canceled', allowedTransitions: ['review'] });
  });

  it('stops the approval workflow of a change under approval', async () => {
    const created = await create();
    await advance(created.id, 'assess');
    const arn = `${stack.stepFunctions.stateMachineArn('changeApproval').replace(':stateMachine:', ':execution:')}:${created.number}-1`;
    const current = await withWorkflow(created.id, arn);
    // Watch the local Step Functions endpoint's StopExecution (the emulator, not our code).
    const operations = stack.stepFunctions.service.operations as Record<string, (input: Record<string, unknown>) => Promise<unknown>>;
    const stopExecution = operations.StopExecution!;
    const stops: Record<string, unknown>[] = [];
    operations.StopExecution = async (input) => {
      stops.push(input);
      return stopExecution(input);
    };
    try {
      // No such execution (it ended and was forgotten, or never started): the cancel still succeeds.
      const reply = await bob.post(`/changes/${created.id}/cancel`, { reason: 'Superseded by CHG-next' }, ifMatch(current));
      expect(reply.status).toBe(200);
      expect(reply.body).toMatchObject({ status: 'canceled', workflow: { executionArn: arn } });
      expect(stops).toEqual([expect.objectContaining({ executionArn: arn, error: 'ChangeCanceled' })]);

      // A draft has no workflow: nothing to stop.
      const draft = await create();
      expect((await alice.post(`/changes/${draft.id}/cancel`, { reason: 'nope' }, ifMatch(draft))).status).toBe(200);
      expect(stops).toHaveLength(1);
    } finally {
      operations.StopExecution = stopExecution;
    }
  });
});

describe('notes and history', () => {
  it('adds work notes without moving the change, lists them oldest first, by id or number', async () => {
    const change = await create();
    const first = await alice.post(`/changes/${change.id}/notes`, { body: 'Vendor confirmed the window' });
    expect(first.status).toBe(201);
    expect(first.body).toEqual({
      id: expect.any(String),
      changeId: change.id,
      body: 'Vendor confirmed the window',
      author: 'alice',
      createdAt: expect.any(String),
    });
    const second = await bob.post(`/changes/${change.number}/notes`, { body: 'Spare gateway staged' });
    expect(second.status).toBe(201);

    const after = await alice.get(`/changes/${change.id}`);
    expect(after.body.version).toBe(1);
    expect(after.headers.get('etag')).toBe('"1"');

    const notes = await alice.get(`/changes/${change.number}/notes`);
    expect(notes.status).toBe(200);
    expect(notes.body.items.map((n: { body: string; author: string }) => `${n.author}: ${n.body}`)).toEqual([
      'alice: Vendor confirmed the window',
      'bob: Spare gateway staged',
    ]);
    const paged = await alice.get(`/changes/${change.id}/notes?limit=1`);
    expect(paged.body.items).toHaveLength(1);
    const rest = await alice.get(`/changes/${change.id}/notes?limit=1&cursor=${paged.body.nextCursor}`);
    expect(rest.body.items[0].body).toBe('Spare gateway staged');
    expect(rest.body.nextCursor).toBeUndefined();

    const history = (await alice.get(`/changes/${change.id}/history`)).body.items;
    expect(history.map((h: { action: string; actor: string }) => `${h.action} ${h.actor}`)).toEqual(['created alice', 'note_added alice', 'note_added bob']);
    expect(history[0]).toMatchObject({ changeId: change.id, version: 1, changes: expect.arrayContaining([{ field: 'title', from: null, to: change.title }]) });
  });

  it('replays a note sent twice with the same Idempotency-Key, at either address', async () => {
    const change = await create();
    const headers = { 'idempotency-key': 'note-1' };
    const first = await alice.post(`/changes/${change.id}/notes`, { body: 'Once' }, headers);
    const again = await alice.post(`/changes/${change.number}/notes`, { body: 'Once' }, headers);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    expect((await alice.get(`/changes/${change.id}/notes`)).body.items).toHaveLength(1);
  });

  it('lands on a change that moved since it was read', async () => {
    const change = await create();
    const notes = await Promise.all(
      Array.from({ length: 4 }, (_, i) =>
        i % 2 === 0
          ? alice.post(`/changes/${change.id}/notes`, { body: `note ${i}` })
          : alice.patch(`/changes/${change.id}`, { title: `title ${i}` }, ifMatch(change)),
      ),
    );
    expect(notes.filter((_, i) => i % 2 === 0).map((r) => r.status)).toEqual([201, 201]);
    expect((await alice.get(`/changes/${change.id}/notes`)).body.items).toHaveLength(2);
  });

  it('refuses notes and reads of changes that do not exist, and empty notes', async () => {
    expect((await alice.post('/changes/CHG9999999/notes', { body: 'x' })).status).toBe(404);
    expect((await alice.get('/changes/01ARZ3NDEKTSV4RRFFQ69G5FAV/notes')).status).toBe(404);
    expect((await alice.get('/changes/01ARZ3NDEKTSV4RRFFQ69G5FAV/history')).status).toBe(404);
    expect((await alice.get('/changes/CHG9999999/history')).status).toBe(404);
    const change = await create();
    const empty = await alice.post(`/changes/${change.id}/notes`, { body: '  ' });
    expect(empty.status).toBe(400);
    expect(empty.body.errors).toEqual([expect.objectContaining({ path: 'body' })]);
    expect((await alice.post(`/changes/${change.id}/notes`, { body: 'x', visibility: 'public' })).status).toBe(400);
  });
});

describe('GET /changes', () => {
  const mine: Change[] = [];
  const SPECS = [
    { services: ['email'], assignmentGroup: 'service-desk', type: 'normal' },
    { services: ['email', 'payments'], assignmentGroup: 'database', type: 'emergency' },
    { services: ['payments'], assignmentGroup: 'database', type: 'normal' },
    { services: ['intranet'], type: 'normal', assignmentGroup: undefined },
  ];

  beforeAll(async () => {
    // A window of their own, a year after the others, so the window filters see only these.
    for (let i = 0; i < 12; i++) {
      const start = 365 * DAY + i * 12 * HOUR;
      const spec = SPECS[i % 4]!;
      const { assignmentGroup, ...rest } = spec;
      const body = normal({ title: `list ${i}`, ...rest, plannedStart: at(start), plannedEnd: at(start + (i % 3 === 0 ? 2 * DAY : 3 * HOUR)) });
      if (assignmentGroup === undefined) delete (body as Record<string, unknown>).assignmentGroup;
      else body.assignmentGroup = assignmentGroup;
      let change = await create(body);
      if (i % 3 === 1) change = await advance(change.id, 'assess');
      if (i % 3 === 2) change = await advance(change.id, 'assess', 'authorize', 'scheduled');
      mine.push(change);
    }
  });

  async function listAll(query: string, limit: number): Promise<Change[]> {
    const items: Change[] = [];
    let cursor: string | undefined;
    do {
      const reply = await alice.get(`/changes?${query}&limit=${limit}${cursor === undefined ? '' : `&cursor=${encodeURIComponent(cursor)}`}`);
      expect(reply.status, JSON.stringify(reply.body)).toBe(200);
      items.push(...reply.body.items);
      cursor = reply.body.nextCursor;
    } while (cursor !== undefined);
    return items;
  }

  const inYear = (c: Change) => Date.parse(c.plannedStart) >= BASE + 365 * DAY;
  const newestFirst = (changes: Change[]) =>
    changes
      .map((c) => c.number)
      .sort()
      .reverse();

  const cases: [string, (c: Change) => boolean][] = [
    ['status=scheduled', (c) => c.status === 'scheduled'],
    ['type=emergency', (c) => c.type === 'emergency'],
    ['service=payments', (c) => c.services.includes('payments')],
    ['assignmentGroup=database', (c) => c.assignmentGroup === 'database'],
    ['service=email&status=assess', (c) => c.services.includes('email') && c.status === 'assess'],
    ['assignmentGroup=database&type=normal&status=draft', (c) => c.assignmentGroup === 'database' && c.type === 'normal' && c.status === 'draft'],
  ];
  for (const [query, matches] of cases) {
    it(`filters by ${query}, newest first, with index Queries (and a queue head's GetItem) only`, async () => {
      // The outbox publisher reads and writes the table too: let it finish first.
      await stack.settled();
      counter.reset();
      const items = (await listAll(query, 3)).filter(inYear);
      expect(items.map((c) => c.number)).toEqual(newestFirst(mine.filter(matches)));
      expect(counter.operations().filter((operation) => operation !== 'Query' && operation !== 'GetItem')).toEqual([]);
    });
  }

  it('filters by planned window: the changes overlapping it, earliest start first', async () => {
    const from = at(365 * DAY + 30 * HOUR);
    const to = at(365 * DAY + 80 * HOUR);
    const overlapping = mine.filter((c) => Date.parse(c.plannedEnd) > Date.parse(from) && Date.parse(c.plannedStart) < Date.parse(to));
    expect(overlapping.length).toBeGreaterThan(2);
    const items = await listAll(`plannedFrom=${from}&plannedTo=${to}`, 2);
    expect(items.map((c) => c.number)).toEqual(overlapping.map((c) => c.number));
    const scheduled = await listAll(`plannedFrom=${from}&plannedTo=${to}&status=scheduled&service=payments`, 2);
    expect(scheduled.map((c) => c.number)).toEqual(overlapping.filter((c) => c.status === 'scheduled' && c.services.includes('payments')).map((c) => c.number));
  });

  it('shows each change in full, in the documented field order', async () => {
    const items = await listAll('service=intranet', 50);
    const byId = new Map(mine.map((c) => [c.id, c]));
    for (const item of items.filter(inYear)) {
      expect(item).toEqual(byId.get(item.id));
      expect(Object.keys(item)).toEqual(fieldOrder.filter((field) => field in item));
    }
  });

  const refused: [string, string][] = [
    ['status=open', 'status'],
    ['type=minor', 'type'],
    ['service=Not%20A%20Slug', 'service'],
    ['plannedFrom=yesterday', 'plannedFrom'],
    [`plannedFrom=${at(DAY)}&plannedTo=${at(0)}`, 'plannedTo'],
    ['cursor=bogus', 'cursor'],
    ['limit=0', 'limit'],
    ['priority=P1', 'priority'],
  ];
  it.each(refused)('refuses %s (400 naming the parameter)', async (query, path) => {
    const reply = await alice.get(`/changes?${query}`);
    expect(reply.status).toBe(400);
    expect(reply.body.errors.map((e: { path: string }) => e.path)).toEqual([path]);
  });
});

describe('GET /changes/calendar', () => {
  /** A quarter of its own, two years out. */
  const Q = 730 * DAY;
  const planned: Change[] = [];

  beforeAll(async () => {
    const windows: [number, number, ChangeStatus[]][] = [
      [Q + 1 * DAY, Q + 1 * DAY + 2 * HOUR, ['assess', 'authorize', 'scheduled']],
      [Q - 20 * DAY, Q + 2 * DAY, ['assess', 'authorize', 'scheduled', 'implement']], // started before the range, still running
      [Q + 3 * DAY, Q + 3 * DAY + HOUR, ['assess']],
      [Q + 4 * DAY, Q + 4 * DAY + HOUR, []], // a draft: not on the calendar
      [Q + 5 * DAY, Q + 5 * DAY + HOUR, ['assess', 'rejected']],
      [Q + 6 * DAY, Q + 6 * DAY + HOUR, ['canceled']],
      [Q + 40 * DAY, Q + 40 * DAY + HOUR, ['assess', 'authorize', 'scheduled']], // after the range
      [Q - 2 * DAY, Q, ['assess', 'authorize', 'scheduled']], // ends as the range begins
    ];
    for (const [start, end, statuses] of windows) {
      const change = await create({ title: `calendar ${start}`, plannedStart: at(start), plannedEnd: at(end) });
      planned.push(await advance(change.id, ...statuses));
    }
    for (const blackout of [
      { name: 'quarter-close', start: at(Q + 2 * DAY), end: at(Q + 4 * DAY), services: ['payments'], reason: 'Quarter close' },
      { name: 'summer-freeze', start: at(Q - 10 * DAY), end: at(Q + DAY) },
      { name: 'later-freeze', start: at(Q + 50 * DAY), end: at(Q + 51 * DAY) },
    ]) {
      const reply = await ada.post('/blackout-windows', blackout);
      expect(reply.status, JSON.stringify(reply.body)).toBe(201);
    }
  });

  it('lists the changes that will or may happen in the range, and the blackout windows, in start order', async () => {
    await stack.settled();
    counter.reset();
    const reply = await alice.get(`/changes/calendar?from=${at(Q)}&to=${at(Q + 30 * DAY)}`);
    expect(reply.status).toBe(200);
    expect(new Set(counter.operations())).toEqual(new Set(['Query']));
    expect(reply.body.from).toBe(at(Q));
    expect(reply.body.to).toBe(at(Q + 30 * DAY));
    const [scheduled, running, assessed] = planned;
    expect(reply.body.changes.map((c: { number: string }) => c.number)).toEqual([running!.number, scheduled!.number, assessed!.number]);
    expect(reply.body.changes[0]).toEqual({
      id: running!.id,
      number: running!.number,
      title: running!.title,
      type: 'normal',
      status: 'implement',
      services: ['vpn'],
      plannedStart: running!.plannedStart,
      plannedEnd: running!.plannedEnd,
    });
    expect(Object.keys(reply.body.changes[0])).toEqual(['id', 'number', 'title', 'type', 'status', 'services', 'plannedStart', 'plannedEnd']);
    expect(reply.body.blackouts).toEqual([
      { name: 'summer-freeze', start: at(Q - 10 * DAY), end: at(Q + DAY) },
      { name: 'quarter-close', start: at(Q + 2 * DAY), end: at(Q + 4 * DAY), services: ['payments'], reason: 'Quarter close' },
    ]);
  });

  it('shows the risk level of assessed changes', async () => {
    const change = await create({ title: 'risky', plannedStart: at(Q + 7 * DAY), plannedEnd: at(Q + 7 * DAY + HOUR) });
    const assessed = await advance(change.id, 'assess');
    const now = new Date();
    const next: Change = { ...assessed, risk: { level: 'high', score: 7, reasons: ['outage required (+2)'] }, version: assessed.version + 1 };
    await transaction.transactWrite(
      write.changeRequestWrite({ before: assessed, after: next, actor: 'workflow', changes: domain.fieldDiffs(assessed, next), now }),
    );
    const reply = await alice.get(`/changes/calendar?from=${at(Q + 7 * DAY)}&to=${at(Q + 8 * DAY)}`);
    expect(reply.body.changes).toEqual([expect.objectContaining({ number: change.number, riskLevel: 'high' })]);
    expect(Object.keys(reply.body.changes[0])).toEqual(['id', 'number', 'title', 'type', 'status', 'riskLevel', 'services', 'plannedStart', 'plannedEnd']);
  });

  const refused: [string, string][] = [
    [`to=${at(DAY)}`, 'from'],
    [`from=${at(0)}`, 'to'],
    [`from=${at(DAY)}&to=${at(DAY)}`, 'to'],
    [`from=${at(DAY)}&to=${at(0)}`, 'to'],
    [`from=${at(0)}&to=${at(92 * DAY + 1000)}`, 'to'],
    [`from=today&to=${at(DAY)}`, 'from'],
  ];
  it.each(refused)('refuses %s (400 naming the parameter)', async (query, path) => {
    const reply = await alice.get(`/changes/calendar?${query}`);
    expect(reply.status).toBe(400);
    expect(reply.body.errors.map((e: { path: string }) => e.path)).toEqual([path]);
  });

  it('accepts a range of exactly 92 days', async () => {
    expect((await alice.get(`/changes/calendar?from=${at(0)}&to=${at(92 * DAY)}`)).status).toBe(200);
  });
});

describe('events', () => {
  it('every write announces itself through the outbox: created, updated, note added, canceled', async () => {
    const v1 = await create({ title: 'Announced' });
    const v2 = (await alice.patch(`/changes/${v1.id}`, { title: 'Announced again' }, ifMatch(v1))).body;
    const note = (await bob.post(`/changes/${v1.id}/notes`, { body: 'Private words' })).body;
    expect((await alice.post(`/changes/${v1.id}/cancel`, { reason: 'Not needed' }, ifMatch(v2))).status).toBe(200);
    await stack.settled();
    const events = stack.published.events().filter((e: PublishedEvent) => (e.detail as { change?: { id: string } }).change?.id === v1.id);
    expect(events.map((e) => e.detailType)).toEqual(['Change Created', 'Change Updated', 'Change Note Added', 'Change Canceled']);
    const detail = events[2]!.detail as Record<string, unknown>;
    expect(detail.note).toEqual({ id: note.id, visibility: 'work', author: 'bob' });
    expect(JSON.stringify(detail)).not.toContain('Private words');
    expect((events[3]!.detail as { changes: { field: string }[] }).changes.map((c) => c.field)).toEqual(['status', 'canceledAt', 'cancelReason']);
  });
});

describe('DynamoDB round trips per request (hard budgets)', () => {
  const measure = (run: () => Promise<{ status: number; body?: unknown }>) => roundTripsOf(stack, counter, run);

  it('create <= 2: the number, then one transaction', async () => {
    expect(await measure(() => alice.post('/changes', normal({ title: 'budget', configurationItems: [] })))).toEqual([['UpdateItem'], ['TransactWriteItems']]);
  });

  it('create naming configuration items <= 2: their records are read beside the number (one BatchGet)', async () => {
    expect(await measure(() => alice.post('/changes', normal({ title: 'budget' })))).toEqual([['BatchGetItem', 'UpdateItem'], ['TransactWriteItems']]);
  });

  it('create of a standard change <= 2: the number while reading the template, then one transaction', async () => {
    const reply = measure(() =>
      alice.post('/changes', { type: 'standard', template: 'restart-intranet-web', plannedStart: at(DAY), plannedEnd: at(DAY + HOUR) }),
    );
    expect(await reply).toEqual([['GetItem', 'UpdateItem'], ['TransactWriteItems']]);
  });

  it('read <= 1, list <= 1, calendar <= 1', async () => {
    const change = await create();
    expect(await measure(() => alice.get(`/changes/${change.id}`))).toEqual([['GetItem']]);
    expect(await measure(() => alice.get(`/changes/${change.number}`))).toEqual([['Query']]);
    // A queue's first page is its head, once the stream consumer has kept it; a page wider than a head, the index.
    expect(await measure(() => alice.get('/changes?status=draft&limit=5'))).toEqual([['GetItem']]);
    expect(await measure(() => alice.get('/changes?status=draft&limit=30'))).toEqual([['Query']]);
    expect(await measure(() => alice.get(`/changes/calendar?from=${at(0)}&to=${at(DAY)}`))).toEqual([['Query', 'Query']]);
    expect(await measure(() => alice.get(`/changes/${change.id}/history`))).toEqual([['GetItem', 'Query']]);
  });

  it('update <= 2, note <= 2, cancel <= 2', async () => {
    const change = await create();
    expect(await measure(() => alice.patch(`/changes/${change.id}`, { title: 'budget edit' }, ifMatch(change)))).toEqual([['GetItem'], ['TransactWriteItems']]);
    // Naming configuration items: their records are read beside the change.
    expect(await measure(() => alice.patch(`/changes/${change.id}`, { configurationItems: [gw2] }, { 'if-match': '"2"' }))).toEqual([
      ['BatchGetItem', 'GetItem'],
      ['TransactWriteItems'],
    ]);
    expect(await measure(() => alice.post(`/changes/${change.id}/notes`, { body: 'budget note' }))).toEqual([['GetItem'], ['TransactWriteItems']]);
    expect(await measure(() => alice.post(`/changes/${change.id}/cancel`, { reason: 'budget' }, { 'if-match': '"3"' }))).toEqual([
      ['GetItem'],
      ['TransactWriteItems'],
    ]);
  });
});
