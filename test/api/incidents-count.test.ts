import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { invokeFunction } from '../../local/invoke.ts';
import { type RequestCounter, startRequestCounter } from '../../local/request-counter.ts';
import { agent, type Client, requester, startTestStack, type TestStack } from '../support/api.ts';
import { roundTripsOf } from '../support/round-trips.ts';

// GET /incidents?count=true (issue 17): `total` from the counters the table stream keeps, over real
// HTTP and DynamoDB Local; every DynamoDB request goes through a counting proxy.
let counter: RequestCounter;
let stack: TestStack;
let alice: Client;
let carol: Client;
const created: Record<string, any>[] = [];

beforeAll(async () => {
  counter = await startRequestCounter(inject('dynamoDbEndpoint'));
  stack = await startTestStack({ dynamoDbEndpoint: counter.endpoint });
  alice = await agent(stack);
  carol = await requester(stack);
  const specs = [
    { service: 'email', assignmentGroup: 'network', assignee: 'nina', impact: 1, urgency: 1 },
    { service: 'email', assignmentGroup: 'database', impact: 2, urgency: 2 },
    { service: 'vpn', assignmentGroup: 'network', impact: 3, urgency: 3, caller: 'carol' },
    { service: 'payments', impact: 2, urgency: 1, caller: 'carol' },
  ];
  for (let i = 0; i < 12; i++) {
    const reply = await alice.post('/incidents', { title: `count ${i}`, ...specs[i % specs.length] });
    expect(reply.status).toBe(201);
    created.push(reply.body);
  }
  await stack.settled();
});
afterAll(async () => {
  await stack?.stop();
  await counter?.stop();
});

async function total(client: Client, query: string): Promise<number> {
  const reply = await client.get(`/incidents?count=true${query === '' ? '' : `&${query}`}`);
  expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  expect(typeof reply.body.total).toBe('number');
  return reply.body.total;
}

