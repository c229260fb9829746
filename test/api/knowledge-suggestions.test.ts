import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { articleStatsKey, deflectionDayKey } from '../../functions/knowledge/store/keys.ts';
import { type RequestCounter, SEARCH_INDEX_READ, startRequestCounter } from '../../local/request-counter.ts';
import { admin, agent, type Client, requester, startTestStack, type TestStack } from '../support/api.ts';
import { publishArticle } from '../support/knowledge.ts';
import { poll } from '../support/poll.ts';
import { roundTripsOf } from '../support/round-trips.ts';

/*
 * Answers before tickets (issue 16, slice E) over HTTP against the local stack: articles published
 * through the API (created by alice, approved by bob of the owner group) are offered by
 * POST /suggestions once searchable (a requester never internal ones); a deflection is counted
 * once (409 the second time, 404 for another user); POST /incidents and POST /requests answer
 * `suggestedArticles`, searched beside the create without adding a round trip.
 */

let counter: RequestCounter;
let stack: TestStack;
let documents: DynamoDBDocumentClient;
let ada: Client;
let alice: Client;
let bob: Client;
let carol: Client;
let dave: Client;

interface Offered {
  id: string;
  number: string;
  title: string;
  score: number;
  url?: string;
}

let vpnPublic: { id: string; number: string };
let vpnInternal: { id: string; number: string };
let printer: { id: string; number: string };

/** An article written by alice, sent for review and approved by bob (service-desk, not its author). */
async function publish(content: Record<string, unknown>): Promise<{ id: string; number: string }> {
  const { id, number } = await publishArticle(alice, bob, { ownerGroup: 'service-desk', ...content });
  return { id, number };
}

const suggest = (client: Client, body: Record<string, unknown>) =>
  client.post<{ id: string; articles: Offered[]; type?: string; errors?: unknown[] }>('/suggestions', body);
const ids = (articles: readonly { id: string }[]) => articles.map((article) => article.id);

const readItem = async (key: Record<string, string>) =>
  (await documents.send(new GetCommand({ TableName: stack.tableName, Key: key, ConsistentRead: true }))).Item;

beforeAll(async () => {
  counter = await startRequestCounter(inject('dynamoDbEndpoint'));
  stack = await startTestStack({ dynamoDbEndpoint: counter.endpoint });
  documents = DynamoDBDocumentClient.from(
    new DynamoDBClient({ endpoint: stack.dynamoDbEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }),
  );
  [ada, alice, bob, carol, dave] = await Promise.all([admin(stack), agent(stack), agent(stack, 'bob'), requester(stack), requester(stack, 'dave')]);
  vpnPublic = await publish({
    title: 'Reset your VPN password',
    body: 'If the VPN client refuses your password, reset it on the self-service portal, then connect again.',
    audience: 'public',
    services: ['vpn'],
    keywords: ['vpn', 'password'],
  });
  vpnInternal = await publish({
    title: 'VPN concentrator failover runbook',
    body: 'When the VPN concentrator stops accepting connections, fail over to the standby concentrator.',
    audience: 'internal',
    services: ['vpn'],
    keywords: ['vpn', 'concentrator'],
  });
  printer = await publish({
    title: 'Clear a printer paper jam',
    body: 'Open the front tray, pull the jammed paper out gently and close the tray.',
    audience: 'public',
    keywords: ['printer'],
  });
  const item = await ada.post('/catalog-items', {
    id: 'vpn-access',
    name: 'VPN access',
    category: 'Access',
    description: 'Access to the VPN',
    form: { type: 'object', properties: { reason: { type: 'string', title: 'Why', maxLength: 500 } }, required: ['reason'], additionalProperties: false },
    approval: { stages: [] },
    fulfilment: { mode: 'sequential', tasks: [{ name: 'Grant access', assignmentGroup: 'network', description: 'For {{requester}}' }] },
  });
  expect(item.status, JSON.stringify(item.body)).toBe(201);
  // Searchable once the indexer has followed the Article Published events (within seconds).
  await poll(
    () => suggest(alice, { title: 'vpn password concentrator printer' }),
    (reply) => reply.status === 201 && [vpnPublic.id, vpnInternal.id, printer.id].every((id) => ids(reply.body.articles).includes(id)),
    30_000,
  );
}, 90_000);

