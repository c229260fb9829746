import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ciKey, relationshipKey, relationshipTargetIndex } from '../../functions/cmdb/store/keys.ts';
import type { PublishedEvent } from '../../local/published-log.ts';
import { type RequestCounter, startRequestCounter } from '../../local/request-counter.ts';
import { admin, agent, type Client, requester, startTestStack, type TestStack } from '../support/api.ts';

/*
 * Relationships and impact analysis over HTTP against the local stack, on the issue's graph: the
 * service `payments` depends on a load balancer in front of an API, which runs on two Lambda
 * functions using one DynamoDB table. Relationships added in either of their names, read from both
 * ends, refused when duplicated, removed by body or query; impact downstream and upstream with
 * paths, depth limits and the budget; round trips counted on the wire.
 */

let counter: RequestCounter;
let stack: TestStack;
let ada: Client;
let alice: Client;
let carol: Client;

type Ci = Record<string, any> & { id: string; version: number; name: string };

async function create(klass: string, name: string): Promise<Ci> {
  const reply = await ada.post('/cis', { class: klass, name, environment: 'prod', ownerGroup: 'database' });
  expect(reply.status, JSON.stringify(reply.body)).toBe(201);
  return reply.body;
}

async function relate(from: string, type: string, target: string, client: Client = alice): Promise<any> {
  const reply = await client.post(`/cis/${from}/relationships`, { type, target });
  expect(reply.status, JSON.stringify(reply.body)).toBe(201);
  return reply.body;
}

const impact = (id: string, query = '') => alice.get(`/cis/${id}/impact${query}`);

let lb: Ci;
let api: Ci;
let fn1: Ci;
let fn2: Ci;
let table: Ci;

beforeAll(async () => {
  counter = await startRequestCounter(inject('dynamoDbEndpoint'));
  stack = await startTestStack({ dynamoDbEndpoint: counter.endpoint });
  [ada, alice, carol] = await Promise.all([admin(stack), agent(stack), requester(stack)]);
  lb = await create('load_balancer', 'orders-alb');
  api = await create('api', 'orders-api');
  fn1 = await create('lambda_function', 'orders-create');
  fn2 = await create('lambda_function', 'orders-list');
  table = await create('dynamodb_table', 'orders');
  // Each pair in the name its writer would pick: a relationship reads the same in either.
  await relate('payments', 'depends_on', lb.id);
  await relate(lb.id, 'depends_on', api.id, ada);
  await relate(api.id, 'runs_on', fn1.id);
  await relate(fn2.id, 'hosts', api.id);
  await relate(fn1.id, 'depends_on', table.id);
  await relate(table.id, 'used_by', fn2.id);
});
afterAll(async () => {
  await stack?.stop();
  await counter?.stop();
});

