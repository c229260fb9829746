import { readFileSync } from 'node:fs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ciKey, relationshipKey, relationshipTargetIndex } from '../../functions/cmdb/store/keys.ts';
import type { PublishedEvent } from '../../local/published-log.ts';
import { type RequestCounter, startRequestCounter } from '../../local/request-counter.ts';
import { admin, agent, type Client, requester, startTestStack, type TestStack } from '../support/api.ts';
import { roundTripsOf } from '../support/round-trips.ts';

/*
 * Configuration items over HTTP against the local stack: create (Idempotency-Key), read, list with
 * its filters and pages, replace with If-Match, retire, delete (with the relationships naming the
 * CI), history, events; classes and their attribute schemas; the directory's services as CIs;
 * roles (requesters 404, agents read, admins write); and the round trip of a read.
 */

let counter: RequestCounter;
let stack: TestStack;
let ada: Client;
let alice: Client;
let carol: Client;

type Ci = Record<string, any> & { id: string; version: number; name: string; status: string };

const ifMatch = (ci: { version: number }) => ({ 'if-match': `"${ci.version}"` });
/** Names no other test in this file uses: every list below is narrowed to its own CIs. */
let uniqueCount = 0;
const unique = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${++uniqueCount}`;

async function create(body: Record<string, unknown>, headers?: Record<string, string>): Promise<Ci> {
  const reply = await ada.post('/cis', body, headers);
  expect(reply.status, JSON.stringify(reply.body)).toBe(201);
  return reply.body;
}

beforeAll(async () => {
  counter = await startRequestCounter(inject('dynamoDbEndpoint'));
  stack = await startTestStack({ dynamoDbEndpoint: counter.endpoint });
  [ada, alice, carol] = await Promise.all([admin(stack), agent(stack), requester(stack)]);
});
afterAll(async () => {
  await stack?.stop();
  await counter?.stop();
});

describe('POST /cis', () => {
  it('creates a CI: 201, ULID id, Location, ETag, fields in the documented order, source manual, version 1', async () => {
    const reply = await ada.post('/cis', {
      class: 'lambda_function',
      name: 'checkout-handler',
      description: 'Takes the orders',
      ownerGroup: 'service-desk',
      environment: 'prod',
      attributes: { runtime: 'nodejs22.x', memorySize: 512 },
      externalId: `arn:aws:lambda:eu-west-1:111122223333:function:${unique('checkout')}`,
    });
    expect(reply.status, JSON.stringify(reply.body)).toBe(201);
    const ci = reply.body;
    expect(ci).toMatchObject({ class: 'lambda_function', name: 'checkout-handler', status: 'active', source: 'manual', version: 1 });
    expect(ci.id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(reply.headers.get('location')).toBe(`/cis/${ci.id}`);
    expect(reply.headers.get('etag')).toBe('"1"');
    const { CI_FIELD_ORDER } = await import('../../functions/cmdb/domain/ci.ts');
    const order = Object.keys(ci);
    expect(order).toEqual(CI_FIELD_ORDER.filter((field) => order.includes(field)));
  });

  it('replays an Idempotency-Key: the same CI, no second one; another body with the key is 422', async () => {
    const name = unique('idem');
    const body = { class: 'generic', name };
    const first = await ada.post('/cis', body, { 'idempotency-key': name });
    const again = await ada.post('/cis', body, { 'idempotency-key': name });
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body.id).toBe(first.body.id);
    const listed = await alice.get(`/cis?q=${name}`);
    expect(listed.body.items).toHaveLength(1);
    expect((await ada.post('/cis', { ...body, description: 'other' }, { 'idempotency-key': name })).status).toBe(422);
  });

  it("validates attributes against the class's schema, naming each attribute at fault; an unknown class is 400 on class", async () => {
    const bad = await ada.post('/cis', { class: 'lambda_function', name: 'tiny', attributes: { memorySize: 64, runtime: 7 } });
    expect(bad.status).toBe(400);
    expect(bad.body.type).toMatch(/validation-error$/);
    expect(bad.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['attributes.memorySize', 'attributes.runtime']);
    const unknown = await ada.post('/cis', { class: 'no-such-class', name: 'x' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors.map((e: { path: string }) => e.path)).toEqual(['class']);
    // No such service exists: not "this CI is the directory's service" but a 400 telling where services are made.
    const service = await ada.post('/cis', { class: 'service', name: 'x' });
    expect(service.status).toBe(400);
    expect(service.body.type).toMatch(/validation-error$/);
    expect(service.body.errors.map((e: { path: string }) => e.path)).toEqual(['class']);
    expect(service.body.errors[0].message).toContain('POST /services');
    const own = await create({ class: 'generic', name: unique('to-service') });
    const toService = await ada.put(`/cis/${own.id}`, { class: 'service', name: own.name }, ifMatch(own));
    expect(toService.status).toBe(400);
    expect(toService.body.errors.map((e: { path: string }) => e.path)).toEqual(['class']);
  });

  it('an external id is held by one CI: a second claim is 409 already-exists naming the holder; ?externalId= finds it', async () => {
    const arn = `arn:aws:dynamodb:eu-west-1:111122223333:table/${unique('orders')}`;
    const holder = await create({ class: 'dynamodb_table', name: 'orders', externalId: arn, attributes: { billingMode: 'PAY_PER_REQUEST' } });
    const second = await ada.post('/cis', { class: 'dynamodb_table', name: 'orders-copy', externalId: arn });
    expect(second.status).toBe(409);
    expect(second.body).toMatchObject({ ci: holder.id });
    expect(second.body.type).toMatch(/already-exists$/);
    const found = await alice.get(`/cis?externalId=${encodeURIComponent(arn)}`);
    expect(found.body.items.map((ci: Ci) => ci.id)).toEqual([holder.id]);
    expect((await alice.get(`/cis?externalId=${encodeURIComponent(arn)}&class=queue`)).body.items).toEqual([]);
  });
});

describe('roles', () => {
  it('requesters get 404 on every CMDB route; agents read but do not write (403)', async () => {
    const ci = await create({ class: 'generic', name: unique('roles') });
    for (const [method, path] of [
      ['GET', `/cis/${ci.id}`],
      ['GET', '/cis'],
      ['GET', `/cis/${ci.id}/history`],
      ['GET', '/ci-classes'],
      ['GET', '/ci-classes/generic'],
      ['GET', '/cmdb-config'],
      ['GET', '/cis/payments'],
    ] as const) {
      expect((await carol.request(method, path)).status, path).toBe(404);
    }
    expect((await carol.post('/cis', { class: 'generic', name: 'x' })).status).toBe(404);
    expect((await carol.put(`/cis/${ci.id}`, { class: 'generic', name: 'x' }, ifMatch(ci))).status).toBe(404);
    expect((await alice.get(`/cis/${ci.id}`)).status).toBe(200);
    expect((await alice.post('/cis', { class: 'generic', name: 'x' })).status).toBe(403);
    expect((await alice.put(`/cis/${ci.id}`, { class: 'generic', name: 'x' }, ifMatch(ci))).status).toBe(403);
    expect((await alice.delete(`/cis/${ci.id}`, ifMatch(ci))).status).toBe(403);
    expect((await alice.put('/ci-classes/generic', { attributesSchema: true })).status).toBe(403);
    expect((await alice.put('/cmdb-config', { ownerGroupTag: 'a', environmentTag: 'b' }, { 'if-match': '"0"' })).status).toBe(403);
  });
});

describe('GET /cis (lists)', () => {
  it('filters by class, owner group, environment, status and name prefix, by name; pages with a cursor', async () => {
    const prefix = unique('list');
    const a = await create({ class: 'queue', name: `${prefix}-b`, ownerGroup: 'network', environment: 'prod' });
    const b = await create({ class: 'queue', name: `${prefix}-A`, ownerGroup: 'database', environment: 'dev' });
    const c = await create({ class: 'topic', name: `${prefix}-c`, ownerGroup: 'network', environment: 'prod', status: 'retired' });
    const ids = async (query: string) => (await alice.get(`/cis?q=${prefix}&${query}`)).body.items.map((ci: Ci) => ci.id);
    expect(await ids('')).toEqual([b.id, a.id, c.id]);
    expect(await ids('class=queue')).toEqual([b.id, a.id]);
    expect(await ids('ownerGroup=network')).toEqual([a.id, c.id]);
    expect(await ids('environment=dev')).toEqual([b.id]);
    expect(await ids('status=retired')).toEqual([c.id]);
    expect(await ids('class=topic&environment=prod&status=active')).toEqual([]);
    expect(await ids('ownerGroup=network&environment=prod&status=active')).toEqual([a.id]);

    const first = await alice.get(`/cis?q=${prefix}&limit=2`);
    expect(first.body.items.map((ci: Ci) => ci.id)).toEqual([b.id, a.id]);
    const second = await alice.get(`/cis?q=${prefix}&limit=2&cursor=${first.body.nextCursor}`);
    expect(second.body.items.map((ci: Ci) => ci.id)).toEqual([c.id]);
    expect(second.body.nextCursor).toBeUndefined();
    expect((await alice.get(`/cis?q=${prefix}&class=queue&cursor=${first.body.nextCursor}`)).status).toBe(400);
  });
});

describe('PUT /cis/{id}, retire, DELETE /cis/{id}, history, events', () => {
  it('replaces with If-Match (428 without, 412 stale), changes nothing when equal, retires, deletes; history and events tell it', async () => {
    const ci = await create({ class: 'application', name: unique('app'), ownerGroup: 'network', attributes: { version: '1.0' } });
    const body = { class: 'application', name: ci.name, ownerGroup: 'database', environment: 'staging', attributes: { version: '1.1' } };
    expect((await ada.put(`/cis/${ci.id}`, body)).status).toBe(428);
    const replaced = await ada.put(`/cis/${ci.id}`, body, ifMatch(ci));
    expect(replaced.status, JSON.stringify(replaced.body)).toBe(200);
    expect(replaced.body).toMatchObject({ ownerGroup: 'database', environment: 'staging', attributes: { version: '1.1' }, version: 2 });
    expect(replaced.headers.get('etag')).toBe('"2"');
    const stale = await ada.put(`/cis/${ci.id}`, body, ifMatch(ci));
    expect(stale.status).toBe(412);
    expect(stale.body.currentEtag).toBe('"2"');
    expect((await ada.put(`/cis/${ci.id}`, body, ifMatch(replaced.body))).body.version).toBe(2);
    const badAttributes = await ada.put(`/cis/${ci.id}`, { ...body, attributes: { version: 11 } }, ifMatch(replaced.body));
    expect(badAttributes.status).toBe(400);
    expect(badAttributes.body.errors[0].path).toBe('attributes.version');

    const retired = await ada.put(`/cis/${ci.id}`, { ...body, status: 'retired' }, ifMatch(replaced.body));
    expect(retired.body).toMatchObject({ status: 'retired', version: 3 });
    expect((await ada.delete(`/cis/${ci.id}`)).status).toBe(428);
    expect((await ada.delete(`/cis/${ci.id}`, ifMatch(replaced.body))).status).toBe(412);

    const history = await alice.get(`/cis/${ci.id}/history`);
    expect(history.body.items.map((r: { action: string; version: number }) => [r.action, r.version])).toEqual([
      ['created', 1],
      ['updated', 2],
      ['updated', 3],
    ]);
    expect(history.body.items[2].changes).toEqual([{ field: 'status', from: 'active', to: 'retired' }]);

    expect((await ada.delete(`/cis/${ci.id}`, ifMatch(retired.body))).status).toBe(204);
    expect((await alice.get(`/cis/${ci.id}`)).status).toBe(404);
    // Its history is kept and still reads, ending with the deletion; to requesters it does not exist.
    const kept = await alice.get(`/cis/${ci.id}/history`);
    expect(kept.status).toBe(200);
    expect(kept.body.items.map((r: { action: string; version: number }) => [r.action, r.version])).toEqual([
      ['created', 1],
      ['updated', 2],
      ['updated', 3],
      ['deleted', 3],
    ]);
    expect((await carol.get(`/cis/${ci.id}/history`)).status).toBe(404);
    expect((await alice.get('/cis/01JZZZZZZZZZZZZZZZZZZZZZZZ/history')).status).toBe(404);
    expect((await ada.delete(`/cis/${ci.id}`, ifMatch(retired.body))).status).toBe(404);

    await stack.settled();
    const events = stack.published.events().filter((e: PublishedEvent) => (e.detail as { ci?: { id: string } }).ci?.id === ci.id);
    expect(events.map((e) => e.detailType)).toEqual(['CI Created', 'CI Updated', 'CI Retired', 'CI Deleted']);
    expect(events.map((e) => (e.detail as { ci: { version: number } }).ci.version)).toEqual([1, 2, 3, 3]);
    expect((events[1]?.detail as { changes: unknown[] }).changes).toContainEqual({ field: 'attributes' });
  });

  it('an external id freed by a delete or a replace can be claimed again', async () => {
    const arn = `arn:aws:sqs:eu-west-1:111122223333:${unique('q')}`;
    const first = await create({ class: 'queue', name: 'jobs', externalId: arn });
    const moved = await ada.put(`/cis/${first.id}`, { class: 'queue', name: 'jobs' }, ifMatch(first));
    expect(moved.status).toBe(200);
    const second = await create({ class: 'queue', name: 'jobs-2', externalId: arn });
    expect((await ada.delete(`/cis/${second.id}`, ifMatch(second))).status).toBe(204);
    await create({ class: 'queue', name: 'jobs-3', externalId: arn });
  });
});

describe('owner groups', () => {
  it("an admin's write must name an existing group: 400 on ownerGroup, on create and on replace", async () => {
    const missing = await ada.post('/cis', { class: 'generic', name: unique('owned'), ownerGroup: 'no-such-group' });
    expect(missing.status, JSON.stringify(missing.body)).toBe(400);
    expect(missing.body.errors).toEqual([expect.objectContaining({ path: 'ownerGroup', message: "There is no group named 'no-such-group'" })]);
    const ci = await create({ class: 'generic', name: unique('owned'), ownerGroup: 'network' });
    const replaced = await ada.put(`/cis/${ci.id}`, { class: 'generic', name: ci.name, ownerGroup: 'no-such-group' }, ifMatch(ci));
    expect(replaced.status).toBe(400);
    expect(replaced.body.errors.map((e: { path: string }) => e.path)).toEqual(['ownerGroup']);
    expect((await alice.get(`/cis/${ci.id}`)).body).toMatchObject({ ownerGroup: 'network', version: 1 });
  });

  it('a group that CIs own cannot be deleted (409 group-in-use naming each CI); once none does, it can', async () => {
    const group = unique('ci-owners');
    expect((await ada.post('/groups', { name: group, members: [] })).status).toBe(201);
    const ci = await create({ class: 'queue', name: unique('owned-queue'), ownerGroup: group });
    const groupEtag = async () => `"${(await ada.get(`/groups/${group}`)).body.version}"`;
    const refused = await ada.delete(`/groups/${group}`, { 'if-match': await groupEtag() });
    expect(refused.status, JSON.stringify(refused.body)).toBe(409);
    expect(refused.body.type).toMatch(/group-in-use$/);
    expect(refused.body.references).toEqual([{ kind: 'ci', id: ci.id, field: 'ownerGroup' }]);
    expect((await ada.put(`/cis/${ci.id}`, { class: 'queue', name: ci.name, ownerGroup: 'network' }, ifMatch(ci))).status).toBe(200);
    expect((await ada.delete(`/groups/${group}`, { 'if-match': await groupEtag() })).status).toBe(204);
  });

  it("the AWS feed keeps a tag's owner group as written, even when no group has that name", async () => {
    const fixture = JSON.parse(readFileSync(new URL('../fixtures/aws-config/batch-get-resource-config.json', import.meta.url), 'utf8'));
    const resourceId = unique('tagged-worker');
    const item = {
      ...fixture.baseConfigurationItems[0],
      arn: `arn:aws:lambda:eu-west-1:123456789012:function:${resourceId}`,
      resourceId,
      resourceName: resourceId,
      supplementaryConfiguration: { Tags: JSON.stringify({ 'itsm:owner-group': 'no-such-team' }) },
    };
    const imported = await ada.post('/cis/import', { baseConfigurationItems: [item], unprocessedResourceKeys: [] });
    expect(imported.status, JSON.stringify(imported.body)).toBe(200);
    expect(imported.body).toMatchObject({ created: 1, failed: [] });
    const listed = await alice.get(`/cis?externalId=${encodeURIComponent(item.arn)}`);
    expect(listed.body.items).toEqual([expect.objectContaining({ ownerGroup: 'no-such-team', source: 'aws-config' })]);
  });
});

describe('relationships and deletion', () => {
  it('a deleted CI takes its relationships with it (both ends), in the same transaction', async () => {
    const table = await create({ class: 'dynamodb_table', name: unique('table') });
    const fn = await create({ class: 'lambda_function', name: unique('fn') });
    const added = await ada.post(`/cis/${fn.id}/relationships`, { type: 'depends_on', target: table.id });
    expect(added.status, JSON.stringify(added.body)).toBe(201);
    expect((await alice.get(`/cis/${table.id}/relationships`)).body.items).toHaveLength(1);
    const current = (await alice.get(`/cis/${fn.id}`)).body;
    expect((await ada.delete(`/cis/${fn.id}`, ifMatch(current))).status).toBe(204);
    expect((await alice.get(`/cis/${table.id}/relationships`)).body.items).toEqual([]);
    await stack.settled();
    const deleted = stack.published.events().find((e) => e.detailType === 'CI Deleted' && (e.detail as { ci: { id: string } }).ci.id === fn.id);
    expect((deleted?.detail as { relationshipsRemoved?: number }).relationshipsRemoved).toBe(1);
  });

  it('more than 30 relationships (the cap): 409 too-many-relationships, nothing deleted', async () => {
    const hub = await create({ class: 'network', name: unique('hub') });
    const documents = DynamoDBDocumentClient.from(
      new DynamoDBClient({ endpoint: stack.dynamoDbEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }),
    );
    // Relationship items as relationships.ts stores them (keys.ts), written directly: 31 API calls would only make this slower.
    const items = Array.from({ length: 31 }, (_, i) => {
      const source = `01JF3Q8Z7W5R6T9V2K4M${String(i).padStart(6, '0')}`;
      return {
        ...relationshipKey(source, 'depends_on', hub.id),
        ...relationshipTargetIndex(source, 'depends_on', hub.id),
        entity: 'ci-relationship',
        source,
        type: 'depends_on',
        target: hub.id,
        origin: 'manual',
        createdAt: new Date().toISOString(),
        createdBy: 'test',
      };
    });
    for (let i = 0; i < items.length; i += 25) {
      await documents.send(new BatchWriteCommand({ RequestItems: { [stack.tableName]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) } }));
    }
    const refused = await ada.delete(`/cis/${hub.id}`, ifMatch(hub));
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ limit: 30 });
    expect(refused.body.type).toMatch(/too-many-relationships$/);
    expect((await alice.get(`/cis/${hub.id}`)).status).toBe(200);
    documents.destroy();
  });

  it('the directory refuses to delete a service while CMDB relationships name it (409 service-in-use)', async () => {
    const app = await create({ class: 'application', name: unique('vpn-client') });
    expect((await ada.post(`/cis/${app.id}/relationships`, { type: 'depends_on', target: 'vpn' })).status).toBe(201);
    const refused = await ada.delete('/services/vpn', { 'if-match': `"${(await ada.get('/services/vpn')).body.version}"` });
    expect(refused.status).toBe(409);
    expect(refused.body.type).toMatch(/service-in-use$/);
    expect(refused.body.references).toContainEqual({ kind: 'ci-relationship', id: app.id, field: 'depends_on' });
  });
});

describe("the directory's services as CIs", () => {
  it('GET /cis/{name} reads the service as a CI of class service; writes are 409 ci-is-a-service', async () => {
    const service = (await ada.get('/services/payments')).body;
    const reply = await alice.get('/cis/payments');
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({
      id: 'payments',
      class: 'service',
      name: 'Payments',
      ownerGroup: 'database',
      status: 'active',
      attributes: { criticality: 'critical', urgent: false },
      source: 'manual',
      version: service.version,
    });
    expect(reply.headers.get('etag')).toBe(`"${service.version}"`);
    const put = await ada.put('/cis/payments', { class: 'service', name: 'Payments' }, ifMatch(service));
    expect(put.status).toBe(409);
    expect(put.body.type).toMatch(/ci-is-a-service$/);
    expect(put.body.detail).toContain('/services/payments');
    expect((await ada.delete('/cis/payments', ifMatch(service))).status).toBe(409);
    expect((await ada.put('/cis/no-such-service', { class: 'generic', name: 'x' }, { 'if-match': '"1"' })).status).toBe(404);
    expect((await alice.get('/cis/no-such-service')).status).toBe(404);
  });

  it('GET /cis?class=service lists the directory services as CIs, by name, narrowed by owner group and name prefix', async () => {
    const names = async (query: string) => (await alice.get(`/cis?class=service${query}`)).body.items.map((ci: Ci) => ci.id);
    expect(await names('')).toEqual(expect.arrayContaining(['email', 'payments', 'vpn']));
    expect(await names('&ownerGroup=network')).toEqual(['vpn']);
    expect(await names('&q=pay')).toEqual(['payments']);
    expect(await names('&environment=prod')).toEqual([]);
    expect(await names('&status=retired')).toEqual([]);
  });
});

describe('GET /cis without a class: own CIs and services, one list', () => {
  /** Every page of a list, following its cursor; the ids in order. */
  async function pageAll(query: string, limit: number): Promise<Ci[]> {
    const items: Ci[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 500; page++) {
      const reply = await alice.get(`/cis?limit=${limit}${query}${cursor === undefined ? '' : `&cursor=${cursor}`}`);
      expect(reply.status, JSON.stringify(reply.body)).toBe(200);
      expect(reply.body.items.length).toBeLessThanOrEqual(limit);
      items.push(...reply.body.items);
      cursor = reply.body.nextCursor;
      if (cursor === undefined) return items;
    }
    throw new Error('the list did not end');
  }
  /** The order the list promises: services by name, own CIs by lower-cased name then id. */
  const sortKey = (ci: Ci) => (ci.class === 'service' ? ci.id : `${ci.name.toLowerCase()}#${ci.id}`);
  const inOrder = (items: Ci[]) => items.every((ci, i) => i === 0 || Buffer.compare(Buffer.from(sortKey(items[i - 1] as Ci)), Buffer.from(sortKey(ci))) < 0);

  it('pages through own CIs and services by name, none twice, none missing; q narrows both; ownerGroup includes its services; environment leaves them out', async () => {
    const [payments, email, vpn, retiredPayments] = [
      await create({ class: 'generic', name: 'Payments', ownerGroup: 'database' }),
      await create({ class: 'queue', name: unique('Email'), ownerGroup: 'network', environment: 'prod' }),
      await create({ class: 'generic', name: unique('vpn'), ownerGroup: 'network' }),
      await create({ class: 'generic', name: unique('paymentsz'), status: 'retired' }),
    ];
    const services: Ci[] = await pageAll('&class=service', 50);
    expect(services.map((ci) => ci.id)).toEqual(expect.arrayContaining(['email', 'payments', 'vpn']));

    const all = await pageAll('', 2);
    const ids = all.map((ci) => ci.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(inOrder(all)).toBe(true);
    expect(ids).toEqual(expect.arrayContaining([...[payments, email, vpn, retiredPayments].map((ci) => ci.id), ...services.map((ci) => ci.id)]));
    // A service sorts just before an own CI of the same name.
    expect(ids.indexOf(payments.id)).toBe(ids.indexOf('payments') + 1);
    // The same list read in one page.
    expect((await pageAll('', 100)).map((ci) => ci.id)).toEqual(ids);

    // q: a prefix of both names, paged (the cursor resumes within the prefix).
    for (const q of ['pay', 'e', 'vpn']) {
      const expected = all.filter((ci) => sortKey(ci).startsWith(q)).map((ci) => ci.id);
      expect(expected.length).toBeGreaterThan(1);
      expect((await pageAll(`&q=${q}`, 1)).map((ci) => ci.id)).toEqual(expected);
    }

    const network = await pageAll('&ownerGroup=network', 2);
    expect(network.map((ci) => ci.id)).toEqual(expect.arrayContaining(['vpn', email.id, vpn.id]));
    expect(network.every((ci) => ci.ownerGroup === 'network')).toBe(true);
    expect(inOrder(network)).toBe(true);
    expect(network.map((ci) => ci.id)).toEqual(all.filter((ci) => ci.ownerGroup === 'network').map((ci) => ci.id));

    const prod = await pageAll('&environment=prod', 50);
    expect(prod.map((ci) => ci.id)).toContain(email.id);
    expect(prod.some((ci) => ci.class === 'service')).toBe(false);
    const retired = await pageAll('&status=retired', 50);
    expect(retired.map((ci) => ci.id)).toContain(retiredPayments.id);
    expect(retired.some((ci) => ci.class === 'service')).toBe(false);
    // A side whose Query found only filtered-out items bounds the page: the own retired CIs read
    // before `email` must not let the service jump the active own CI after them.
    await create({ class: 'generic', name: unique('e0a'), status: 'retired' });
    await create({ class: 'generic', name: unique('e0b'), status: 'retired' });
    const e0c = await create({ class: 'generic', name: unique('e0c') });
    const activeE = await pageAll('&status=active&q=e', 1);
    expect(activeE.map((ci) => ci.id)).toContain(e0c.id);
    expect(activeE.map((ci) => ci.id)).toEqual(
      (await pageAll('', 100)).filter((ci) => sortKey(ci).startsWith('e') && ci.status === 'active').map((ci) => ci.id),
    );
    const active = await pageAll('&status=active&q=pay', 1);
    expect(active.map((ci) => ci.id)).toEqual(all.filter((ci) => sortKey(ci).startsWith('pay') && ci.status === 'active').map((ci) => ci.id));

    // A cursor of this list is refused by another filter's list, and a forged one is 400.
    const first = await alice.get('/cis?limit=1');
    expect((await alice.get(`/cis?limit=1&ownerGroup=network&cursor=${first.body.nextCursor}`)).status).toBe(400);
    const forged = Buffer.from(JSON.stringify({ k: { after: 'zzz' }, f: 'x' })).toString('base64url');
    expect((await alice.get(`/cis?limit=1&cursor=${forged}`)).status).toBe(400);
  });
});