afterAll(async () => {
  documents?.destroy();
  await stack?.stop();
  await counter?.stop();
});

describe('POST /suggestions', () => {
  it('offers the article that answers the need first, with its url; a requester never an internal one', async () => {
    const reply = await suggest(carol, { title: 'I forgot my VPN password', description: 'The VPN client says my password is wrong', service: 'vpn' });
    expect(reply.status, JSON.stringify(reply.body)).toBe(201);
    expect(reply.body.id).toEqual(expect.any(String));
    expect(reply.body.articles[0]).toEqual({
      id: vpnPublic.id,
      number: vpnPublic.number,
      title: 'Reset your VPN password',
      score: expect.any(Number),
      url: `/articles/${vpnPublic.id}`,
    });
    expect(ids(reply.body.articles)).not.toContain(vpnInternal.id);
    expect(ids(reply.body.articles)).not.toContain(printer.id);

    const internal = await suggest(carol, { title: 'VPN concentrator failover' });
    expect(internal.status).toBe(201);
    expect(ids(internal.body.articles)).not.toContain(vpnInternal.id);
  });

  it('offers agents internal articles too', async () => {
    const reply = await suggest(alice, { title: 'VPN concentrator not accepting connections', service: 'vpn' });
    expect(reply.status, JSON.stringify(reply.body)).toBe(201);
    expect(reply.body.articles[0]?.id).toBe(vpnInternal.id);
  });

  it('answers an empty list when nothing matches, and stores the suggestion for 30 days', async () => {
    const reply = await suggest(carol, { title: 'xylophone quokka' });
    expect(reply.status, JSON.stringify(reply.body)).toBe(201);
    expect(reply.body.articles).toEqual([]);
    const stored = await readItem({ pk: `SUGGESTION#${reply.body.id}`, sk: 'SUGGESTION' });
    expect(stored).toMatchObject({ id: reply.body.id, by: 'carol', title: 'xylophone quokka', articles: [] });
    const days = ((stored?.expiresAt as number) - Date.now() / 1000) / 86_400;
    expect(days).toBeGreaterThan(29.9);
    expect(days).toBeLessThanOrEqual(30);
  });

  it('400 for a missing or too long title, a too long description, an unknown field', async () => {
    for (const body of [{}, { title: '' }, { title: 'x'.repeat(201) }, { title: 'vpn', description: 'x'.repeat(4001) }, { title: 'vpn', colour: 'red' }]) {
      const reply = await suggest(carol, body);
      expect(reply.status, JSON.stringify(body)).toBe(400);
      expect(reply.body.type).toMatch(/validation-error$/);
    }
  });

  it('400 at service for a service that does not exist (the directory, as for incidents), storing nothing', async () => {
    const reply = await suggest(carol, { title: 'VPN password', service: 'nope' });
    expect(reply.status, JSON.stringify(reply.body)).toBe(400);
    expect(reply.body.errors).toEqual([expect.objectContaining({ location: 'body', path: 'service', message: expect.stringContaining("'nope'") })]);
  });
});

