import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { PublishedEvent } from '../../local/published-log.ts';
import { type RequestCounter, startRequestCounter } from '../../local/request-counter.ts';
import { agent, type Client, requester, startTestStack, type TestStack } from '../support/api.ts';
import { type Article, ifMatch, ok, publishArticle, publishDraft } from '../support/knowledge.ts';
import { poll } from '../support/poll.ts';
import { roundTripsOf } from '../support/round-trips.ts';

/*
 * Feedback on articles and their counters over HTTP against the local stack (issue 16, slice C):
 * once per person per published version (409 feedback-exists on the same version, a newly
 * published version rated again), exact counts under concurrent votes and views (atomic ADD on the
 * article's STATS item), requesters limited to public published articles, and the event without
 * the comment. Articles are written, submitted and approved through the articles API (alice
 * writes, bob of the owner group approves).
 */

let counter: RequestCounter;
let stack: TestStack;
let alice: Client;
let bob: Client;
let carol: Client;

/** A draft by alice, submitted, approved by bob (service-desk): published. */
async function published(fields: Record<string, unknown> = {}): Promise<Article> {
  return publishArticle(alice, bob, {
    title: `VPN drops every hour ${Math.random()}`,
    body: '## Fix\n\nReconnect.',
    ownerGroup: 'service-desk',
    audience: 'public',
    ...fields,
  });
}

beforeAll(async () => {
  counter = await startRequestCounter(inject('dynamoDbEndpoint'));
  stack = await startTestStack({ dynamoDbEndpoint: counter.endpoint });
  [alice, bob, carol] = await Promise.all([agent(stack), agent(stack, 'bob'), requester(stack)]);
}, 60_000);

afterAll(async () => {
  await stack?.stop();
  await counter?.stop();
});

