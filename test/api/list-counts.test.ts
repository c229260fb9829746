import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type RequestCounter, startRequestCounter } from '../../local/request-counter.ts';
import { admin, agent, type Client, requester, startTestStack, type TestStack } from '../support/api.ts';
import { poll } from '../support/poll.ts';
import { roundTripsOf } from '../support/round-trips.ts';

// `count=true` on the change, problem, request and task lists (issue 17): `total` from the counters
// each area's table stream consumer keeps, equal to what the list holds once the stream has passed
// the writes; one round trip, the counters read beside the list's Query.
let counter: RequestCounter;
let stack: TestStack;
let alice: Client;
let carol: Client;
let dave: Client;

const HOUR = 3_600_000;
const at = (offset: number) => new Date(Date.now() + 7 * 86_400_000 + offset).toISOString();

beforeAll(async () => {
  counter = await startRequestCounter(inject('dynamoDbEndpoint'));
  stack = await startTestStack({ dynamoDbEndpoint: counter.endpoint });
  alice = await agent(stack);
  carol = await requester(stack);
  dave = await requester(stack, 'dave');
  const ada = await admin(stack);
  const item = await ada.post('/catalog-items', {
    id: 'count-access',
    name: 'Access to count',
    category: 'Access',
    description: 'Access',
    form: { type: 'object', properties: { reason: { type: 'string', title: 'Why', maxLength: 500 } }, required: ['reason'], additionalProperties: false },
    approval: { stages: [] },
    fulfilment: { mode: 'parallel', tasks: [{ name: 'Grant access', assignmentGroup: 'network', description: 'For {{requester}}' }] },
  });
  expect(item.status, JSON.stringify(item.body)).toBe(201);
});
afterAll(async () => {
  await stack?.stop();
  await counter?.stop();
});