describe('POST /suggestions/{id}/deflection', () => {
  const deflections = async (articleId: string) => ((await readItem(articleStatsKey(articleId)))?.deflections as number | undefined) ?? 0;
  const today = async () => ((await readItem(deflectionDayKey(new Date().toISOString().slice(0, 10))))?.count as number | undefined) ?? 0;

  it("counts once: the article's and the day's counters; 409 the second time; 404 for another user", async () => {
    const offered = await suggest(carol, { title: 'VPN password rejected', service: 'vpn' });
    expect(ids(offered.body.articles)).toContain(vpnPublic.id);
    const [articleBefore, dayBefore] = await Promise.all([deflections(vpnPublic.id), today()]);

    const other = await dave.post(`/suggestions/${offered.body.id}/deflection`, { article: vpnPublic.id });
    expect(other.status, JSON.stringify(other.body)).toBe(404);

    const first = await carol.post(`/suggestions/${offered.body.id}/deflection`, { article: vpnPublic.id });
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expect(first.body).toEqual({
      suggestion: offered.body.id,
      article: { id: vpnPublic.id, number: vpnPublic.number, title: 'Reset your VPN password' },
      deflectedAt: expect.any(String),
    });
    const second = await carol.post(`/suggestions/${offered.body.id}/deflection`, { article: vpnPublic.number });
    expect(second.status, JSON.stringify(second.body)).toBe(409);
    expect(second.body.type).toMatch(/already-deflected$/);
    expect(second.body.article).toBe(vpnPublic.id);

    expect(await deflections(vpnPublic.id)).toBe(articleBefore + 1);
    expect(await today()).toBe(dayBefore + 1);
    const stored = await readItem({ pk: `SUGGESTION#${offered.body.id}`, sk: 'SUGGESTION' });
    expect(stored).toMatchObject({ deflectedBy: vpnPublic.id, deflectedAt: first.body.deflectedAt });
  });

  it('counts once when the same deflection is sent twice at the same moment', async () => {
    const offered = await suggest(carol, { title: 'VPN password', service: 'vpn' });
    const before = await deflections(vpnPublic.id);
    const replies = await Promise.all([1, 2, 3].map(() => carol.post(`/suggestions/${offered.body.id}/deflection`, { article: vpnPublic.id })));
    expect(replies.map((reply) => reply.status).sort()).toEqual([201, 409, 409]);
    expect(await deflections(vpnPublic.id)).toBe(before + 1);
  });

  it('replays a deflection retried with the same Idempotency-Key (not 409), counting it once', async () => {
    const headers = { 'idempotency-key': `deflect-${Date.now()}` };
    const offered = await carol.post('/suggestions', { title: 'VPN password', service: 'vpn' }, headers);
    expect(offered.status).toBe(201);
    const again = await carol.post('/suggestions', { title: 'VPN password', service: 'vpn' }, headers);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(offered.body);

    const before = await deflections(vpnPublic.id);
    const first = await carol.post(`/suggestions/${offered.body.id}/deflection`, { article: vpnPublic.id }, headers);
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    const retried = await carol.post(`/suggestions/${offered.body.id}/deflection`, { article: vpnPublic.id }, headers);
    expect(retried.status, JSON.stringify(retried.body)).toBe(201);
    expect(retried.headers.get('idempotent-replayed')).toBe('true');
    expect(retried.body).toEqual(first.body);
    expect(await deflections(vpnPublic.id)).toBe(before + 1);
  });

  it('404 for an unknown suggestion; 400 for an article it did not offer', async () => {
    const unknown = await carol.post('/suggestions/01JF3Q8Z7W5R6T9V2K4M000000/deflection', { article: vpnPublic.id });
    expect(unknown.status).toBe(404);
    const offered = await suggest(carol, { title: 'VPN password', service: 'vpn' });
    const notOffered = await carol.post(`/suggestions/${offered.body.id}/deflection`, { article: printer.id });
    expect(notOffered.status, JSON.stringify(notOffered.body)).toBe(400);
    expect(notOffered.body.errors[0].path).toBe('article');
  });
});

