import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type RequestCounter, startRequestCounter } from '../../local/request-counter.ts';
import { admin, agent, type Client, startTestStack, type TestStack } from '../support/api.ts';
import { roundTripsOf } from '../support/round-trips.ts';

// Every DynamoDB request of this file goes through a counting proxy: lists must be Queries, and
// each operation stays within its round-trip budget (create <= 2, read <= 1, update <= 2, list <= 1).
let counter: RequestCounter;
let stack: TestStack;
let alice: Client;
const created: Record<string, any>[] = [];

beforeAll(async () => {
  counter = await startRequestCounter(inject('dynamoDbEndpoint'));
  stack = await startTestStack({ dynamoDbEndpoint: counter.endpoint });
  alice = await agent(stack);
  const specs = [
    { service: 'email', assignmentGroup: 'network', assignee: 'nina', impact: 1, urgency: 1 },
    { service: 'email', impact: 2, urgency: 2 },
    { service: 'vpn', assignmentGroup: 'network', impact: 1, urgency: 1 },
    { service: 'payments', assignmentGroup: 'database', assignee: 'bob', caller: 'carol', impact: 3, urgency: 3 },
    { service: 'vpn', caller: 'carol', impact: 2, urgency: 1 },
  ];
  for (let i = 0; i < 30; i++) {
    const reply = await alice.post('/incidents', { title: `list ${i}`, ...specs[i % specs.length] });
    expect(reply.status).toBe(201);
    created.push(reply.body);
  }
  // Move a few along so the status filter has something to find.
  for (const incident of created.slice(0, 6)) {
    const moved = await alice.patch(`/incidents/${incident.id}`, { status: 'in_progress' }, { 'if-match': `"${incident.version}"` });
    expect(moved.status).toBe(200);
    Object.assign(incident, moved.body);
  }
});
afterAll(async () => {
  await stack.stop();
  await counter.stop();
});

async function listAll(query: string, limit = 7): Promise<Record<string, any>[]> {
  const items: Record<string, any>[] = [];
  let cursor: string | undefined;
  do {
    const reply = await alice.get(`/incidents?${query}&limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    expect(reply.body.items.length).toBeLessThanOrEqual(limit);
    items.push(...reply.body.items);
    cursor = reply.body.nextCursor;
  } while (cursor !== undefined);
  return items;
}

const newestFirst = (items: Record<string, any>[]) => [...items].sort((a, b) => (a.number < b.number ? 1 : -1)).map((i) => i.number);

describe('GET /incidents', () => {
  it('lists newest first and pages through everything exactly once', async () => {
    const items = await listAll('');
    expect(items.map((i) => i.number)).toEqual(newestFirst(created));
  });

  it('defaults to 25 per page', async () => {
    const page = await alice.get('/incidents');
    expect(page.body.items).toHaveLength(25);
    expect(page.body.nextCursor).toBeDefined();
  });

  it('has no cursor on a page that ends exactly at the last item', async () => {
    const page = await alice.get('/incidents?limit=30');
    expect(page.body.items).toHaveLength(30);
    expect(page.body.nextCursor).toBeUndefined();
  });

  const cases: [string, (i: Record<string, any>) => boolean][] = [
    ['status=in_progress', (i) => i.status === 'in_progress'],
    ['status=new', (i) => i.status === 'new'],
    ['priority=P1', (i) => i.priority === 'P1'],
    ['assignmentGroup=network', (i) => i.assignmentGroup === 'network'],
    ['assignee=bob', (i) => i.assignee === 'bob'],
    ['service=vpn', (i) => i.service === 'vpn'],
    ['caller=carol', (i) => i.caller === 'carol'],
    ['service=email&priority=P1', (i) => i.service === 'email' && i.priority === 'P1'],
    ['status=in_progress&assignmentGroup=network&service=email', (i) => i.status === 'in_progress' && i.assignmentGroup === 'network' && i.service === 'email'],
    ['service=intranet', () => false],
    // Several values per filter: one Query per value, merged newest first.
    ['status=new,in_progress', (i) => i.status === 'new' || i.status === 'in_progress'],
    ['status=in_progress&status=new', (i) => i.status === 'new' || i.status === 'in_progress'],
    ['priority=P1,P3', (i) => i.priority === 'P1' || i.priority === 'P3'],
    ['assignee=bob,nina', (i) => i.assignee === 'bob' || i.assignee === 'nina'],
    ['service=vpn,payments&priority=P1,P3', (i) => ['vpn', 'payments'].includes(i.service) && ['P1', 'P3'].includes(i.priority)],
    ['caller=carol,alice&status=in_progress', (i) => i.status === 'in_progress' && ['carol', 'alice'].includes(i.caller)],
    [
      'assignmentGroup=network,database&service=email,payments',
      (i) => ['network', 'database'].includes(i.assignmentGroup) && ['email', 'payments'].includes(i.service),
    ],
  ];
  for (const [query, matches] of cases) {
    it(`filters by ${query} with index Queries (and a queue head's GetItem) only, never a Scan`, async () => {
      // The stream consumers follow the incidents written above (the search indexer writes their
      // documents to the index's change log): let them finish, so that only the list is counted.
      await stack.settled();
      counter.reset();
      const items = await listAll(query, 3);
      expect(items.map((i) => i.number)).toEqual(newestFirst(created.filter(matches)));
      const operations = counter.operations();
      expect(operations.length).toBeGreaterThan(0);
      expect(operations.filter((operation) => operation !== 'Query' && operation !== 'GetItem')).toEqual([]);
    });
  }
});

