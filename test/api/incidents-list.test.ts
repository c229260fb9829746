import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { type RequestCounter, startRequestCounter } from '../../local/request-counter.ts';
import { admin, agent, type Client, startTestStack, type TestStack } from '../support/api.ts';

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
  ];
  for (const [query, matches] of cases) {
    it(`filters by ${query} with index Queries only, never a Scan`, async () => {
      counter.reset();
      const items = await listAll(query, 3);
      expect(items.map((i) => i.number)).toEqual(newestFirst(created.filter(matches)));
      const operations = counter.operations();
      expect(operations.length).toBeGreaterThan(0);
      expect(new Set(operations)).toEqual(new Set(['Query']));
    });
  }
});

describe('DynamoDB round trips per request (hard budgets)', () => {
  /** DynamoDB requests grouped into round trips: requests in flight together are one. */
  async function measure(run: () => Promise<{ status: number }>): Promise<string[][]> {
    // The stream consumers (the outbox publisher) read the table too: let them finish first.
    await stack.settled();
    counter.reset();
    counter.setLatency(30);
    try {
      const reply = await run();
      expect(reply.status).toBeLessThan(300);
    } finally {
      counter.setLatency(0);
    }
    return counter.rounds().map((round) => round.sort());
  }

  it('create <= 2 (allocate the number while reading the SLA policies, one transaction)', async () => {
    const operations = await measure(() => alice.post('/incidents', { title: 'budget', service: 'email', assignmentGroup: 'network', assignee: 'nina' }));
    expect(operations).toEqual([['Query', 'UpdateItem'], ['TransactWriteItems']]);
  });

  it('read by id or number <= 1', async () => {
    const incident = created[0]!;
    // By id: one Query reads the incident and, for incidents opened by events, its alert item.
    expect(await measure(() => alice.get(`/incidents/${incident.id}`))).toEqual([['Query']]);
    expect(await measure(() => alice.get(`/incidents/${incident.number}`))).toEqual([['Query']]);
  });

  it('list <= 1 per page', async () => {
    expect(await measure(() => alice.get('/incidents?limit=10'))).toEqual([['Query']]);
    expect(await measure(() => alice.get('/incidents?status=new&limit=10'))).toEqual([['Query']]);
  });

  it('update <= 2, including changes that need the matrix and the SLA policies', async () => {
    const incident = created[10]!;
    const fieldChange = await measure(() => alice.patch(`/incidents/${incident.id}`, { title: 'renamed' }, { 'if-match': `"${incident.version}"` }));
    expect(fieldChange).toEqual([['Query'], ['TransactWriteItems']]);
    // A category can change which SLA policy applies: the policies are read beside the incident.
    const category = await measure(() => alice.patch(`/incidents/${incident.id}`, { category: 'mail' }, { 'if-match': `"${incident.version + 1}"` }));
    expect(category).toEqual([['Query', 'Query'], ['TransactWriteItems']]);
    const priorityChange = await measure(() => alice.patch(`/incidents/${incident.id}`, { urgency: 3 }, { 'if-match': `"${incident.version + 2}"` }));
    expect(priorityChange).toEqual([['BatchGetItem', 'Query'], ['TransactWriteItems']]);
    // By number: the number lookup, the matrix and the policies go out together.
    const byNumber = await measure(() => alice.patch(`/incidents/${incident.number}`, { impact: 2 }, { 'if-match': `"${incident.version + 3}"` }));
    expect(byNumber).toEqual([['GetItem', 'Query', 'Query'], ['TransactWriteItems']]);
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
    const trigger = { routing_key: integration.body.routingKey, event_action: 'trigger', dedup_key: 'list-item-1', payload: { summary: 'Disk full', source: 'db-1', severity: 'error' } };
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
