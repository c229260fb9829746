import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { articleKey, deflectionDayKey } from '../../functions/knowledge/store/keys.ts';
import { type RequestCounter, startRequestCounter } from '../../local/request-counter.ts';
import { admin, agent, type Client, requester, startTestStack, type TestStack } from '../support/api.ts';
import { type Article, ifMatch, ok, publishArticle } from '../support/knowledge.ts';
import { poll } from '../support/poll.ts';
import { roundTripsOf } from '../support/round-trips.ts';

/*
 * The knowledge configuration and GET /reports/knowledge over HTTP against the local stack (issue
 * 16, slice C): the review interval (agents read, admins change with If-Match), views and votes
 * counted by the articles API and ranked by the report, articles due for review under a short
 * interval (their last review moved two days back in the table: an interval is at least a day,
 * and a test does not wait one), and deflections by day: today's through POST /suggestions and
 * its deflection, other days' counters written directly in the table (as the deflection writes
 * them, stats-store.ts deflectionCounterUpdates: the route counts only today).
 */

let counter: RequestCounter;
let stack: TestStack;
let ada: Client;
let alice: Client;
let bob: Client;
let carol: Client;
let documents: DynamoDBDocumentClient;

const DAY_MS = 86_400_000;
const dayOf = (offset: number) => new Date(Date.now() + offset * DAY_MS).toISOString().slice(0, 10);

const published = (title: string, audience = 'public'): Promise<Article> =>
  publishArticle(alice, bob, { title, body: `About ${title}`, ownerGroup: 'service-desk', audience });

async function vote(article: Article, votes: boolean[]) {
  // Requesters may rate public articles only: agents rate the internal one.
  const voters = await Promise.all(votes.map((_, i) => stack.as(`${article.number}-voter-${i}`, article.audience === 'public' ? [] : ['agent'])));
  const replies = await Promise.all(voters.map((voter, i) => voter.post(`/articles/${article.id}/feedback`, { helpful: votes[i] })));
  expect(replies.map((r) => r.status)).toEqual(votes.map(() => 201));
}

async function view(article: Article, times: number) {
  const replies = await Promise.all(Array.from({ length: times }, () => carol.get(`/articles/${article.id}`)));
  expect(replies.map((r) => r.status)).toEqual(Array(times).fill(200));
}

/** Moves an article's last review back, as if it had been approved `days` ago (the record and its review index key). */
async function reviewedDaysAgo(article: Article, days: number): Promise<string> {
  const at = new Date(Date.now() - days * DAY_MS).toISOString();
  await documents.send(
    new UpdateCommand({
      TableName: stack.tableName,
      Key: articleKey(article.id),
      UpdateExpression: 'SET reviewedAt = :at, gsi4sk = :sk',
      ExpressionAttributeValues: { ':at': at, ':sk': `${at}#${article.number}` },
    }),
  );
  return at;
}

async function deflections(day: string, count: number) {
  await documents.send(
    new UpdateCommand({
      TableName: stack.tableName,
      Key: deflectionDayKey(day),
      UpdateExpression: 'ADD #count :n SET #day = :day',
      ExpressionAttributeNames: { '#count': 'count', '#day': 'day' },
      ExpressionAttributeValues: { ':n': count, ':day': day },
    }),
  );
}

beforeAll(async () => {
  counter = await startRequestCounter(inject('dynamoDbEndpoint'));
  stack = await startTestStack({ dynamoDbEndpoint: counter.endpoint });
  [ada, alice, bob, carol] = await Promise.all([admin(stack), agent(stack), agent(stack, 'bob'), requester(stack)]);
  documents = DynamoDBDocumentClient.from(
    new DynamoDBClient({ endpoint: stack.dynamoDbEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }),
  );
}, 60_000);

afterAll(async () => {
  documents?.destroy();
  await stack?.stop();
  await counter?.stop();
});

describe('/knowledge-config', () => {
  it('365 days until an admin changes it with If-Match; agents read it, requesters and agents cannot change it', async () => {
    const initial = await alice.get('/knowledge-config');
    expect(initial.status).toBe(200);
    expect(initial.body).toEqual({ reviewIntervalDays: 365, version: 0 });
    expect(initial.headers.get('etag')).toBe('"0"');
    expect((await carol.get('/knowledge-config')).status).toBe(403);
    expect((await alice.put('/knowledge-config', { reviewIntervalDays: 30 }, { 'if-match': '"0"' })).status).toBe(403);
    expect((await ada.put('/knowledge-config', { reviewIntervalDays: 30 })).status).toBe(428);
    for (const reviewIntervalDays of [0, 3651, 1.5]) {
      const refused = await ada.put('/knowledge-config', { reviewIntervalDays }, { 'if-match': '"0"' });
      expect(refused.status).toBe(400);
      expect(refused.body.errors[0]).toMatchObject({ location: 'body', path: 'reviewIntervalDays' });
    }
    const changed = await ada.put('/knowledge-config', { reviewIntervalDays: 400 }, { 'if-match': '"0"' });
    expect(changed.status, JSON.stringify(changed.body)).toBe(200);
    expect(changed.body).toMatchObject({ reviewIntervalDays: 400, version: 1 });
    expect((await ada.put('/knowledge-config', { reviewIntervalDays: 500 }, { 'if-match': '"0"' })).status).toBe(412);
    expect((await alice.get('/knowledge-config')).body).toMatchObject({ reviewIntervalDays: 400, version: 1 });
  });
});