describe('POST /articles/{id}/feedback', () => {
  it('once per person per version: 201 with the counts, 409 feedback-exists naming the version, a new version rated again', async () => {
    const article = await published();
    expect(article.status).toBe('published');
    const first = await carol.post(`/articles/${article.number}/feedback`, { helpful: false, comment: 'Still drops after reconnecting' });
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expect(first.body).toEqual({
      feedback: {
        articleId: article.id,
        articleNumber: article.number,
        version: article.publishedVersion,
        helpful: false,
        comment: 'Still drops after reconnecting',
        by: 'carol',
        at: expect.any(String),
      },
      counts: { views: 0, helpful: 0, notHelpful: 1, deflections: 0 },
    });

    const again = await carol.post(`/articles/${article.id}/feedback`, { helpful: true });
    expect(again.status).toBe(409);
    expect(again.body.type).toMatch(/feedback-exists$/);
    expect(again.body.version).toBe(article.publishedVersion);
    expect(again.body.detail).toContain(`version ${article.publishedVersion}`);

    // Another person on the same version: counted.
    const byAlice = await ok(alice.post(`/articles/${article.id}/feedback`, { helpful: true }), 201);
    expect(byAlice.counts).toMatchObject({ helpful: 1, notHelpful: 1 });

    // An edit of the published article, published in turn: a new version, rated again.
    const edited = await ok<Article>(
      alice.put(
        `/articles/${article.id}`,
        { title: article.title, body: '## Fix\n\nReconnect, then renew the lease.', ownerGroup: 'service-desk', audience: 'public' },
        ifMatch(article),
      ),
    );
    const republished = await publishDraft(alice, bob, edited);
    expect(republished.publishedVersion).toBeGreaterThan(article.publishedVersion);
    const rated = await ok(carol.post(`/articles/${article.id}/feedback`, { helpful: true }), 201);
    expect(rated.feedback.version).toBe(republished.publishedVersion);
    expect(rated.counts).toMatchObject({ helpful: 2, notHelpful: 1 });
  });

  it('keeps the comment in the history, never in the event', async () => {
    const article = await published();
    await ok(carol.post(`/articles/${article.id}/feedback`, { helpful: false, comment: 'The screenshot is outdated' }), 201);
    const history = await ok(alice.get(`/articles/${article.id}/history`));
    const records: Record<string, any>[] = history.items ?? history;
    const record = records.find((r) => r.action === 'feedback_added');
    expect(record).toMatchObject({ actor: 'carol' });
    expect(record?.changes).toEqual(
      expect.arrayContaining([
        { field: 'helpful', from: null, to: false },
        { field: 'comment', from: null, to: 'The screenshot is outdated' },
      ]),
    );
    const event = await poll(
      () =>
        stack.published
          .events()
          .find((e: PublishedEvent) => e.detailType === 'Article Feedback Received' && (e.detail as { article?: { id: string } }).article?.id === article.id),
      (found) => found !== undefined,
    );
    expect((event?.detail as any).feedback).toEqual({ helpful: false, version: article.publishedVersion });
    expect(JSON.stringify(event)).not.toContain('screenshot');
  });

  it('counts exactly: 20 concurrent votes from different people and 50 concurrent views', async () => {
    const article = await published();
    const voters = await Promise.all(Array.from({ length: 20 }, (_, i) => requester(stack, `voter-${i}`)));
    const votes = await Promise.all(voters.map((voter, i) => voter.post(`/articles/${article.id}/feedback`, { helpful: i % 4 !== 0 })));
    expect(votes.map((v) => v.status)).toEqual(Array(20).fill(201));
    const views = await Promise.all(Array.from({ length: 50 }, (_, i) => (i % 2 === 0 ? carol : alice).get(`/articles/${article.id}`)));
    expect(views.map((v) => v.status)).toEqual(Array(50).fill(200));
    // One more vote reads the counters back, strongly.
    const last = await ok(alice.post(`/articles/${article.id}/feedback`, { helpful: true }), 201);
    expect(last.counts).toEqual({ views: 50, helpful: 16, notHelpful: 5, deflections: 0 });
  }, 60_000);

  it('requesters rate public published articles only (404 otherwise); agents any published one (409 article-not-published before)', async () => {
    const internal = await published({ audience: 'internal' });
    const refused = await carol.post(`/articles/${internal.id}/feedback`, { helpful: true });
    expect(refused.status).toBe(404);
    expect(await ok(alice.post(`/articles/${internal.id}/feedback`, { helpful: true }), 201)).toMatchObject({ counts: { helpful: 1 } });

    const draft = await ok<Article>(alice.post('/articles', { title: 'Draft', body: 'Soon', ownerGroup: 'service-desk', audience: 'public' }), 201);
    expect((await carol.post(`/articles/${draft.id}/feedback`, { helpful: true })).status).toBe(404);
    const notPublished = await alice.post(`/articles/${draft.id}/feedback`, { helpful: true });
    expect(notPublished.status).toBe(409);
    expect(notPublished.body.type).toMatch(/article-not-published$/);
    // The problem's own `status` stays the HTTP status; the article's is `articleStatus`.
    expect(notPublished.body).toMatchObject({ status: 409, articleStatus: 'draft' });
    expect((await carol.post('/articles/KB9999999/feedback', { helpful: true })).status).toBe(404);
  });

  it('checks the body: helpful required, a comment at most 2000 characters', async () => {
    const article = await published();
    const missing = await carol.post(`/articles/${article.id}/feedback`, { comment: 'no vote' });
    expect(missing.status).toBe(400);
    expect(missing.body.errors[0]).toMatchObject({ location: 'body', path: 'helpful' });
    const long = await carol.post(`/articles/${article.id}/feedback`, { helpful: true, comment: 'x'.repeat(2001) });
    expect(long.status).toBe(400);
    expect(long.body.errors[0]).toMatchObject({ location: 'body', path: 'comment' });
  });

  it('two round trips: the article and its counters together, then one transaction', async () => {
    const article = await published();
    const rounds = await roundTripsOf(stack, counter, () => carol.post(`/articles/${article.id}/feedback`, { helpful: true }));
    expect(rounds).toEqual([['GetItem', 'GetItem'], ['TransactWriteItems']]);
  });

  it('Idempotency-Key replays the first answer, and the vote is counted once', async () => {
    const article = await published();
    const headers = { 'idempotency-key': `vote-${article.id}` };
    const first = await carol.post(`/articles/${article.id}/feedback`, { helpful: true }, headers);
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    const replay = await carol.post(`/articles/${article.id}/feedback`, { helpful: true }, headers);
    expect(replay.status).toBe(201);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body).toEqual(first.body);
    const other = await alice.post(`/articles/${article.id}/feedback`, { helpful: true });
    expect(other.body.counts).toMatchObject({ helpful: 2, notHelpful: 0 });
  });
});