describe('GET /incidents by opening time', () => {
  const within = (after: string | undefined, before: string | undefined) => (i: Record<string, any>) =>
    (after === undefined || i.createdAt >= after) && (before === undefined || i.createdAt < before);

  it('openedAfter (inclusive) and openedBefore (exclusive) bound the list on the index sort key, with or without filters', async () => {
    const after = created[10]!.createdAt as string;
    const before = created[20]!.createdAt as string;
    const ranges: [string, (i: Record<string, any>) => boolean][] = [
      [`openedAfter=${after}&openedBefore=${before}`, within(after, before)],
      [`openedAfter=${after}`, within(after, undefined)],
      [`openedBefore=${before}`, within(undefined, before)],
      [`openedAfter=${after}&openedBefore=${before}&status=new,in_progress`, (i) => within(after, before)(i) && ['new', 'in_progress'].includes(i.status)],
      [`openedBefore=${before}&service=email`, (i) => within(undefined, before)(i) && i.service === 'email'],
      // Any offset is taken: the instant is what counts.
      [`openedAfter=${encodeURIComponent(new Date(Date.parse(after)).toISOString().replace('Z', '+00:00'))}`, within(after, undefined)],
    ];
    for (const [query, matches] of ranges) {
      counter.reset();
      const items = await listAll(query, 4);
      const expected = newestFirst(created.filter(matches));
      expect(expected.length, query).toBeGreaterThan(0);
      expect(
        items.map((i) => i.number),
        query,
      ).toEqual(expected);
      expect(new Set(counter.operations()), query).toEqual(new Set(['Query']));
    }
    expect(newestFirst(created.filter(within(after, before)))).toHaveLength(10);
  });

  it('a requester asking for several callers gets their own incidents, or nothing', async () => {
    const carol = await stack.as('carol', []);
    const own = newestFirst(created.filter((i) => i.caller === 'carol'));
    const both = await carol.get('/incidents?caller=carol,alice&limit=100');
    expect(both.body.items.map((i: Record<string, any>) => i.number)).toEqual(own);
    expect((await carol.get('/incidents?caller=alice,bob')).body).toEqual({ items: [] });
  });
});