describe('/ci-classes and /cmdb-config', () => {
  it('lists built-in classes with their default schemas; an admin defines a class whose schema then validates CIs', async () => {
    const classes = (await alice.get('/ci-classes')).body.items;
    expect(classes.map((c: { name: string }) => c.name)).toEqual(expect.arrayContaining(['generic', 'lambda_function', 'service']));
    expect(classes.find((c: { name: string }) => c.name === 'generic')).toMatchObject({ builtIn: true, version: 0, attributesSchema: true });

    const name = unique('app_server');
    const defined = await ada.put(`/ci-classes/${name}`, {
      description: 'An application server',
      attributesSchema: { type: 'object', required: ['port'], properties: { port: { type: 'integer', minimum: 1, maximum: 65535 } } },
    });
    expect(defined.status, JSON.stringify(defined.body)).toBe(201);
    expect(defined.body).toMatchObject({ name, builtIn: false, version: 1 });
    const missing = await ada.post('/cis', { class: name, name: 'tomcat-1' });
    expect(missing.status).toBe(400);
    expect(missing.body.errors.map((e: { path: string }) => e.path)).toEqual(['attributes.port']);
    const ci = await create({ class: name, name: 'tomcat-1', attributes: { port: 8080 } });

    expect((await ada.put(`/ci-classes/${name}`, { attributesSchema: true })).status).toBe(428);
    expect((await ada.delete(`/ci-classes/${name}`, { 'if-match': '"1"' })).status).toBe(409);
    expect((await ada.delete(`/cis/${ci.id}`, ifMatch(ci))).status).toBe(204);
    expect((await ada.delete(`/ci-classes/${name}`, { 'if-match': '"1"' })).status).toBe(204);
    expect((await alice.get(`/ci-classes/${name}`)).status).toBe(404);
  });

  it('a class is in use from the moment a CI of it is written, whatever the list index shows yet', async () => {
    const name = unique('batch_host');
    expect((await ada.put(`/ci-classes/${name}`, { attributesSchema: true })).status).toBe(201);
    const ci = await create({ class: name, name: 'host-1' });
    // The class index (gsi2) lags writes: take the CI out of it, as if it had not caught up yet.
    const documents = DynamoDBDocumentClient.from(
      new DynamoDBClient({ endpoint: stack.dynamoDbEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }),
    );
    await documents.send(new UpdateCommand({ TableName: stack.tableName, Key: ciKey(ci.id), UpdateExpression: 'REMOVE gsi2pk, gsi2sk' }));
    documents.destroy();
    const refused = await ada.delete(`/ci-classes/${name}`, { 'if-match': '"1"' });
    expect(refused.status).toBe(409);
    expect(refused.body.type).toMatch(/class-in-use$/);
    // A change of class moves the count: the class is free again, and a CI written after its deletion is refused.
    const moved = await ada.put(`/cis/${ci.id}`, { class: 'generic', name: 'host-1' }, ifMatch(ci));
    expect(moved.status, JSON.stringify(moved.body)).toBe(200);
    expect((await ada.delete(`/ci-classes/${name}`, { 'if-match': '"1"' })).status).toBe(204);
    const late = await ada.put(`/cis/${ci.id}`, { class: name, name: 'host-1' }, ifMatch(moved.body));
    expect(late.status).toBe(400);
    expect(late.body.errors.map((e: { path: string }) => e.path)).toEqual(['class']);
  });

  it('a schema that is not JSON Schema 2020-12 is 400 naming the part at fault; the service class is the directory’s', async () => {
    const bad = await ada.put(`/ci-classes/${unique('bad')}`, { attributesSchema: { type: 'object', properties: { port: { type: 'int' } } } });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { path: string }) => e.path)).toEqual(['attributesSchema.properties.port.type']);
    expect((await ada.put('/ci-classes/service', { attributesSchema: true })).status).toBe(409);
  });

  it('an admin replaces a built-in schema and DELETE restores its default', async () => {
    const changed = await ada.put('/ci-classes/topic', { attributesSchema: { type: 'object', required: ['fifo'] } });
    expect(changed.status).toBe(201);
    expect((await ada.post('/cis', { class: 'topic', name: 'alerts' })).status).toBe(400);
    expect((await ada.delete('/ci-classes/topic', { 'if-match': '"1"' })).status).toBe(204);
    expect((await alice.get('/ci-classes/topic')).body).toMatchObject({ builtIn: true, version: 0 });
    expect((await ada.post('/cis', { class: 'topic', name: 'alerts' })).status).toBe(201);
  });

  it('the tag mapping: defaults at version 0, replaced with If-Match', async () => {
    const config = await alice.get('/cmdb-config');
    expect(config.body).toEqual({ ownerGroupTag: 'itsm:owner-group', environmentTag: 'itsm:environment', version: 0 });
    expect((await ada.put('/cmdb-config', { ownerGroupTag: 'team', environmentTag: 'env' })).status).toBe(428);
    const replaced = await ada.put('/cmdb-config', { ownerGroupTag: 'team', environmentTag: 'env' }, { 'if-match': '"0"' });
    expect(replaced.status).toBe(200);
    expect(replaced.body).toMatchObject({ ownerGroupTag: 'team', environmentTag: 'env', version: 1 });
    expect((await ada.put('/cmdb-config', { ownerGroupTag: 'x', environmentTag: 'x' }, { 'if-match': '"1"' })).status).toBe(400);
    expect((await ada.put('/cmdb-config', { ownerGroupTag: 'itsm:owner-group', environmentTag: 'itsm:environment' }, { 'if-match': '"1"' })).status).toBe(200);
  });
});

