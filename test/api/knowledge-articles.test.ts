import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { PublishedEvent } from '../../local/published-log.ts';
import { type RequestCounter, startRequestCounter } from '../../local/request-counter.ts';
import { admin, agent, type Client, requester, startTestStack, type TestStack } from '../support/api.ts';
import { type Article, ifMatch, publishDraft } from '../support/knowledge.ts';
import { roundTripsOf } from '../support/round-trips.ts';

/*
 * Knowledge articles over HTTP against the local stack (issue 16): create, edit, submit, review
 * (approve publishes, reject returns to draft), retire; who may review; what requesters see; the
 * versions kept; If-Match, Idempotency-Key, bad input, the Markdown rendered safely, history, events.
 *
 * Directory (local/seed.ts): network = nina, bob; service-desk = alice, bob; dave is in no group.
 */

let counter: RequestCounter;
let stack: TestStack;
let alice: Client;
let bob: Client;
let nina: Client;
let dave: Client;
let ada: Client;
let carol: Client;

async function create(body: Record<string, unknown> = {}, client: Client = alice): Promise<Article> {
  const reply = await client.post('/articles', {
    title: 'Reset your VPN token',
    body: 'Open the **VPN client** and choose *Reset token*.',
    ownerGroup: 'network',
    audience: 'public',
    services: ['vpn'],
    keywords: ['vpn', 'token'],
    ...body,
  });
  expect(reply.status, JSON.stringify(reply.body)).toBe(201);
  return reply.body;
}

/** A lifecycle step with the article's current ETag (read first, by the same caller): the reply. */
async function attempt(client: Client, article: Article, path: string, body?: unknown) {
  const current = await client.get(`/articles/${article.id}`);
  return client.post(`/articles/${article.id}/${path}`, body, ifMatch(current.body));
}

/** A lifecycle step with the article's current ETag (read first, by the same caller). */
async function step(client: Client, article: Article, path: string, body?: unknown, expected = 200): Promise<Article> {
  const current = await client.get(`/articles/${article.id}`);
  const reply = await client.post(`/articles/${article.id}/${path}`, body, ifMatch(current.body));
  expect(reply.status, JSON.stringify(reply.body)).toBe(expected);
  return reply.body;
}

async function put(client: Client, article: Article, body: Record<string, unknown>, expected = 200): Promise<Article> {
  const reply = await client.put(`/articles/${article.id}`, body, ifMatch(article));
  expect(reply.status, JSON.stringify(reply.body)).toBe(expected);
  return reply.body;
}

/** Created by alice (network's), submitted, approved by bob: published. */
async function published(body: Record<string, unknown> = {}): Promise<Article> {
  return publishDraft(alice, bob, await create(body));
}

const content = (article: Article) => ({
  title: article.title,
  body: article.body,
  ownerGroup: article.ownerGroup,
  audience: article.audience,
  services: article.services,
  keywords: article.keywords,
});

beforeAll(async () => {
  counter = await startRequestCounter(inject('dynamoDbEndpoint'));
  stack = await startTestStack({ dynamoDbEndpoint: counter.endpoint });
  [alice, bob, nina, dave, ada, carol] = await Promise.all([
    agent(stack),
    agent(stack, 'bob'),
    agent(stack, 'nina'),
    agent(stack, 'dave'),
    admin(stack),
    requester(stack),
  ]);
});
afterAll(async () => {
  await stack.stop();
  await counter.stop();
});