/** What the list holds, every page. */
async function listed(client: Client, path: string, query: string): Promise<number> {
  let count = 0;
  let cursor: string | undefined;
  do {
    const reply = await client.get(`${path}?limit=100${query === '' ? '' : `&${query}`}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    count += reply.body.items.length;
    cursor = reply.body.nextCursor;
  } while (cursor !== undefined);
  return count;
}

async function total(client: Client, path: string, query: string): Promise<number> {
  const reply = await client.get(`${path}?count=true&limit=1${query === '' ? '' : `&${query}`}`);
  expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  return reply.body.total;
}

/** Each query's total is what its list holds (workflows may still be moving records: read until they agree). */
async function expectTotalsMatchLists(client: Client, path: string, queries: readonly string[]): Promise<void> {
  await stack.settled();
  for (const query of queries) {
    const [count, holds] = await poll(
      async () => [await total(client, path, query), await listed(client, path, query)] as const,
      ([count, holds]) => count === holds,
      10_000,
    );
    expect(count, `${path}?${query}`).toBe(holds);
  }
}

async function refused(client: Client, pathAndQuery: string): Promise<string> {
  const reply = await client.get(pathAndQuery);
  expect(reply.status, pathAndQuery).toBe(400);
  expect(reply.body.errors).toEqual([expect.objectContaining({ location: 'query', path: 'count' })]);
  return reply.body.errors[0].message;
}

describe('GET /changes?count=true', () => {
  it('counts by status, type, group and one service, following cancels', async () => {
    const specs = [
      { type: 'normal', services: ['vpn'], assignmentGroup: 'network' },
      { type: 'emergency', services: ['email'], assignmentGroup: 'database' },
      { type: 'normal', services: ['vpn', 'email'], assignmentGroup: 'network' },
    ];
    const created: Record<string, any>[] = [];
    for (let i = 0; i < 6; i++) {
      const reply = await alice.post('/changes', {
        title: `count ${i}`,
        plannedStart: at(i * HOUR),
        plannedEnd: at(i * HOUR + HOUR),
        implementationPlan: 'Do it',
        backoutPlan: 'Undo it',
        ...specs[i % specs.length],
      });
      expect(reply.status, JSON.stringify(reply.body)).toBe(201);
      created.push(reply.body);
    }
    const queries = [
      '',
      'status=draft',
      'type=normal',
      'assignmentGroup=network&status=draft,canceled',
      'service=email',
      'service=vpn&status=canceled',
      'type=emergency&status=draft',
    ];
    await expectTotalsMatchLists(alice, '/changes', queries);
    expect(await total(alice, '/changes', 'service=email')).toBe(4);
    for (const change of created.slice(0, 2)) {
      expect((await alice.post(`/changes/${change.id}/cancel`, { reason: 'Not needed' }, { 'if-match': `"${change.version}"` })).status).toBe(200);
    }
    await expectTotalsMatchLists(alice, '/changes', queries);
    expect(await total(alice, '/changes', 'status=canceled')).toBe(2);
    expect(await refused(alice, '/changes?count=true&service=vpn,email')).toContain('only one service value');
    expect(await refused(alice, `/changes?count=true&plannedFrom=${encodeURIComponent(at(0))}`)).toContain('plannedFrom cannot be counted');
  });
});

describe('GET /problems?count=true', () => {
  it('counts by status, group, assignee and priority, following changes of each', async () => {
    const created: Record<string, any>[] = [];
    for (let i = 0; i < 4; i++) {
      const reply = await alice.post('/problems', {
        title: `count ${i}`,
        service: i % 2 === 0 ? 'vpn' : 'email',
        assignmentGroup: i < 2 ? 'network' : 'database',
      });
      expect(reply.status, JSON.stringify(reply.body)).toBe(201);
      created.push(reply.body);
    }
    const queries = [
      '',
      'status=new',
      'status=assess',
      'assignmentGroup=network',
      'assignmentGroup=network,database&status=new,assess',
      'service=vpn',
      'assignee=bob&status=assess',
    ];
    await expectTotalsMatchLists(alice, '/problems', queries);
    const [first] = created as [Record<string, any>];
    const moved = await alice.patch(
      `/problems/${first.id}`,
      { status: 'assess', assignmentGroup: 'database', assignee: 'bob' },
      { 'if-match': `"${first.version}"` },
    );
    expect(moved.status, JSON.stringify(moved.body)).toBe(200);
    await expectTotalsMatchLists(alice, '/problems', queries);
    expect(await total(alice, '/problems', 'assignee=bob&status=assess')).toBe(1);
    expect(await refused(alice, '/problems?count=true&service=vpn&status=new')).toContain('No count is kept of problems by service and status');
  });
});

describe('GET /requests?count=true and GET /tasks?count=true', () => {
  it("counts requests by status, item and requester (a requester's own), and the tasks their fulfilment opens", async () => {
    for (const [client, reason] of [
      [carol, 'one'],
      [carol, 'two'],
      [dave, 'three'],
    ] as const) {
      const reply = await client.post('/requests', { item: 'count-access', answers: { reason } });
      expect(reply.status, JSON.stringify(reply.body)).toBe(201);
    }
    await poll(
      () => listed(alice, '/tasks', 'assignmentGroup=network'),
      (tasks) => tasks === 3,
    );
    await expectTotalsMatchLists(alice, '/requests', [
      '',
      'item=count-access',
      'requester=carol',
      'status=in_fulfilment',
      'requester=dave&status=in_fulfilment',
    ]);
    await expectTotalsMatchLists(carol, '/requests', ['', 'status=in_fulfilment']);
    expect(await total(carol, '/requests', '')).toBe(2);
    expect(await total(dave, '/requests', 'requester=me')).toBe(1);
    expect(await refused(carol, '/requests?count=true&awaitingApprovalBy=me')).toContain('awaitingApprovalBy cannot be counted');

    const queries = ['', 'status=open', 'assignmentGroup=network', 'assignmentGroup=network&status=open', 'assignee=me'];
    await expectTotalsMatchLists(alice, '/tasks', queries);
    const [task] = (await alice.get('/tasks?assignmentGroup=network&limit=1')).body.items;
    const taken = await alice.patch(`/tasks/${task.id}`, { assignee: 'bob' }, { 'if-match': `"${task.version}"` });
    expect(taken.status, JSON.stringify(taken.body)).toBe(200);
    await expectTotalsMatchLists(alice, '/tasks', [...queries, 'assignee=bob', `assignee=bob&status=${taken.body.status}`]);
    expect(await total(alice, '/tasks', 'assignee=bob')).toBe(1);
    expect(await refused(alice, `/tasks?count=true&request=${task.requestId}`)).toContain('request cannot be counted');
  });

  it('reads the counters beside the list’s Query: one round trip', async () => {
    for (const path of [
      '/changes?status=draft&count=true',
      '/problems?status=new,assess&count=true',
      '/requests?count=true',
      '/tasks?assignmentGroup=network&status=open&count=true',
    ]) {
      const rounds = await roundTripsOf(stack, counter, () => alice.get(path));
      expect(rounds, path).toHaveLength(1);
      expect(rounds[0], path).toContain('BatchGetItem');
    }
  });
});