/** What the list itself holds: every page. */
async function listed(client: Client, query: string): Promise<number> {
  let count = 0;
  let cursor: string | undefined;
  do {
    const reply = await client.get(`/incidents?limit=100${query === '' ? '' : `&${query}`}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    expect(reply.status).toBe(200);
    count += reply.body.items.length;
    cursor = reply.body.nextCursor;
  } while (cursor !== undefined);
  return count;
}

async function patch(incident: Record<string, any>, body: Record<string, unknown>) {
  const reply = await alice.patch(`/incidents/${incident.id}`, body, { 'if-match': `"${incident.version}"` });
  expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  Object.assign(incident, reply.body);
}

const QUERIES = [
  '',
  'status=new',
  'status=new,in_progress',
  'assignmentGroup=network',
  'assignmentGroup=network,database&status=new,in_progress',
  'priority=P1',
  'priority=P1,P2&status=new',
  'assignee=nina&status=new,in_progress',
  'service=email&status=in_progress',
  'caller=carol',
  'assignmentGroup=network&priority=P1&status=in_progress',
];

describe('GET /incidents?count=true', () => {
  it('answers the number of incidents the list holds, beside the first page', async () => {
    for (const query of QUERIES) expect(await total(alice, query), query).toBe(await listed(alice, query));
    expect(await total(alice, '')).toBe(12);
    const page = await alice.get('/incidents?count=true&status=new&limit=5');
    expect(page.body.items).toHaveLength(5);
    expect(page.body.total).toBe(12);
    expect(page.body.nextCursor).toBeDefined();
    // Without count=true, no total.
    expect((await alice.get('/incidents?limit=1')).body.total).toBeUndefined();
    expect((await alice.get('/incidents?limit=1&count=false')).body.total).toBeUndefined();
  });

  it('follows status, group, priority and assignee changes once the stream has passed them', async () => {
    const [first, second, third] = created as [Record<string, any>, Record<string, any>, Record<string, any>];
    await patch(first, { status: 'in_progress' });
    await patch(second, { assignmentGroup: 'network', assignee: 'bob' });
    await patch(third, { impact: 1, urgency: 1 }); // P4 -> P1
    await patch(third, { title: 'moves no counter' });
    await stack.settled();
    expect(await total(alice, 'status=in_progress')).toBe(1);
    expect(await total(alice, 'status=new')).toBe(11);
    expect(await total(alice, 'assignmentGroup=network&status=new')).toBe(6); // 3 + 3 - 1 (first) + 1 (second)
    expect(await total(alice, 'assignee=bob')).toBe(1);
    expect(await total(alice, 'priority=P4')).toBe(2);
    expect(await total(alice, 'priority=P1')).toBe(4);
    for (const query of QUERIES) expect(await total(alice, query), query).toBe(await listed(alice, query));
  });

  it("counts a requester's own incidents, and nobody else's", async () => {
    expect(await total(carol, '')).toBe(6);
    expect(await total(carol, '')).toBe(await listed(carol, ''));
    expect(await total(carol, 'status=new')).toBe(6);
    const others = await carol.get('/incidents?count=true&caller=bob');
    expect(others.body).toEqual({ items: [], total: 0 });
  });

  it('refuses filters no counter is kept for: a 400 on `count` saying what can be counted', async () => {
    for (const query of ['openedAfter=2026-01-01T00:00:00Z', 'assignee=nina&priority=P1', 'service=email&caller=carol']) {
      const reply = await alice.get(`/incidents?count=true&${query}`);
      expect(reply.status, query).toBe(400);
      expect(reply.headers.get('content-type')).toContain('application/problem+json');
      expect(reply.body.errors).toEqual([
        expect.objectContaining({ location: 'query', path: 'count', message: expect.stringContaining('Counted: no filter; status;') }),
      ]);
    }
    // The same filters list without counting.
    expect((await alice.get('/incidents?openedAfter=2026-01-01T00:00:00Z')).status).toBe(200);
    const bad = await alice.get('/incidents?count=yes');
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].path).toBe('count');
  });

  it('reads the counters beside the Query: one round trip, as the list alone', async () => {
    const rounds = await roundTripsOf(stack, counter, () => alice.get('/incidents?status=new,in_progress&count=true'));
    expect(rounds).toEqual([['BatchGetItem', 'Query', 'Query']]);
    // A first page of one queue is its head (a GetItem), beside the counter.
    expect(await roundTripsOf(stack, counter, () => alice.get('/incidents?count=true'))).toEqual([['BatchGetItem', 'GetItem']]);
  });

  it('a stream batch delivered again counts nothing twice', async () => {
    const incident = created[5] as Record<string, any>;
    const stored = await stack.settled().then(() => storedIncident(incident.id));
    const record = {
      eventName: 'INSERT',
      dynamodb: { Keys: marshall({ pk: stored.pk, sk: stored.sk }), NewImage: marshall(stored), SequenceNumber: '1' },
    };
    const before = await Promise.all(QUERIES.map((query) => total(alice, query)));
    for (let i = 0; i < 2; i++) expect(await invokeFunction('keepQueues', { Records: [record] })).toEqual({ batchItemFailures: [] });
    expect(await Promise.all(QUERIES.map((query) => total(alice, query)))).toEqual(before);
  });
});

async function storedIncident(id: string): Promise<Record<string, any>> {
  const { DynamoDBClient } = await import('@aws-sdk/client-dynamodb');
  const { DynamoDBDocumentClient } = await import('@aws-sdk/lib-dynamodb');
  const client = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: stack.dynamoDbEndpoint, region: 'us-east-1' }));
  try {
    const { Item } = await client.send(new GetCommand({ TableName: stack.tableName, Key: { pk: `INCIDENT#${id}`, sk: 'INCIDENT' }, ConsistentRead: true }));
    expect(Item).toBeDefined();
    return Item as Record<string, any>;
  } finally {
    client.destroy();
  }
}
