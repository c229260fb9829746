import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agent, type Client, requester, startTestStack, type TestStack } from '../support/api.ts';
import { poll } from '../support/poll.ts';

/*
 * The search indexer over HTTP against the local stack (issue 16): which Article events write to
 * the `articles` change log (only a publication and a retirement of an article that was published
 * change what is indexed), and records found by their number (KB…, INC…, PRB…).
 *
 * Each test writes records with made-up words of its own, so the tests do not see each other's.
 */

let stack: TestStack;
let alice: Client; // agent, author (service-desk)
let bob: Client; // agent, reviewer (service-desk)
let carol: Client; // requester
let dave: Client; // requester
let raw: DynamoDBDocumentClient;

type Hit = { kind: string; id: string; number: string };
type Article = { id: string; number: string; version: number; status: string };
type Change = { docId: string; version: number; removed?: boolean; document?: { keywords: string[]; updatedAt: string } };

/** Long enough for the bus rule's delivery, the indexer and the reader's refresh (at most once a second). */
const WITHIN_MS = 10_000;

async function search(client: Client, q: string): Promise<Hit[]> {
  const reply = await client.get<{ items: Hit[] }>(`/search?q=${encodeURIComponent(q)}`);
  expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  return reply.body.items;
}
const ids = (hits: readonly Hit[]) => hits.map((hit) => hit.id);

/** The changes of the `articles` change log about one article, straight from the table, oldest first. */
async function changesOf(articleId: string): Promise<Change[]> {
  const items: Change[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await raw.send(
      new QueryCommand({
        TableName: stack.tableName,
        KeyConditionExpression: 'pk = :pk',
        FilterExpression: 'docId = :docId',
        ExpressionAttributeValues: { ':pk': 'SEARCH#articles', ':docId': `article:${articleId}` },
        ConsistentRead: true,
        ...(startKey === undefined ? {} : { ExclusiveStartKey: startKey }),
      }),
    );
    items.push(...((page.Items ?? []) as Change[]));
    startKey = page.LastEvaluatedKey;
  } while (startKey !== undefined);
  return items;
}

async function draft(content: Record<string, unknown>): Promise<Article> {
  const reply = await alice.post<Article>('/articles', { ownerGroup: 'service-desk', ...content });
  expect(reply.status, JSON.stringify(reply.body)).toBe(201);
  return reply.body;
}

async function edit(article: Article, content: Record<string, unknown>): Promise<Article> {
  const reply = await alice.put<Article>(`/articles/${article.id}`, { ownerGroup: 'service-desk', ...content }, { 'If-Match': `"${article.version}"` });
  expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  return reply.body;
}

async function submit(article: Article): Promise<Article> {
  const reply = await alice.post<Article>(`/articles/${article.id}/submit`, {}, { 'If-Match': `"${article.version}"` });
  expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  return reply.body;
}

async function review(article: Article, decision: 'approve' | 'reject'): Promise<Article> {
  const body = decision === 'reject' ? { decision, comment: 'Say which tray' } : { decision };
  const reply = await bob.post<Article>(`/articles/${article.id}/review`, body, { 'If-Match': `"${article.version}"` });
  expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  return reply.body;
}

async function retire(article: Article): Promise<Article> {
  const reply = await bob.post<Article>(`/articles/${article.id}/retire`, {}, { 'If-Match': `"${article.version}"` });
  expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  return reply.body;
}

/**
 * Waits until the events sent so far have gone through the indexer: a sentinel article published
 * now is in the change log (the bus rule's queue delivers in order, give or take a batch), and a
 * little longer for anything handled beside it.
 */
async function settled(): Promise<void> {
  const sentinel = await review(await submit(await draft({ title: `Sentinel ${Date.now()}`, body: 'Nothing to see.' })), 'approve');
  await poll(
    () => changesOf(sentinel.id),
    (changes) => changes.length > 0,
    WITHIN_MS,
  );
  await new Promise((resolve) => setTimeout(resolve, 1_500));
}

/** Waits until the article has a change at `version` or later; its changes then. */
const changedAt = (articleId: string, version: number) =>
  poll(
    () => changesOf(articleId),
    (changes) => changes.some((change) => change.version >= version),
    WITHIN_MS,
  );

beforeAll(async () => {
  stack = await startTestStack();
  [alice, bob, carol, dave] = await Promise.all([agent(stack), agent(stack, 'bob'), requester(stack), requester(stack, 'dave')]);
  raw = DynamoDBDocumentClient.from(
    new DynamoDBClient({ endpoint: stack.dynamoDbEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }),
  );
}, 60_000);