describe('POST /articles', () => {
  it('creates a draft, version 1, KB number, ETag and Location, the body rendered', async () => {
    const reply = await alice.post('/articles', {
      title: 'Printer jams',
      body: '# Jams\n\nOpen tray **2**.',
      ownerGroup: 'service-desk',
      category: 'printing',
      links: { incidents: ['INC0001001'] },
    });
    expect(reply.status).toBe(201);
    const article = reply.body;
    expect(article).toMatchObject({
      number: expect.stringMatching(/^KB\d{7}$/),
      status: 'draft',
      title: 'Printer jams',
      bodyHtml: '<h1>Jams</h1>\n<p>Open tray <strong>2</strong>.</p>',
      audience: 'internal',
      services: [],
      configurationItems: [],
      keywords: [],
      ownerGroup: 'service-desk',
      category: 'printing',
      links: { problems: [], knownErrors: [], incidents: ['INC0001001'] },
      contentVersion: 1,
      latestVersion: 1,
      author: 'alice',
      version: 1,
    });
    expect(reply.headers.get('etag')).toBe('"1"');
    expect(reply.headers.get('location')).toBe(`/articles/${article.id}`);
    const byNumber = await alice.get(`/articles/${article.number}`);
    expect(byNumber.status).toBe(200);
    expect(byNumber.body.id).toBe(article.id);
  });

  it('renders Markdown safely: raw HTML escaped, javascript: and data: URLs dropped', async () => {
    const article = await create({
      body: [
        '<script>alert(1)</script>',
        '',
        '<img src=x onerror=alert(1)>',
        '',
        '[click](javascript:alert(1)) [data](data:text/html;base64,PHNjcmlwdD4=) ![img](data:image/png;base64,AAAA) [ok](https://example.com)',
      ].join('\n'),
    });
    expect(article.bodyHtml).not.toMatch(/<script|<img src=x|onerror=alert\(1\)>|javascript:|data:/);
    expect(article.bodyHtml).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(article.bodyHtml).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(article.bodyHtml).toContain('<a href="">click</a>');
    expect(article.bodyHtml).toContain('<a href="https://example.com">ok</a>');
  });

  it('refuses bad input with a pointer to the field: missing title, unknown owner group, service and CI', async () => {
    const missing = await alice.post('/articles', { body: 'x', ownerGroup: 'network' });
    expect(missing.status).toBe(400);
    expect(missing.body.errors).toContainEqual(expect.objectContaining({ pointer: '#/title' }));

    const unknownField = await alice.post('/articles', { title: 't', body: 'x', ownerGroup: 'network', status: 'published' });
    expect(unknownField.status).toBe(400);

    const group = await alice.post('/articles', { title: 't', body: 'x', ownerGroup: 'no-such-group' });
    expect(group.status).toBe(400);
    expect(group.body.errors).toEqual([expect.objectContaining({ pointer: '#/ownerGroup', message: "There is no group named 'no-such-group'" })]);

    const service = await alice.post('/articles', { title: 't', body: 'x', ownerGroup: 'network', services: ['vpn', 'no-such-service'] });
    expect(service.status).toBe(400);
    expect(service.body.errors).toEqual([expect.objectContaining({ pointer: '#/services/1' })]);

    const ci = await alice.post('/articles', { title: 't', body: 'x', ownerGroup: 'network', configurationItems: ['01ARZ3NDEKTSV4RRFFQ69G5FAV'] });
    expect(ci.status).toBe(400);
    expect(ci.body.errors).toEqual([expect.objectContaining({ pointer: '#/configurationItems/0' })]);

    const repeated = await alice.post('/articles', { title: 't', body: 'x', ownerGroup: 'network', keywords: ['a', 'a'] });
    expect(repeated.status).toBe(400);
    expect(repeated.body.errors).toContainEqual(expect.objectContaining({ pointer: '#/keywords/1' }));
  });

  it('replays the first answer for the same Idempotency-Key, creating one article', async () => {
    const key = randomUUID();
    const body = { title: `Idempotent ${key}`, body: 'x', ownerGroup: 'network' };
    const first = await alice.post('/articles', body, { 'idempotency-key': key });
    const second = await alice.post('/articles', body, { 'idempotency-key': key });
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(second.body.id).toBe(first.body.id);
    const other = await alice.post('/articles', { ...body, body: 'y' }, { 'idempotency-key': key });
    expect(other.status).toBe(422);
  });

  it('refuses a body whose rendered HTML is too large (400 naming body), before anything is written: no number taken, no 500', async () => {
    // One reference link with a long URL, used many times: a small body, megabytes of HTML.
    const amplified = (uses: number) => `[x]: http://example.com/${'a'.repeat(900)}\n\n${'[x] '.repeat(uses)}`;
    const before = await create();
    for (const uses of [600, 12_000]) {
      const reply = await alice.post('/articles', { title: 'amp', ownerGroup: 'service-desk', body: amplified(uses) });
      expect(reply.status, JSON.stringify(reply.body)).toBe(400);
      expect(reply.body.errors).toEqual([
        expect.objectContaining({ location: 'body', path: 'body', message: expect.stringMatching(/renders to \d+ KB of HTML/) }),
      ]);
    }
    const after = await create();
    expect(Number(after.number.slice(2))).toBe(Number(before.number.slice(2)) + 1);
    // An edit too, and the stack still answers.
    const edit = await alice.put(`/articles/${after.id}`, { ...content(after), body: amplified(600) }, ifMatch(after));
    expect(edit.status).toBe(400);
    expect((await alice.get(`/articles/${after.id}`)).body.version).toBe(after.version);
    // A body as long as a request may carry (64 KiB), in 3-byte characters, still fits.
    const wide = await create({ body: '€'.repeat(21_000) });
    expect(wide.bodyHtml.length).toBe(21_000 + '<p></p>'.length);
  }, 60_000);

  it('is for agents: a requester gets 403, for any article, before anything is read', async () => {
    const reply = await carol.post('/articles', { title: 't', body: 'x', ownerGroup: 'network' });
    expect(reply.status).toBe(403);
    expect(reply.body).toMatchObject({ status: 403, detail: 'Only agents and admins write articles' });
    for (const step of ['submit', 'review', 'retire']) {
      expect((await carol.post(`/articles/KB9999999/${step}`, { decision: 'approve' })).status).toBe(403);
    }
  });
});