describe('suggestedArticles on creation', () => {
  it('POST /incidents answers the articles that may solve it (a requester public ones only)', async () => {
    const mine = await carol.post('/incidents', { title: 'VPN password not accepted', description: 'The VPN client rejects my password', service: 'vpn' });
    expect(mine.status, JSON.stringify(mine.body)).toBe(201);
    expect(mine.body.suggestedArticles[0]).toEqual({
      id: vpnPublic.id,
      number: vpnPublic.number,
      title: 'Reset your VPN password',
      score: expect.any(Number),
      url: `/articles/${vpnPublic.id}`,
    });
    expect(ids(mine.body.suggestedArticles)).not.toContain(vpnInternal.id);
    expect(mine.body.suggestedArticles.length).toBeLessThanOrEqual(5);
    // Never stored: the incident as read has none.
    const read = await carol.get(`/incidents/${mine.body.id}`);
    expect(read.body.suggestedArticles).toBeUndefined();

    const agents = await alice.post('/incidents', { title: 'VPN concentrator refuses connections', service: 'vpn' });
    expect(agents.status, JSON.stringify(agents.body)).toBe(201);
    expect(ids(agents.body.suggestedArticles)).toContain(vpnInternal.id);

    const none = await carol.post('/incidents', { title: 'xylophone quokka' });
    expect(none.status).toBe(201);
    expect(none.body.suggestedArticles).toEqual([]);
  });

  it('POST /requests answers them for the catalog item and the answers', async () => {
    const ordered = await carol.post('/requests', { item: 'vpn-access', answers: { reason: 'my VPN password expired' } });
    expect(ordered.status, JSON.stringify(ordered.body)).toBe(201);
    expect(ids(ordered.body.suggestedArticles)).toContain(vpnPublic.id);
    expect(ids(ordered.body.suggestedArticles)).not.toContain(vpnInternal.id);
    const read = await carol.get(`/requests/${ordered.body.id}`);
    expect(read.body.suggestedArticles).toBeUndefined();
  });

  it("adds no round trip: the change log's Query runs in the create's first round", async () => {
    const body = { title: 'VPN password budget', service: 'vpn', assignmentGroup: 'network' };
    // The index refreshes at most once a second: wait past that so this create reads the change log.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await stack.settled();
    counter.reset();
    counter.setLatency(30);
    try {
      const reply = await alice.post('/incidents', body);
      expect(reply.status, JSON.stringify(reply.body)).toBe(201);
    } finally {
      counter.setLatency(0);
    }
    const rounds = counter.rounds().map((round) => round.sort());
    expect(rounds.slice(0, 2), JSON.stringify(rounds)).toEqual([[SEARCH_INDEX_READ, 'Query', 'Query', 'UpdateItem'].sort(), ['TransactWriteItems']]);
    // And as the incidents' budget counts it (test/support/round-trips.ts leaves the index's read out).
    expect(await roundTripsOf(stack, counter, () => alice.post('/incidents', body))).toEqual([['Query', 'Query', 'UpdateItem'], ['TransactWriteItems']]);
  });
});

describe('the API description', () => {
  it('describes what POST /suggestions, the deflection, POST /incidents and POST /requests answer, exactly', async () => {
    const description = (await stack.anonymous.get('/openapi.json')).body;
    const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
    ajv.addSchema({ $id: 'openapi.json', components: description.components });
    const validator = (path: string, status: string) =>
      ajv.compile({
        $ref: `openapi.json${description.paths[path].post.responses[status].content['application/json'].schema.$ref}`,
        unevaluatedProperties: false,
      });

    const offered = await suggest(carol, { title: 'VPN password', service: 'vpn' });
    const suggestion = validator('/suggestions', '201');
    expect(suggestion(offered.body), JSON.stringify(suggestion.errors)).toBe(true);
    const deflected = await carol.post(`/suggestions/${offered.body.id}/deflection`, { article: vpnPublic.id });
    const deflection = validator('/suggestions/{id}/deflection', '201');
    expect(deflection(deflected.body), JSON.stringify(deflection.errors)).toBe(true);

    const incident = await carol.post('/incidents', { title: 'VPN password', service: 'vpn' });
    expect(incident.body.suggestedArticles.length).toBeGreaterThan(0);
    const created = ajv.compile({ $ref: `openapi.json${description.paths['/incidents'].post.responses['201'].content['application/json'].schema.$ref}` });
    expect(created(incident.body), JSON.stringify(created.errors)).toBe(true);
    const request = await carol.post('/requests', { item: 'vpn-access', answers: { reason: 'VPN password' } });
    const placed = ajv.compile({ $ref: `openapi.json${description.paths['/requests'].post.responses['201'].content['application/json'].schema.$ref}` });
    expect(placed(request.body), JSON.stringify(placed.errors)).toBe(true);
  });
});