describe('POST /cis/{id}/relationships', () => {
  it('adds a relationship: 201, as the CI in the path sees it', async () => {
    const [a, b] = await Promise.all([create('queue', 'orders-queue'), create('topic', 'orders-topic')]);
    const reply = await alice.post(`/cis/${a.id}/relationships`, { type: 'contained_by', target: b.id });
    expect(reply.status).toBe(201);
    expect(reply.body).toEqual({ type: 'contained_by', target: b.id, origin: 'manual', createdAt: expect.any(String), createdBy: 'alice' });
    expect(reply.headers.get('location')).toBe(`/cis/${a.id}/relationships`);
  });

  it('replays an Idempotency-Key: the retry answers as the first did, a different body with the key is 422', async () => {
    const [a, b] = await Promise.all([create('application', 'idem-app'), create('host', 'idem-host')]);
    const key = { 'idempotency-key': `rel-${a.id}` };
    const first = await alice.post(`/cis/${a.id}/relationships`, { type: 'runs_on', target: b.id }, key);
    expect(first.status).toBe(201);
    const retry = await alice.post(`/cis/${a.id}/relationships`, { type: 'runs_on', target: b.id }, key);
    expect(retry.status).toBe(201);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.body).toEqual(first.body);
    expect((await alice.post(`/cis/${a.id}/relationships`, { type: 'depends_on', target: b.id }, key)).status).toBe(422);
    // Without the key, the same request again is the duplicate it is.
    expect((await alice.post(`/cis/${a.id}/relationships`, { type: 'runs_on', target: b.id })).status).toBe(409);
    expect((await alice.get(`/cis/${b.id}/relationships`)).body.items.map((r: any) => [r.type, r.target])).toEqual([['hosts', a.id]]);
  });

  it('refuses a duplicate in either of its names (409 relationship-exists), naming it as stored', async () => {
    const again = await alice.post(`/cis/${fn1.id}/relationships`, { type: 'depends_on', target: table.id });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({
      type: expect.stringMatching(/relationship-exists$/),
      relationship: { source: fn1.id, type: 'depends_on', target: table.id },
    });
    const inverse = await alice.post(`/cis/${table.id}/relationships`, { type: 'used_by', target: fn1.id });
    expect(inverse.status).toBe(409);
  });

  it('400 for a self-relationship, an unknown type or a target that does not exist; 404 for an unknown CI', async () => {
    const self = await alice.post(`/cis/${fn1.id}/relationships`, { type: 'connects_to', target: fn1.id });
    expect(self.status).toBe(400);
    expect(self.body.errors).toEqual([expect.objectContaining({ path: 'target', message: expect.stringMatching(/itself/) })]);
    const badType = await alice.post(`/cis/${fn1.id}/relationships`, { type: 'likes', target: table.id });
    expect(badType.status).toBe(400);
    expect(badType.body.errors[0].path).toBe('type');
    const noTarget = await alice.post(`/cis/${fn1.id}/relationships`, { type: 'depends_on', target: '01JF3Q8Z7W5R6T9V2K4M000000' });
    expect(noTarget.status).toBe(400);
    expect(noTarget.body.errors[0].path).toBe('target');
    const noService = await alice.post(`/cis/${fn1.id}/relationships`, { type: 'depends_on', target: 'no-such-service' });
    expect(noService.status).toBe(400);
    const unknown = await alice.post('/cis/01JF3Q8Z7W5R6T9V2K4M000000/relationships', { type: 'depends_on', target: table.id });
    expect(unknown.status).toBe(404);
  });

  it('refuses a new relationship with a retired CI (409 ci-retired), which keeps the ones it had', async () => {
    const old = await create('host', 'old-host');
    await relate(old.id, 'hosts', fn1.id);
    const retired = await ada.put(`/cis/${old.id}`, { class: 'host', name: 'old-host', status: 'retired' }, { 'if-match': `"${old.version}"` });
    expect(retired.status, JSON.stringify(retired.body)).toBe(200);
    const refused = await alice.post(`/cis/${fn2.id}/relationships`, { type: 'runs_on', target: old.id });
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ type: expect.stringMatching(/ci-retired$/), ci: old.id });
    expect((await alice.get(`/cis/${old.id}/relationships`)).body.items.map((r: any) => [r.type, r.target])).toEqual([['hosts', fn1.id]]);
    // Removing is always allowed.
    expect((await alice.request('DELETE', `/cis/${fn1.id}/relationships`, { body: { type: 'runs_on', target: old.id } })).status).toBe(204);
  });

  it('requesters get 404; agents and admins may relate', async () => {
    expect((await carol.post(`/cis/${fn1.id}/relationships`, { type: 'depends_on', target: table.id })).status).toBe(404);
    expect((await carol.get(`/cis/${table.id}/impact`)).status).toBe(404);
    expect((await carol.get(`/cis/${table.id}/relationships`)).status).toBe(404);
  });
});