describe('the review', () => {
  it('submit -> approve publishes: the owner group told, the author told, version 1 published', async () => {
    const draft = await create();
    const submitted = await step(alice, draft, 'submit');
    expect(submitted).toMatchObject({ status: 'review', version: 2, submittedAt: expect.any(String) });
    const approved = await step(bob, draft, 'review', { decision: 'approve', comment: 'Clear' });
    expect(approved).toMatchObject({ status: 'published', publishedVersion: 1, contentVersion: 1, version: 3 });
    expect(approved.publishedAt).toEqual(approved.reviewedAt);
    const version = await alice.get(`/articles/${draft.id}/versions/1`);
    expect(version.body).toMatchObject({ status: 'published', reviewedBy: 'bob', reviewComment: 'Clear', author: 'alice', contributors: ['alice'] });

    await expect
      .poll(() => eventsOf(draft.id).map((e) => e.detailType), { timeout: 10_000 })
      .toEqual(['Article Created', 'Article Submitted', 'Article Published']);
    const recipientsOf = (type: string) => notificationsOf(draft.id).find((n) => n.type === type)?.recipients;
    await expect.poll(() => recipientsOf('Article Submitted'), { timeout: 10_000 }).toEqual({ users: [], groups: ['network'] });
    await expect.poll(() => recipientsOf('Article Published'), { timeout: 10_000 }).toEqual({ users: ['alice'], groups: [] });
    const detail = eventsOf(draft.id).at(-1)?.detail as Record<string, any>;
    expect(detail.article).toEqual({
      id: draft.id,
      number: draft.number,
      status: 'published',
      version: 3,
      contentVersion: 1,
      audience: 'public',
      ownerGroup: 'network',
    });
    expect(detail.review).toEqual({ decision: 'approve', by: 'bob', author: 'alice' });
    // No free text: neither title, body nor the review's comment.
    expect(JSON.stringify(eventsOf(draft.id))).not.toMatch(/Reset your VPN token|VPN client|Clear/);
  });

  it('the author cannot approve their own version, nor reject it', async () => {
    const draft = await create({ ownerGroup: 'service-desk' });
    await step(alice, draft, 'submit');
    const own = await attempt(alice, draft, 'review', { decision: 'approve' });
    expect(own.status).toBe(403);
    expect(own.body.type).toMatch(/own-article-version$/);
    expect(own.body.detail).toContain('someone else');
    expect((await attempt(alice, draft, 'review', { decision: 'reject', comment: 'no' })).status).toBe(403);
  });

  it('a contributor to the version cannot approve it either; an admin who wrote it neither', async () => {
    const draft = await create({ ownerGroup: 'cab' });
    // ada (admin, cab member) edits alice's draft: both wrote version 1.
    await put(ada, draft, { ...content(draft), ownerGroup: 'cab', title: 'Edited by ada' });
    const current = (await alice.get(`/articles/${draft.id}`)).body;
    await step(alice, current, 'submit');
    expect((await attempt(ada, draft, 'review', { decision: 'approve' })).status).toBe(403);
    // nina (cab member, wrote none of it) may.
    await step(nina, current, 'review', { decision: 'approve' });
  });

  it('a non-member of the owner group cannot approve: 403 naming the group', async () => {
    const draft = await create();
    await step(alice, draft, 'submit');
    const reply = await attempt(dave, draft, 'review', { decision: 'approve' });
    expect(reply.status).toBe(403);
    expect(reply.body).toMatchObject({ ownerGroup: 'network' });
    expect(reply.body.type).toMatch(/not-in-owner-group$/);
    expect((await alice.get(`/articles/${draft.id}`)).body.status).toBe('review');
  });

  it('reject needs a comment, returns the version to draft with it, and tells the author', async () => {
    const draft = await create();
    await step(alice, draft, 'submit');
    const noComment = await attempt(bob, draft, 'review', { decision: 'reject' });
    expect(noComment.status).toBe(400);
    expect(noComment.body.errors).toContainEqual(expect.objectContaining({ pointer: '#/comment' }));
    const rejected = await step(bob, draft, 'review', { decision: 'reject', comment: 'Add a screenshot' });
    expect(rejected.status).toBe('draft');
    expect(rejected.submittedAt).toBeUndefined();
    const version = (await alice.get(`/articles/${draft.id}/versions/1`)).body;
    expect(version).toMatchObject({ status: 'draft', reviewedBy: 'bob', reviewComment: 'Add a screenshot' });
    await expect
      .poll(() => notificationsOf(draft.id).find((n) => n.type === 'Article Rejected')?.recipients, { timeout: 10_000 })
      .toEqual({
        users: ['alice'],
        groups: [],
      });
  });

  it('steps out of order: 409 nothing-to-submit, not-in-review', async () => {
    const draft = await create();
    const review = await attempt(bob, draft, 'review', { decision: 'approve' });
    expect(review.status).toBe(409);
    expect(review.body.type).toMatch(/not-in-review$/);
    await step(alice, draft, 'submit');
    const again = await attempt(alice, draft, 'submit');
    expect(again.status).toBe(409);
    expect(again.body.type).toMatch(/nothing-to-submit$/);
    await step(bob, draft, 'review', { decision: 'approve' });
    expect((await attempt(alice, draft, 'submit')).status).toBe(409);
  });

  it('an edit of a version in review returns it to draft', async () => {
    const draft = await create();
    const submitted = await step(alice, draft, 'submit');
    const edited = await put(alice, submitted, { ...content(draft), title: 'Reset your VPN token (v2)' });
    expect(edited).toMatchObject({ status: 'draft', title: 'Reset your VPN token (v2)', version: 3 });
    expect(edited.submittedAt).toBeUndefined();
    expect((await attempt(bob, draft, 'review', { decision: 'approve' })).status).toBe(409);
  });

  it('If-Match on a step is required, and checked', async () => {
    const draft = await create();
    expect((await alice.request('POST', `/articles/${draft.id}/submit`)).status).toBe(428);
    const stale = await alice.request('POST', `/articles/${draft.id}/submit`, { headers: { 'if-match': '"9"' } });
    expect(stale.status).toBe(412);
    expect(stale.body.currentEtag).toBe('"1"');
    const ok = await alice.request('POST', `/articles/${draft.id}/submit`, { headers: { 'if-match': '"1"' } });
    expect(ok.status).toBe(200);
  });
});