describe('GET /incidents: invalid filters name the parameter', () => {
  const cases: [string, string][] = [
    ['status=new,bogus', 'status'],
    ['status=', 'status'],
    ['priority=P1,,P2', 'priority'],
    [`service=${Array.from({ length: 11 }, (_, i) => `s${i}`).join(',')}`, 'service'],
    ['assignmentGroup=Not A Slug', 'assignmentGroup'],
    ['openedAfter=yesterday', 'openedAfter'],
    ['openedBefore=2026-13-01T00:00:00Z', 'openedBefore'],
    ['openedAfter=2026-12-01T00:00:00Z&openedBefore=2026-12-01T00:00:00Z', 'openedBefore'],
    ['openedAfter=2026-12-02T00:00:00Z&openedBefore=2026-12-01T00:00:00Z', 'openedBefore'],
  ];
  for (const [query, parameter] of cases) {
    it(`${query}: 400 on ${parameter}`, async () => {
      const reply = await alice.get(`/incidents?${query.replaceAll(' ', '%20')}`);
      expect(reply.status, JSON.stringify(reply.body)).toBe(400);
      expect(reply.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(reply.body.errors.map((e: { location: string; path: string }) => [e.location, e.path])).toEqual([['query', parameter]]);
    });
  }

  it('the message names the value at fault', async () => {
    const reply = await alice.get('/incidents?status=new,bogus');
    expect(reply.body.errors[0].message).toMatch(/^"bogus": /);
  });

  it('a cursor is valid only with the values it was issued for', async () => {
    const page = await alice.get('/incidents?status=new,in_progress&limit=2');
    expect(page.body.nextCursor).toBeDefined();
    const other = await alice.get(`/incidents?status=new&limit=2&cursor=${encodeURIComponent(page.body.nextCursor)}`);
    expect(other.status).toBe(400);
    expect(other.body.errors[0]).toMatchObject({ location: 'query', path: 'cursor' });
    // The same values in another order or repeated are the same list.
    const same = await alice.get(`/incidents?status=in_progress,new,new&limit=2&cursor=${encodeURIComponent(page.body.nextCursor)}`);
    expect(same.status).toBe(200);
  });
});

describe('DynamoDB round trips per request (hard budgets)', () => {
  const measure = (run: () => Promise<{ status: number; body?: unknown }>) => roundTripsOf(stack, counter, run);

  it('create <= 2 (allocate the number while reading the SLA policies and the known errors, one transaction)', async () => {
    const operations = await measure(() => alice.post('/incidents', { title: 'budget', service: 'email', assignmentGroup: 'network', assignee: 'nina' }));
    // The known errors of its service: one Query per field matched on, beside the other reads.
    expect(operations).toEqual([['Query', 'Query', 'UpdateItem'], ['TransactWriteItems']]);
  });

  it('read by id or number <= 1', async () => {
    const incident = created[0]!;
    // By id: one Query reads the incident and, for incidents opened by events, its alert item.
    expect(await measure(() => alice.get(`/incidents/${incident.id}`))).toEqual([['Query']]);
    expect(await measure(() => alice.get(`/incidents/${incident.number}`))).toEqual([['Query']]);
  });

  it('list <= 1 per page', async () => {
    // A queue's first page is its head (functions/shared/store/queue-heads.ts), once the table
    // stream's consumer has kept it: one GetItem.
    await stack.settled();
    expect(await measure(() => alice.get('/incidents?limit=10'))).toEqual([['GetItem']]);
    expect(await measure(() => alice.get('/incidents?status=new&limit=10'))).toEqual([['GetItem']]);
    // Past the first page, or past what a head keeps, the index: one Query.
    expect(await measure(() => alice.get('/incidents?status=new&limit=30'))).toEqual([['Query']]);
    // Several values: one Query each, all in flight together.
    expect(await measure(() => alice.get('/incidents?status=new,in_progress&limit=10'))).toEqual([['Query', 'Query']]);
    expect(await measure(() => alice.get(`/incidents?openedAfter=${created[5]!.createdAt}&service=email&limit=10`))).toEqual([['Query']]);
    // A time range without a filter reads the status index: one Query per status, together.
    const everyStatus = await measure(() => alice.get(`/incidents?openedAfter=${created[5]!.createdAt}&limit=10`));
    expect(everyStatus).toHaveLength(1);
    expect(new Set(everyStatus[0])).toEqual(new Set(['Query']));
  });

  it('update <= 2, including changes that need the matrix, the SLA policies and the known errors', async () => {
    const incident = created[10]!;
    // The known errors of the patched incident (its service, then its category too) go out with the transaction.
    const fieldChange = await measure(() => alice.patch(`/incidents/${incident.id}`, { title: 'renamed' }, { 'if-match': `"${incident.version}"` }));
    expect(fieldChange).toEqual([['Query'], ['Query', 'TransactWriteItems']]);
    // A category can change which SLA policy applies: the policies are read beside the incident.
    const category = await measure(() => alice.patch(`/incidents/${incident.id}`, { category: 'mail' }, { 'if-match': `"${incident.version + 1}"` }));
    expect(category).toEqual([
      ['Query', 'Query'],
      ['Query', 'Query', 'TransactWriteItems'],
    ]);
    const priorityChange = await measure(() => alice.patch(`/incidents/${incident.id}`, { urgency: 3 }, { 'if-match': `"${incident.version + 2}"` }));
    expect(priorityChange).toEqual([
      ['BatchGetItem', 'Query'],
      ['Query', 'Query', 'TransactWriteItems'],
    ]);
    // By number: the number lookup, the matrix and the policies go out together.
    const byNumber = await measure(() => alice.patch(`/incidents/${incident.number}`, { impact: 2 }, { 'if-match': `"${incident.version + 3}"` }));
    expect(byNumber).toEqual([
      ['GetItem', 'Query', 'Query'],
      ['Query', 'Query', 'TransactWriteItems'],
    ]);
  });

  it('notes and history: a note is a read and one transaction; by id, a list is one round trip', async () => {
    const incident = created[11]!;
    expect(await measure(() => alice.post(`/incidents/${incident.id}/notes`, { body: 'hi' }))).toEqual([['Query'], ['TransactWriteItems']]);
    expect(await measure(() => alice.get(`/incidents/${incident.id}/notes`))).toEqual([['Query', 'Query']]);
    expect(await measure(() => alice.get(`/incidents/${incident.id}/history`))).toEqual([['Query', 'Query']]);
  });
});

describe('list items, against the API description', () => {
  it('carry exactly what the page schema names: an incident opened by an event lists without its live alert, as described', async () => {
    const ada = await admin(stack);
    const integration = await ada.post('/services/payments/integrations', { name: 'Alertmanager' });
    expect(integration.status).toBe(201);
    const trigger = {
      routing_key: integration.body.routingKey,
      event_action: 'trigger',
      dedup_key: 'list-item-1',
      payload: { summary: 'Disk full', source: 'db-1', severity: 'error' },
    };
    expect((await stack.anonymous.post('/v2/enqueue', trigger)).status).toBe(202);
    await stack.settled();

    const description = (await stack.anonymous.get('/openapi.json')).body;
    const pageSchema = description.paths['/incidents'].get.responses['200'].content['application/json'].schema;
    const itemRef: string = description.components.schemas[pageSchema.$ref.split('/').pop()].properties.items.items.$ref;
    const itemSchema = description.components.schemas[itemRef.split('/').pop()!];
    // Exactly: nothing the schema does not name, everything it requires.
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    ajv.addSchema({ $id: 'openapi.json', components: description.components });
    const validate = ajv.compile({ $ref: `openapi.json${itemRef}`, unevaluatedProperties: false });

    const page = await alice.get('/incidents?service=payments&limit=100');
    expect(page.status).toBe(200);
    const opened = page.body.items.find((item: Record<string, unknown>) => item.dedupKey === 'list-item-1');
    expect(opened).toBeDefined();
    for (const item of page.body.items) expect(validate(item), JSON.stringify(validate.errors)).toBe(true);

    // The full incident has its alert; the list item has whatever the item schema says, no less.
    const full = (await alice.get(`/incidents/${opened.id}`)).body;
    expect(full.alert).toMatchObject({ source: 'pagerduty', dedupKey: 'list-item-1', occurrences: 1 });
    const { alert: _alert, sla: _fullSla, ...rest } = full;
    const { sla: _itemSla, ...listed } = opened;
    expect(listed).toEqual(rest);
    if ('alert' in itemSchema.properties) expect(opened.alert).toEqual(full.alert);
    else expect(itemRef).not.toBe('#/components/schemas/Incident');
  });
});