describe('GET /cis/{id}/relationships', () => {
  it('reads each relationship from both ends, in the names of each end, with the CI at the other end', async () => {
    const ofTable = await alice.get(`/cis/${table.id}/relationships`);
    expect(ofTable.status).toBe(200);
    expect(ofTable.body.items).toEqual([
      expect.objectContaining({
        type: 'used_by',
        target: fn1.id,
        origin: 'manual',
        targetCi: expect.objectContaining({ name: 'orders-create', class: 'lambda_function' }),
      }),
      expect.objectContaining({ type: 'used_by', target: fn2.id, targetCi: expect.objectContaining({ name: 'orders-list' }) }),
    ]);
    const ofFn2 = await alice.get(`/cis/${fn2.id}/relationships`);
    expect(ofFn2.body.items.map((r: any) => [r.type, r.target])).toEqual([
      ['depends_on', table.id],
      ['hosts', api.id],
    ]);
    const ofService = await alice.get('/cis/payments/relationships');
    expect(ofService.body.items).toEqual([
      expect.objectContaining({ type: 'depends_on', target: lb.id, targetCi: expect.objectContaining({ class: 'load_balancer' }) }),
    ]);
  });

  it('404 for a CI that does not exist', async () => {
    expect((await alice.get('/cis/01JF3Q8Z7W5R6T9V2K4M000000/relationships')).status).toBe(404);
  });

  it('pages (limit, nextCursor) over both ends, reading the other CIs of the page only: 2 rounds', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      counter.reset();
      const page = await alice.get(`/cis/${fn2.id}/relationships?limit=1${cursor === undefined ? '' : `&cursor=${encodeURIComponent(cursor)}`}`);
      expect(page.status).toBe(200);
      expect(page.body.items).toHaveLength(1);
      expect(page.body.items[0].targetCi).toBeDefined();
      expect(counter.rounds().map((round) => [...new Set(round)].sort())).toEqual([['GetItem', 'Query'], ['BatchGetItem']]);
      seen.push(`${page.body.items[0].type} ${page.body.items[0].target}`);
      cursor = page.body.nextCursor;
      pages++;
    } while (cursor !== undefined && pages < 5);
    expect(seen).toEqual([`depends_on ${table.id}`, `hosts ${api.id}`]);
    expect((await alice.get(`/cis/${fn2.id}/relationships?cursor=nonsense`)).status).toBe(400);
    expect((await alice.get(`/cis/${fn2.id}/relationships?limit=101`)).status).toBe(400);
  });

  it('records history on both CIs and one event', async () => {
    const history = await alice.get(`/cis/${table.id}/history`);
    expect(history.status).toBe(200);
    expect(history.body.items.filter((r: any) => r.action === 'relationship_added').map((r: any) => r.changes[0].to)).toEqual([
      { type: 'used_by', target: fn1.id, origin: 'manual' },
      { type: 'used_by', target: fn2.id, origin: 'manual' },
    ]);
    await stack.settled();
    const added = stack.published
      .events()
      .filter((e: PublishedEvent) => e.detailType === 'CI Relationship Added' && (e.detail as any).ci.id === table.id)
      .map((e) => e.detail as any);
    expect(added).toEqual([
      expect.objectContaining({
        actor: 'alice',
        ci: expect.objectContaining({ id: table.id, class: 'dynamodb_table', version: 1 }),
        relationship: { type: 'used_by', target: fn2.id, origin: 'manual' },
        relatedCi: expect.objectContaining({ id: fn2.id, class: 'lambda_function' }),
      }),
    ]);
  });
});

describe('DELETE /cis/{id}/relationships', () => {
  it('removes by JSON body, from either end and in either name; 404 once gone', async () => {
    const [a, b] = await Promise.all([create('network', 'vpc-a'), create('network', 'subnet-b')]);
    await relate(a.id, 'contains', b.id);
    const removed = await alice.request('DELETE', `/cis/${b.id}/relationships`, { body: { type: 'contained_by', target: a.id } });
    expect(removed.status).toBe(204);
    expect((await alice.get(`/cis/${a.id}/relationships`)).body.items).toEqual([]);
    const again = await alice.request('DELETE', `/cis/${b.id}/relationships`, { body: { type: 'contained_by', target: a.id } });
    expect(again.status).toBe(404);
    const history = await alice.get(`/cis/${a.id}/history`);
    expect(history.body.items.map((r: any) => r.action)).toEqual(['created', 'relationship_added', 'relationship_removed']);
  });

  it('removes by query parameters for clients that cannot send a DELETE body; 400 when neither names it', async () => {
    const [a, b] = await Promise.all([create('host', 'host-a'), create('application', 'app-b')]);
    await relate(b.id, 'runs_on', a.id);
    const missing = await alice.delete(`/cis/${b.id}/relationships?type=runs_on`);
    expect(missing.status).toBe(400);
    expect(missing.body.errors.map((e: any) => e.path)).toEqual(['target']);
    expect((await alice.delete(`/cis/${a.id}/relationships?type=hosts&target=${b.id}`)).status).toBe(204);
    expect((await alice.get(`/cis/${b.id}/relationships`)).body.items).toEqual([]);
  });
});