describe('an edit of a published article', () => {
  it('is a pending version while readers keep the published one, until it is published', async () => {
    const article = await published({ title: 'Old title', body: 'Old body' });
    const edited = await put(alice, article, { ...content(article), title: 'New title', body: 'New body' });
    expect(edited).toMatchObject({
      status: 'published',
      title: 'Old title',
      body: 'Old body',
      contentVersion: 1,
      publishedVersion: 1,
      latestVersion: 2,
      pendingVersion: { version: 2, status: 'draft', author: 'alice' },
    });

    // The requester still reads the published content; the pending version is not shown to them.
    const read = await carol.get(`/articles/${article.id}`);
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ title: 'Old title', body: 'Old body', bodyHtml: '<p>Old body</p>' });
    expect(read.body.pendingVersion).toBeUndefined();
    expect(read.body.ownerGroup).toBeUndefined();
    expect(read.body.reviewDue).toBeUndefined();
    expect((await alice.get(`/articles/${article.id}`)).body).toMatchObject({ reviewDue: false, pendingVersion: { version: 2 } });

    // Agents read the version in progress.
    const pending = await alice.get(`/articles/${article.id}/versions/2`);
    expect(pending.body).toMatchObject({ version: 2, status: 'draft', title: 'New title', body: 'New body', bodyHtml: '<p>New body</p>' });

    // A second edit edits the same pending version.
    const again = await put(bob, edited, { ...content(article), title: 'Newer title', body: 'New body' });
    expect(again.pendingVersion).toMatchObject({ version: 2, status: 'draft' });
    expect((await alice.get(`/articles/${article.id}/versions/2`)).body).toMatchObject({ title: 'Newer title', contributors: ['alice', 'bob'] });

    const submitted = await step(alice, again, 'submit');
    expect(submitted.pendingVersion).toMatchObject({ version: 2, status: 'review' });
    expect(submitted.status).toBe('published');
    expect((await carol.get(`/articles/${article.id}`)).body.title).toBe('Old title');

    // bob contributed to version 2: nina (network) approves it.
    expect((await attempt(bob, article, 'review', { decision: 'approve' })).status).toBe(403);
    const approved = await step(nina, article, 'review', { decision: 'approve' });
    expect(approved).toMatchObject({ title: 'Newer title', body: 'New body', contentVersion: 2, publishedVersion: 2, latestVersion: 2 });
    expect(approved.pendingVersion).toBeUndefined();
    expect((await carol.get(`/articles/${article.id}`)).body).toMatchObject({ title: 'Newer title', body: 'New body' });

    const versions = await alice.get(`/articles/${article.id}/versions`);
    expect(versions.status).toBe(200);
    expect(versions.body.items.map((v: { version: number; status: string }) => [v.version, v.status])).toEqual([
      [1, 'superseded'],
      [2, 'published'],
    ]);
    expect(versions.body.items[0].body).toBeUndefined();
    expect((await alice.get(`/articles/${article.id}/versions/1`)).body).toMatchObject({ title: 'Old title', body: 'Old body', status: 'superseded' });
  });

  it('a rejected pending version leaves the published content as it is', async () => {
    const article = await published({ title: 'Stays' });
    const edited = await put(alice, article, { ...content(article), title: 'Rejected change' });
    await step(alice, edited, 'submit');
    const rejected = await step(nina, article, 'review', { decision: 'reject', comment: 'No' });
    expect(rejected).toMatchObject({ status: 'published', title: 'Stays', pendingVersion: { version: 2, status: 'draft' } });
    expect((await carol.get(`/articles/${article.id}`)).body.title).toBe('Stays');
  });

  it('content equal to what it is changes nothing', async () => {
    const article = await published();
    const same = await put(alice, article, content(article));
    expect(same.version).toBe(article.version);
    expect(same.pendingVersion).toBeUndefined();
  });
});