afterAll(async () => {
  raw?.destroy();
  await stack?.stop();
});

describe('the indexer writes a change only when what is indexed changes', () => {
  it('writes nothing for an article never published: created, edited, submitted, rejected, retired', async () => {
    let article = await draft({ title: 'Gharial tray guide', body: 'Open the gharial tray.' });
    article = await edit(article, { title: 'Gharial tray guide', body: 'Open the gharial tray, then close it.' });
    article = await review(await submit(article), 'reject');
    await retire(article);
    await settled();
    expect(await changesOf(article.id)).toEqual([]);
  });

  it('writes a published article once per publication, nothing for its pending edits, and its removal at retirement', async () => {
    let article = await draft({ title: 'Numbat badge reader', body: 'Hold the numbat badge flat.', audience: 'public' });
    article = await review(await submit(article), 'approve');
    const first = await changedAt(article.id, article.version);
    expect(first).toHaveLength(1);
    expect(first[0]).toMatchObject({ version: article.version, document: { updatedAt: expect.any(String) } });
    const publishedAt = first[0]?.document?.updatedAt;

    // An edit of the published article: a pending version, edited, submitted, rejected, edited again.
    article = await edit(article, { title: 'Numbat badge reader', body: 'Hold the numbat badge flat for two seconds.', audience: 'public' });
    article = await review(await submit(article), 'reject');
    article = await edit(article, { title: 'Numbat badge reader', body: 'Hold the numbat badge flat for three seconds.', audience: 'public' });
    await settled();
    expect(await changesOf(article.id)).toEqual(first);
    expect(ids(await search(carol, 'numbat'))).toContain(article.id);

    // Its publication writes the new content, with when it was published.
    article = await review(await submit(article), 'approve');
    const second = await changedAt(article.id, article.version);
    expect(second).toHaveLength(2);
    expect(second.at(-1)?.removed).toBeUndefined();
    expect(second.at(-1)?.document?.updatedAt).not.toBe(publishedAt);

    // Its retirement, its removal.
    article = await retire(article);
    const third = await changedAt(article.id, article.version);
    expect(third).toHaveLength(3);
    expect(third.at(-1)).toMatchObject({ version: article.version, removed: true });
    await poll(
      () => search(alice, 'numbat'),
      (hits) => !ids(hits).includes(article.id),
      WITHIN_MS,
    );
  });
});

describe('search by number', () => {
  it('finds an article, an incident, a problem and its known error by their number, for whoever may read them', async () => {
    const article = await review(await submit(await draft({ title: 'Okapi printer queue', body: 'Clear the okapi queue.', audience: 'public' })), 'approve');
    const incident = await carol.post<{ id: string; number: string }>('/incidents', { title: 'Okapi queue stuck', description: 'Since noon.' });
    expect(incident.status, JSON.stringify(incident.body)).toBe(201);
    const problem = await alice.post<{ id: string; number: string; version: number }>('/problems', {
      title: 'Okapi queue stalls',
      description: 'The okapi spooler stalls.',
      workaround: 'Restart the okapi spooler.',
    });
    expect(problem.status, JSON.stringify(problem.body)).toBe(201);
    const knownError = await alice.patch(`/problems/${problem.body.id}`, { knownError: true }, { 'If-Match': `"${problem.body.version}"` });
    expect(knownError.status, JSON.stringify(knownError.body)).toBe(200);

    // As agents paste them, and in lower case.
    const articleHits = await poll(
      () => search(carol, article.number),
      (hits) => ids(hits).includes(article.id),
      WITHIN_MS,
    );
    expect(articleHits[0]).toMatchObject({ kind: 'article', id: article.id, number: article.number });
    const incidentHits = await poll(
      () => search(alice, incident.body.number.toLowerCase()),
      (hits) => ids(hits).includes(incident.body.id),
      WITHIN_MS,
    );
    expect(incidentHits.map((hit) => hit.number)).toEqual([incident.body.number]);
    const problemHits = await poll(
      () => search(alice, problem.body.number),
      (hits) => hits.some((hit) => hit.kind === 'knownError'),
      WITHIN_MS,
    );
    expect(problemHits.map((hit) => hit.kind).sort()).toEqual(['knownError', 'problem']);
    expect(new Set(problemHits.map((hit) => hit.number))).toEqual(new Set([problem.body.number]));

    // The caller of the incident finds it by its number; another requester does not, nor anyone a problem.
    expect(ids(await search(carol, incident.body.number))).toEqual([incident.body.id]);
    expect(await search(dave, incident.body.number)).toEqual([]);
    expect(await search(carol, problem.body.number)).toEqual([]);
  });
});