describe('GET /reports/knowledge', () => {
  let popular: Article;
  let useful: Article;
  let disputed: Article;
  let unloved: Article;

  beforeAll(async () => {
    [popular, useful, disputed, unloved] = await Promise.all([
      published('Reset your password'),
      published('Configure the VPN client'),
      published('Map a network drive'),
      published('Clear the mail cache', 'internal'),
    ]);
    await Promise.all([view(popular, 5), view(useful, 2), view(disputed, 1)]);
    await Promise.all([
      vote(useful, [true, true, true]),
      vote(disputed, [true, false, false]),
      // Two votes against: too few to rank.
      vote(popular, [false, false]),
      vote(unloved, [false, false, false, true]),
    ]);
  }, 60_000);

  it('two round trips: the configuration, then the counters, the days and the review index together (no Scan)', async () => {
    const rounds = await roundTripsOf(stack, counter, () => alice.get('/reports/knowledge'));
    expect(rounds).toEqual([['GetItem'], ['Query', 'Query', 'Query']]);
  });

  it('requesters: 404', async () => {
    expect((await carol.get('/reports/knowledge')).status).toBe(404);
  });

  it('ranks the most viewed and, among articles with 3 votes or more, the least helpful', async () => {
    const report = await ok(alice.get('/reports/knowledge'));
    expect(report.mostViewed).toEqual([
      { id: popular.id, number: popular.number, title: popular.title, views: 5, helpful: 0, notHelpful: 2 },
      { id: useful.id, number: useful.number, title: useful.title, views: 2, helpful: 3, notHelpful: 0 },
      { id: disputed.id, number: disputed.number, title: disputed.title, views: 1, helpful: 1, notHelpful: 2 },
    ]);
    expect(report.leastHelpful).toEqual([
      { id: unloved.id, number: unloved.number, title: unloved.title, views: 0, helpful: 1, notHelpful: 3, helpfulRatio: 0.25 },
      { id: disputed.id, number: disputed.number, title: disputed.title, views: 1, helpful: 1, notHelpful: 2, helpfulRatio: 0.333 },
      { id: useful.id, number: useful.number, title: useful.title, views: 2, helpful: 3, notHelpful: 0, helpfulRatio: 1 },
    ]);

    // A retired article leaves both rankings (its counters stay in the table).
    const gone = await published('Retired soon');
    await view(gone, 9);
    await vote(gone, [false, false, false]);
    const before = await ok(alice.get('/reports/knowledge'));
    expect(before.mostViewed[0]).toMatchObject({ id: gone.id, views: 9 });
    expect(before.leastHelpful[0]).toMatchObject({ id: gone.id, helpfulRatio: 0 });
    const current = await ok<Article>(alice.get(`/articles/${gone.id}`));
    await ok(ada.post(`/articles/${gone.id}/retire`, {}, ifMatch(current)));
    const after = await ok(alice.get('/reports/knowledge'));
    expect(after.mostViewed).toEqual(report.mostViewed);
    expect(after.leastHelpful).toEqual(report.leastHelpful);
  });

  it('lists the published articles not reviewed within the interval; GET /articles/{id} flags them', async () => {
    const before = await ok(alice.get('/reports/knowledge'));
    expect(before.dueForReview).toEqual({ reviewIntervalDays: 400, count: 0, articles: [] });

    const config = await ok(alice.get('/knowledge-config'));
    await ok(ada.put('/knowledge-config', { reviewIntervalDays: 1 }, ifMatch(config)));
    const longAgo = await reviewedDaysAgo(disputed, 3);
    const lately = await reviewedDaysAgo(useful, 2);
    const report = await ok(alice.get('/reports/knowledge'));
    expect(report.dueForReview).toEqual({
      reviewIntervalDays: 1,
      count: 2,
      articles: [
        { id: disputed.id, number: disputed.number, title: disputed.title, reviewedAt: longAgo, ownerGroup: 'service-desk' },
        { id: useful.id, number: useful.number, title: useful.title, reviewedAt: lately, ownerGroup: 'service-desk' },
      ],
    });
    expect((await ok(alice.get(`/articles/${disputed.id}`))).reviewDue).toBe(true);
    expect((await ok(alice.get(`/articles/${popular.id}`))).reviewDue).toBe(false);
  });

  it('counts deflections per day between from and to (default the last 30 days), every day listed', async () => {
    // Today's through the route (POST /suggestions, then its deflection), once the indexer has made the article searchable.
    const offered = await poll(
      () => carol.post('/suggestions', { title: 'Reset your password' }),
      (reply) => reply.status === 201 && reply.body.articles.some((article: { id: string }) => article.id === popular.id),
      30_000,
    );
    await ok(carol.post(`/suggestions/${offered.body.id}/deflection`, { article: popular.id }), 201);
    // Other days' counters written as the deflection writes them.
    await Promise.all([deflections(dayOf(-1), 2), deflections(dayOf(-40), 7)]);
    const report = await ok(alice.get('/reports/knowledge'));
    expect(report.to).toBe(dayOf(0));
    expect(report.from).toBe(dayOf(-29));
    expect(report.deflections.total).toBe(3);
    expect(report.deflections.byDay).toHaveLength(30);
    expect(report.deflections.byDay.slice(-2)).toEqual([
      { day: dayOf(-1), count: 2 },
      { day: dayOf(0), count: 1 },
    ]);
    const older = await ok(alice.get(`/reports/knowledge?from=${dayOf(-45)}&to=${dayOf(-35)}`));
    expect(older.deflections).toEqual({ total: 7, byDay: expect.arrayContaining([{ day: dayOf(-40), count: 7 }]) });
    expect(older.deflections.byDay).toHaveLength(11);

    const reversed = await alice.get(`/reports/knowledge?from=${dayOf(0)}&to=${dayOf(-1)}`);
    expect(reversed.status).toBe(400);
    expect(reversed.body.errors[0]).toMatchObject({ location: 'query', path: 'from' });
    expect((await alice.get(`/reports/knowledge?from=${dayOf(-400)}`)).status).toBe(400);
  });
});