describe('PUT /articles/{id}', () => {
  it('needs If-Match: 428 without it, 412 when stale', async () => {
    const article = await create();
    const none = await alice.put(`/articles/${article.id}`, content(article));
    expect(none.status).toBe(428);
    const stale = await alice.put(`/articles/${article.id}`, { ...content(article), title: 'x' }, { 'if-match': '"7"' });
    expect(stale.status).toBe(412);
    expect(stale.body.currentEtag).toBe('"1"');
  });

  it('edits a draft in place (version 1 still), checks what it adds, and a requester gets 403', async () => {
    const article = await create();
    const edited = await put(alice, article, { ...content(article), title: 'Draft edited', category: 'remote-access' });
    expect(edited).toMatchObject({ title: 'Draft edited', category: 'remote-access', contentVersion: 1, latestVersion: 1, version: 2 });
    const bad = await alice.put(`/articles/${article.id}`, { ...content(article), services: ['vpn', 'nope'] }, ifMatch(edited));
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([expect.objectContaining({ pointer: '#/services/1' })]);
    expect((await carol.put(`/articles/${article.id}`, content(article), ifMatch(edited))).status).toBe(403);
  });
});

describe('what requesters see', () => {
  it('drafts, articles in review, internal and retired articles: 404 and absent from lists', async () => {
    const draft = await create({ title: 'Draft only' });
    const inReview = await create({ title: 'In review only' });
    await step(alice, inReview, 'submit');
    const internal = await published({ audience: 'internal', title: 'Internal only' });
    const visible = await published({ title: 'Public and published' });
    const retired = await published({ title: 'Retired soon' });
    await step(nina, retired, 'retire');

    for (const hidden of [draft, inReview, internal, retired]) {
      expect((await carol.get(`/articles/${hidden.id}`)).status).toBe(404);
      expect((await carol.get(`/articles/${hidden.number}`)).status).toBe(404);
    }
    expect((await carol.get(`/articles/${visible.id}`)).status).toBe(200);
    expect((await carol.get(`/articles/${visible.id}/versions`)).status).toBe(404);
    expect((await carol.get(`/articles/${visible.id}/versions/1`)).status).toBe(404);
    expect((await carol.get(`/articles/${visible.id}/history`)).status).toBe(404);

    const listed = await carol.get('/articles?limit=100');
    expect(listed.status).toBe(200);
    const ids = listed.body.items.map((a: Article) => a.id);
    expect(ids).toContain(visible.id);
    for (const hidden of [draft, inReview, internal, retired]) expect(ids).not.toContain(hidden.id);
    expect(listed.body.items.every((a: Article) => a.status === 'published' && a.audience === 'public')).toBe(true);
    expect(listed.body.items[0].body).toBeUndefined();
    expect(listed.body.items[0].ownerGroup).toBeUndefined();
    expect((await carol.get('/articles?status=draft')).body.items).toEqual([]);
    expect((await carol.get('/articles?audience=internal')).body.items).toEqual([]);
  });
});