describe('DynamoDB round trips per request (hard budgets)', () => {
  const measure = (run: () => Promise<{ status: number; body?: unknown }>) => roundTripsOf(stack, counter, run);

  it('get 1 (own CI or service), list 1 (by external id too), history 1, create 2', async () => {
    const arn = `arn:aws:sns:eu-west-1:111122223333:${unique('budget')}`;
    const ci = await create({ class: 'generic', name: unique('budget'), externalId: arn, ownerGroup: 'network' });
    expect(await measure(() => alice.get(`/cis/${ci.id}`))).toEqual([['GetItem']]);
    expect(await measure(() => alice.get('/cis/payments'))).toEqual([['GetItem']]);
    // A class's first page is its head, once the stream consumer has kept it; a page wider than a head, the index.
    expect(await measure(() => alice.get('/cis?class=generic&limit=5'))).toEqual([['GetItem']]);
    expect(await measure(() => alice.get('/cis?class=generic&limit=30'))).toEqual([['Query']]);
    // Own CIs and services: two Queries in parallel, one round.
    expect(await measure(() => alice.get('/cis?limit=5'))).toEqual([['Query', 'Query']]);
    expect(await measure(() => alice.get('/cis?ownerGroup=network&q=v&limit=5'))).toEqual([['Query', 'Query']]);
    expect(await measure(() => alice.get(`/cis?externalId=${encodeURIComponent(arn)}`))).toEqual([['Query']]);
    expect(await measure(() => alice.get(`/cis/${ci.id}/history`))).toEqual([['GetItem', 'Query']]);
    expect(await measure(() => ada.post('/cis', { class: 'generic', name: unique('budget') }))).toEqual([['GetItem'], ['TransactWriteItems']]);
  });
});