describe('GET /cis/{id}/impact', () => {
  it('downstream of the table: both functions, the API, the load balancer and the service, each with its path', async () => {
    const reply = await impact(table.id, '?depth=6');
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    expect(reply.body.ci).toMatchObject({ id: table.id, class: 'dynamodb_table', name: 'orders' });
    expect(reply.body.direction).toBe('downstream');
    expect(reply.body.depth).toBe(6);
    const byName = Object.fromEntries(reply.body.impacted.map((entry: any) => [entry.ci.name, entry]));
    expect(reply.body.impacted.map((entry: any) => [entry.ci.name, entry.depth])).toEqual([
      ['orders-create', 1],
      ['orders-list', 1],
      ['orders-api', 2],
      ['orders-alb', 3],
      ['Payments', 4],
    ]);
    expect(byName['orders-create'].path).toEqual([{ id: table.id, relationship: 'used_by' }]);
    expect(byName['orders-list'].path).toEqual([{ id: table.id, relationship: 'used_by' }]);
    expect(byName['orders-api'].path).toEqual([
      { id: table.id, relationship: 'used_by' },
      { id: fn1.id, relationship: 'hosts' },
    ]);
    expect(byName['orders-alb'].path.map((step: any) => step.id)).toEqual([table.id, fn1.id, api.id]);
    expect(byName.Payments.ci).toMatchObject({ id: 'payments', class: 'service', status: 'active' });
    expect(reply.body.services).toEqual(['payments']);
  });

  it('defaults to downstream at depth 3', async () => {
    const reply = await impact(table.id);
    expect(reply.body).toMatchObject({ direction: 'downstream', depth: 3 });
    expect(reply.body.impacted.map((entry: any) => entry.ci.name)).toEqual(['orders-create', 'orders-list', 'orders-api', 'orders-alb']);
    expect(reply.body.services).toEqual([]);
  });

  it('upstream of the API: the functions and the table, not what depends on the API', async () => {
    const reply = await impact(api.id, '?direction=upstream');
    expect(reply.status).toBe(200);
    expect(reply.body.impacted.map((entry: any) => [entry.ci.name, entry.depth])).toEqual([
      ['orders-create', 1],
      ['orders-list', 1],
      ['orders', 2],
    ]);
    expect(reply.body.impacted[2].path).toEqual([
      { id: api.id, relationship: 'runs_on' },
      { id: fn1.id, relationship: 'depends_on' },
    ]);
  });

  it('depth limits: 1 reaches the nearest only; below 1, above 6 or not a number is 400', async () => {
    const nearest = await impact(table.id, '?depth=1');
    expect(nearest.body.impacted.map((entry: any) => entry.ci.name)).toEqual(['orders-create', 'orders-list']);
    for (const bad of ['?depth=0', '?depth=7', '?depth=deep', '?direction=sideways']) {
      const reply = await impact(table.id, bad);
      expect(reply.status, bad).toBe(400);
    }
  });

  it('404 for a CI that does not exist', async () => {
    expect((await impact('01JF3Q8Z7W5R6T9V2K4M000000')).status).toBe(404);
    expect((await impact('no-such-service')).status).toBe(404);
  });

  it('a cycle is followed once', async () => {
    const [a, b, c] = await Promise.all([create('application', 'ring-a'), create('application', 'ring-b'), create('application', 'ring-c')]);
    await relate(a.id, 'depends_on', b.id);
    await relate(b.id, 'depends_on', c.id);
    await relate(c.id, 'depends_on', a.id);
    const reply = await impact(a.id, '?depth=6');
    expect(reply.body.impacted.map((entry: any) => [entry.ci.name, entry.depth])).toEqual([
      ['ring-c', 1],
      ['ring-b', 2],
    ]);
  });

  it('depth 3 is at most 3 rounds of Queries and one BatchGet', async () => {
    counter.reset();
    counter.setLatency(30);
    try {
      expect((await impact(table.id, '?depth=3')).status).toBe(200);
    } finally {
      counter.setLatency(0);
    }
    const rounds = counter.rounds().map((round) => [...new Set(round)].sort());
    expect(rounds).toEqual([['Query'], ['Query'], ['Query'], ['BatchGetItem']]);
  });

  it('a hub of 600 dependents answers at depth 1 (one round of Queries, one of BatchGets); past the budget of 2000: 400 impact-too-large, never more read than the budget', async () => {
    const hub = await create('network', 'shared-vpc');
    const documents = DynamoDBDocumentClient.from(
      new DynamoDBClient({ endpoint: stack.dynamoDbEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }),
    );
    const now = new Date().toISOString();
    // 600 CIs (as an AWS-fed estate names them) depend on the hub, written as ci-store.ts and
    // relationships.ts store them (keys.ts): 1200 API calls would only make this slower.
    const stored = (source: string, target: string) => ({
      ...relationshipKey(source, 'depends_on', target),
      ...relationshipTargetIndex(source, 'depends_on', target),
      entity: 'ci-relationship',
      source,
      type: 'depends_on',
      target,
      origin: 'aws-config',
      createdAt: now,
      createdBy: 'aws-config',
    });
    const ciRecord = (id: string, i: number) => ({
      ...ciKey(id),
      entity: 'ci',
      id,
      class: 'lambda_function',
      name: `orders-service-prod-eu-west-1-handler-${i}`,
      ownerGroup: 'payments-platform',
      environment: 'production',
      status: 'active',
      attributes: {},
      source: 'aws-config',
      createdAt: now,
      updatedAt: now,
      version: 1,
    });
    const dependent = (i: number) => `01JF3Q8Z7W5R6T9V2K4B${String(i).padStart(6, '0')}`;
    const write = async (items: Record<string, unknown>[]) => {
      for (let start = 0; start < items.length; start += 25) {
        await documents.send(
          new BatchWriteCommand({ RequestItems: { [stack.tableName]: items.slice(start, start + 25).map((Item) => ({ PutRequest: { Item } })) } }),
        );
      }
    };
    const first = Array.from({ length: 600 }, (_, i) => dependent(i));
    await write([...first.map((id) => stored(id, hub.id)), ...first.map((id, i) => ciRecord(id, i))]);

    counter.reset();
    counter.setLatency(30);
    let fits: Awaited<ReturnType<typeof impact>>;
    try {
      fits = await impact(hub.id, '?depth=1');
    } finally {
      counter.setLatency(0);
    }
    expect(fits.status, JSON.stringify(fits.body).slice(0, 500)).toBe(200);
    expect(fits.body.impacted).toHaveLength(600);
    // The 601 CIs read in one round: 7 BatchGets of at most 100 in flight together.
    expect(counter.rounds().map((round) => [...new Set(round)])).toEqual([['Query'], ['BatchGetItem']]);
    expect(counter.rounds()[1]).toHaveLength(7);
    // About 190 bytes a CI at depth 1: the 2000 CIs the budget can reach, each with a path of 6, stay far below 6 MB.
    expect(JSON.stringify(fits.body).length / 600).toBeLessThan(300);

    // Depth 2: 600 CIs are 1800 Queries, and 1400 items are left: not even one each, so the level is not read.
    counter.reset();
    const tooDeep = await impact(hub.id, '?depth=2');
    expect(tooDeep.status).toBe(400);
    expect(tooDeep.body).toMatchObject({ type: expect.stringMatching(/impact-too-large$/), budget: 2000, itemsRead: 600, suggestedDepth: 1 });
    expect(tooDeep.body.detail).toMatch(/depth=1/);
    expect(counter.operations().filter((operation) => operation === 'Query')).toHaveLength(3);

    // 100 more dependents: 700 are more than one Query's share (666), which stops at it.
    await write(Array.from({ length: 100 }, (_, i) => stored(dependent(600 + i), hub.id)));
    documents.destroy();
    const tooLarge = await impact(hub.id, '?depth=1');
    expect(tooLarge.status).toBe(400);
    expect(tooLarge.body).toMatchObject({ type: expect.stringMatching(/impact-too-large$/), budget: 2000, itemsRead: 666 });
    expect(tooLarge.body.suggestedDepth).toBeUndefined();
  }, 90_000); // 1,200 items written before the reads: about 8 s alone, 30 s on a busy 2-core machine
});

describe('a service related in the CMDB', () => {
  it('cannot be deleted while relationships name it (409 service-in-use, naming them)', async () => {
    const current = await ada.get('/services/payments');
    const refused = await ada.delete('/services/payments', { 'if-match': current.headers.get('etag') ?? '' });
    expect(refused.status).toBe(409);
    expect(refused.body.references).toEqual(expect.arrayContaining([{ kind: 'ci-relationship', id: lb.id, field: 'depends_on' }]));
  });
});