describe('GET /articles (agents)', () => {
  it('lists every article, newest first, filtered by status, audience, owner group, category and service', async () => {
    const a = await create({ ownerGroup: 'database', category: 'db', services: ['payments'], audience: 'internal' });
    const b = await published({ ownerGroup: 'network', category: 'db' });
    const all = (await alice.get('/articles?limit=100')).body.items.map((x: Article) => x.id);
    expect(all.indexOf(b.id)).toBeLessThan(all.indexOf(a.id));
    const ids = async (query: string) => (await alice.get(`/articles?${query}&limit=100`)).body.items.map((x: Article) => x.id);
    expect(await ids('ownerGroup=database')).toContain(a.id);
    expect(await ids('ownerGroup=database')).not.toContain(b.id);
    expect(await ids('status=published&category=db')).toEqual([b.id]);
    expect(await ids('service=payments')).toContain(a.id);
    expect(await ids('service=payments')).not.toContain(b.id);
    expect(await ids('audience=internal&category=db')).toEqual([a.id]);
    const bad = await alice.get('/articles?status=nope');
    expect(bad.status).toBe(400);
  });

  it('status filters on what is being worked: a published article whose edit is in review is in the review queue', async () => {
    const fresh = await create({ category: 'queue' });
    const edited = await published({ category: 'queue' });
    const ids = async (status: string) => (await alice.get(`/articles?status=${status}&category=queue&limit=100`)).body.items.map((x: Article) => x.id);
    expect(await ids('draft')).toEqual([fresh.id]);
    expect(await ids('review')).toEqual([]);
    const draft = await put(alice, edited, { ...content(edited), category: 'queue', title: 'Edited in a pending version' });
    expect(draft.pendingVersion).toMatchObject({ status: 'draft' });
    expect(await ids('draft')).toEqual([edited.id, fresh.id]);
    await step(alice, fresh, 'submit');
    await step(alice, edited, 'submit');
    expect(await ids('review')).toEqual([edited.id, fresh.id]);
    expect(await ids('draft')).toEqual([]);
    // Still published too: listed under published, alone or with other statuses, once.
    expect(await ids('published')).toEqual([edited.id]);
    expect(await ids('published,review')).toEqual([edited.id, fresh.id]);
    expect(await ids('published,retired')).toEqual([edited.id]);
    await step(bob, edited, 'review', { decision: 'approve' });
    expect(await ids('review')).toEqual([fresh.id]);
    expect(await ids('published')).toEqual([edited.id]);
  });
});

describe('retire', () => {
  it('owner-group members and admins retire; others 403; a retired article takes no edit', async () => {
    const article = await published();
    const refused = await attempt(alice, article, 'retire');
    expect(refused.status).toBe(403);
    expect(refused.body.type).toMatch(/not-in-owner-group$/);
    const retired = await step(nina, article, 'retire');
    expect(retired).toMatchObject({ status: 'retired', retiredAt: expect.any(String) });
    expect((await alice.get(`/articles/${article.id}/versions/1`)).body.status).toBe('retired');
    const edit = await alice.put(`/articles/${article.id}`, content(article), ifMatch(retired));
    expect(edit.status).toBe(409);
    expect(edit.body.type).toMatch(/article-retired$/);
    expect((await attempt(nina, article, 'retire')).status).toBe(409);

    const other = await create({ ownerGroup: 'database' });
    expect((await step(ada, other, 'retire')).status).toBe('retired');
    await expect
      .poll(() => notificationsOf(article.id).find((n) => n.type === 'Article Retired')?.recipients, { timeout: 10_000 })
      .toEqual({
        users: [],
        groups: ['network'],
      });
  });
});

describe('GET /articles/{id}/history', () => {
  it('records every write, oldest first, with the fields changed', async () => {
    const article = await published({ title: 'History' });
    await put(alice, article, { ...content(article), title: 'History 2' });
    const history = await alice.get(`/articles/${article.number}/history`);
    expect(history.status).toBe(200);
    const records = history.body.items as { action: string; version: number; actor: string; changes: { field: string; to?: unknown }[] }[];
    expect(records.map((r) => [r.action, r.version, r.actor])).toEqual([
      ['created', 1, 'alice'],
      ['updated', 2, 'alice'],
      ['updated', 3, 'bob'],
      ['updated', 4, 'alice'],
    ]);
    expect(records[1]?.changes).toEqual([{ field: 'status', from: 'draft', to: 'review' }]);
    expect(records[2]?.changes).toContainEqual({ field: 'status', from: 'review', to: 'published' });
    expect(records[3]?.changes).toContainEqual({ field: 'pendingVersion.title', from: 'History', to: 'History 2' });
  });
});

describe('DynamoDB round trips per request (hard budgets)', () => {
  const measure = (run: () => Promise<{ status: number; body?: unknown }>) => roundTripsOf(stack, counter, run);

  it('create 2, edit 2, a step 2, list 1, a published read 1 (the read and the view together), a draft read 1', async () => {
    const body = { title: 'Budget', body: 'x', ownerGroup: 'network', audience: 'public' };
    expect(await measure(() => alice.post('/articles', body))).toEqual([['UpdateItem'], ['TransactWriteItems']]);
    const article = await create();
    expect(await measure(() => alice.put(`/articles/${article.id}`, { ...body, title: 'Budget 2' }, ifMatch(article)))).toEqual([
      ['GetItem', 'Query'],
      ['TransactWriteItems'],
    ]);
    expect(await measure(() => alice.post(`/articles/${article.id}/submit`, undefined, { 'if-match': '"2"' }))).toEqual([
      ['GetItem', 'Query'],
      ['TransactWriteItems'],
    ]);
    // A working status's first page is its head, once the stream consumer has kept it (measure waits for it).
    expect(await measure(() => alice.get('/articles?status=review'))).toEqual([['GetItem']]);
    // An agent's read of an article in review: one round (the record, with the configuration when not cached, and the
    // view's count, which the counters refuse: the article is not published).
    expect((await measure(() => alice.get(`/articles/${article.id}`))).length).toBe(1);
    await step(bob, article, 'review', { decision: 'approve' });
    expect(await measure(() => carol.get(`/articles/${article.id}`))).toEqual([['GetItem', 'UpdateItem']]);
    // By number, the id is known once read: the count follows.
    expect(await measure(() => carol.get(`/articles/${article.number}`))).toEqual([['Query'], ['UpdateItem']]);
  });

  it('counts a view only of a published article its reader may read: not a draft, an internal one for a requester, a retired one', async () => {
    // The counters as stored (the stack set the environment the store reads at load).
    const { readStats } = await import('../../functions/knowledge/store/stats-store.ts');
    const views = async (article: Article) => (await readStats(article.id)).views;
    const draft = await create({ title: 'Uncounted draft' });
    await alice.get(`/articles/${draft.id}`);
    const internal = await published({ title: 'Counted internal', audience: 'internal' });
    expect((await carol.get(`/articles/${internal.id}`)).status).toBe(404);
    await alice.get(`/articles/${internal.id}`);
    await alice.get(`/articles/${internal.number}`);
    const retired = await published({ title: 'Counted until retired' });
    await carol.get(`/articles/${retired.id}`);
    await step(bob, retired, 'retire'); // bob reads it first: a second view
    await alice.get(`/articles/${retired.id}`);
    expect([await views(draft), await views(internal), await views(retired)]).toEqual([0, 2, 2]);
  });
});

function eventsOf(articleId: string): PublishedEvent[] {
  return stack.published.events().filter((e: PublishedEvent) => (e.detail as { article?: { id: string } }).article?.id === articleId);
}

function notificationsOf(articleId: string): { type: string; recipients: unknown }[] {
  return stack.published
    .notifications()
    .filter((n) => (n.message as { article?: { id: string } }).article?.id === articleId)
    .map((n) => n.message as { type: string; recipients: unknown });
}
