import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agent, type Client, requester, startTestStack, type TestStack } from '../support/api.ts';
import { poll } from '../support/poll.ts';

/*
 * GET /search over HTTP against the local stack (issue 16, slice D): the indexer follows the
 * table (Article, Incident and Problem events on the bus -> the search change log), GET /search
 * refreshes its index from the change log and searches it, filtered by what the caller may read;
 * the rebuild builds the snapshots from the table alone.
 *
 * Each test writes records with words of its own (made-up ones where the test is about who finds
 * what), so the tests do not see each other's records.
 */

let stack: TestStack;
let alice: Client; // agent, author (service-desk)
let bob: Client; // agent, reviewer (service-desk)
let carol: Client; // requester
let dave: Client; // requester
let raw: DynamoDBDocumentClient;

type Hit = { kind: string; id: string; number: string; title: string; status: string; services: string[]; score: number; url: string };
type Article = { id: string; number: string; version: number; status: string };

/** Long enough for the bus rule's delivery, the indexer and the reader's refresh (at most once a second). */
const FOUND_WITHIN_MS = 10_000;

async function search(client: Client, q: string, extra = ''): Promise<Hit[]> {
  const reply = await client.get<{ query: string; items: Hit[] }>(`/search?q=${encodeURIComponent(q)}${extra}`);
  expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  return reply.body.items;
}

const ids = (hits: readonly Hit[]) => hits.map((hit) => hit.id);

/** Polls the search until `done` holds for its hits. */
const searchUntil = (client: Client, q: string, done: (hits: Hit[]) => boolean, extra = '') =>
  poll(
    () => search(client, q, extra),
    (hits) => done(hits),
    FOUND_WITHIN_MS,
  );

async function draft(content: Record<string, unknown>): Promise<Article> {
  const reply = await alice.post<Article>('/articles', { ownerGroup: 'service-desk', ...content });
  expect(reply.status, JSON.stringify(reply.body)).toBe(201);
  return reply.body;
}

async function publish(article: Pick<Article, 'id'>): Promise<Article> {
  const current = await alice.get<Article>(`/articles/${article.id}`);
  expect(current.status, JSON.stringify(current.body)).toBe(200);
  const submitted = await alice.post<Article>(`/articles/${article.id}/submit`, {}, { 'If-Match': `"${current.body.version}"` });
  expect(submitted.status, JSON.stringify(submitted.body)).toBe(200);
  const approved = await bob.post<Article>(`/articles/${article.id}/review`, { decision: 'approve' }, { 'If-Match': `"${submitted.body.version}"` });
  expect(approved.status, JSON.stringify(approved.body)).toBe(200);
  expect(approved.body.status).toBe('published');
  return approved.body;
}

const published = async (content: Record<string, unknown>): Promise<Article> => publish(await draft(content));

/** The change log of an index, straight from the table. */
async function changeLog(index: 'articles' | 'tickets'): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await raw.send(
      new QueryCommand({
        TableName: stack.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': `SEARCH#${index}` },
        ...(startKey === undefined ? {} : { ExclusiveStartKey: startKey }),
      }),
    );
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey !== undefined);
  return items;
}

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

describe('GET /search', () => {
  it('finds a published article within seconds, by a misspelled word, another form of a word and a prefix', async () => {
    const article = await draft({
      title: 'Reset a forgotten VPN password',
      body: '## When the VPN refuses your password\n\n1. **Restart** the [VPN client](https://vpn.example.com/help).\n2. Choose *Forgot password* and follow the e-mail.',
      audience: 'public',
      // Two services: the search document keeps both, and `service=` finds it by either.
      services: ['vpn', 'intranet'],
      keywords: ['credentials'],
    });
    expect(ids(await search(alice, 'forgotten VPN password'))).not.toContain(article.id);

    const publishedAt = Date.now();
    await publish(article);
    const hits = await searchUntil(carol, 'forgotten VPN password', (found) => ids(found).includes(article.id));
    expect(Date.now() - publishedAt).toBeLessThan(FOUND_WITHIN_MS);
    expect(hits.find((hit) => hit.id === article.id)).toMatchObject({
      kind: 'article',
      number: article.number,
      title: 'Reset a forgotten VPN password',
      status: 'published',
      services: ['vpn', 'intranet'],
      url: `/articles/${article.id}`,
    });
    expect(hits[0]?.score).toBeGreaterThan(0);

    // A typo, another form of a word (stemming), a prefix, a keyword; markdown syntax is not a word.
    expect(ids(await search(carol, 'pasword'))).toContain(article.id);
    expect(ids(await search(carol, 'restarting'))).toContain(article.id);
    expect(ids(await search(carol, 'forgott'))).toContain(article.id);
    expect(ids(await search(carol, 'credentials'))).toContain(article.id);
    expect(ids(await search(carol, 'https'))).not.toContain(article.id);
    // Filters: service (any of the article's, not only its first) and kinds.
    expect(ids(await search(carol, 'password', '&service=vpn'))).toContain(article.id);
    expect(ids(await search(carol, 'password', '&service=intranet'))).toContain(article.id);
    expect(ids(await search(carol, 'password', '&service=email'))).not.toContain(article.id);
    expect(ids(await search(alice, 'password', '&kinds=incident,problem'))).not.toContain(article.id);
  });

  it('answers what requesters may read: public articles and their own incidents; agents read everything published', async () => {
    const internal = await published({ title: 'Zephyrine cluster failover runbook', body: 'Fail the zephyrine cluster over to the standby site.' });
    const publicOne = await published({ title: 'Zephyrine portal for everyone', body: 'The zephyrine portal shows your requests.', audience: 'public' });
    const unpublished = await draft({ title: 'Zephyrine draft notes', body: 'Not reviewed yet.', audience: 'public' });
    const own = await carol.post<{ id: string; number: string }>('/incidents', {
      title: 'Zephyrine portal shows a blank page',
      description: 'Since this morning.',
    });
    expect(own.status, JSON.stringify(own.body)).toBe(201);
    const others = await dave.post<{ id: string; number: string }>('/incidents', {
      title: 'Zephyrine portal is slow',
      description: 'Every page takes a minute.',
    });
    expect(others.status, JSON.stringify(others.body)).toBe(201);

    const everything = [internal.id, publicOne.id, own.body.id, others.body.id];
    const agentHits = await searchUntil(alice, 'zephyrine', (hits) => everything.every((id) => ids(hits).includes(id)));
    expect(ids(agentHits)).not.toContain(unpublished.id);
    expect(agentHits.find((hit) => hit.id === own.body.id)).toMatchObject({ kind: 'incident', number: own.body.number, url: `/incidents/${own.body.id}` });

    const carolHits = await search(carol, 'zephyrine');
    expect(ids(carolHits).sort()).toEqual([publicOne.id, own.body.id].sort());
    const daveHits = await search(dave, 'zephyrine');
    expect(ids(daveHits).sort()).toEqual([publicOne.id, others.body.id].sort());
    // Kinds a requester may not read find nothing; their own incidents alone with kinds=incident.
    expect(await search(carol, 'zephyrine', '&kinds=problem,knownError')).toEqual([]);
    expect(ids(await search(carol, 'zephyrine', '&kinds=incident'))).toEqual([own.body.id]);
  });

  it('finds a problem and its known error for agents only', async () => {
    const created = await alice.post<{ id: string; number: string; version: number }>('/problems', {
      title: 'Quillback reports time out',
      description: 'The quillback report service times out under load.',
      workaround: 'Run the quillback report overnight.',
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const updated = await alice.patch<{ version: number }>(`/problems/${created.body.id}`, { knownError: true }, { 'If-Match': `"${created.body.version}"` });
    expect(updated.status, JSON.stringify(updated.body)).toBe(200);
    const hits = await searchUntil(alice, 'quillback overnight', (found) => found.some((hit) => hit.kind === 'knownError'));
    expect(hits.find((hit) => hit.kind === 'knownError')).toMatchObject({
      id: created.body.id,
      number: created.body.number,
      url: `/problems/${created.body.id}`,
    });
    expect(ids(await search(alice, 'quillback', '&kinds=problem'))).toEqual([created.body.id]);
    expect(await search(carol, 'quillback')).toEqual([]);
  });

  it('finds an edited published article by its published text until the new version is published', async () => {
    const article = await published({ title: 'Printer marmoset jam', body: 'Open tray two and pull the marmoset lever.', audience: 'public' });
    await searchUntil(carol, 'marmoset', (hits) => ids(hits).includes(article.id));

    const edited = await alice.put<Article>(
      `/articles/${article.id}`,
      { ownerGroup: 'service-desk', title: 'Printer quetzal jam', body: 'Open tray three and pull the quetzal lever.', audience: 'public' },
      { 'If-Match': `"${article.version}"` },
    );
    expect(edited.status, JSON.stringify(edited.body)).toBe(200);
    // The indexer skips Article Updated (it touches a pending version readers do not see: 9cbfa23): no change
    // is written for the edit, so there is nothing to wait for but the readers' next refresh.
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    const changes = await changeLog('articles');
    expect(changes.some((item) => item.docId === `article:${article.id}` && (item.version as number) >= edited.body.version)).toBe(false);
    expect(ids(await search(carol, 'marmoset'))).toContain(article.id);
    expect(ids(await search(alice, 'quetzal'))).not.toContain(article.id);

    await publish(article);
    await searchUntil(carol, 'quetzal', (hits) => ids(hits).includes(article.id));
    expect(ids(await search(carol, 'marmoset'))).not.toContain(article.id);
  });

  it('forgets a retired article', async () => {
    const article = await published({ title: 'Obsolete tapir backup steps', body: 'Rotate the tapir tapes weekly.', audience: 'public' });
    await searchUntil(carol, 'tapir', (hits) => ids(hits).includes(article.id));
    const retired = await bob.post<Article>(`/articles/${article.id}/retire`, {}, { 'If-Match': `"${article.version}"` });
    expect(retired.status, JSON.stringify(retired.body)).toBe(200);
    await searchUntil(alice, 'tapir', (hits) => !ids(hits).includes(article.id));
  });

  it('refuses a query that is missing, too long, or a limit out of range', async () => {
    expect((await carol.get('/search')).status).toBe(400);
    expect((await carol.get('/search?q=%20%20')).status).toBe(400);
    expect((await carol.get(`/search?q=${'a'.repeat(201)}`)).status).toBe(400);
    expect((await carol.get('/search?q=vpn&limit=51')).status).toBe(400);
    expect((await carol.get('/search?q=vpn&kinds=request')).status).toBe(400);
  });
});

describe('compaction', () => {
  it('folds the change log into a new snapshot when the last one is over 10 minutes old', async () => {
    const { compactIfDue, COMPACT_AFTER_MS } = await import('../../functions/search/compaction.ts');
    const { loadSnapshot } = await import('../../functions/shared/search/snapshot.ts');
    const { SearchEngine } = await import('../../functions/shared/search/engine.ts');
    const before = await loadSnapshot('articles');
    // Not due yet: the stack's start rebuilt the index (and an indexer of this process may have compacted since).
    expect(await compactIfDue('articles', 0)).toBeUndefined();

    const compaction = await compactIfDue('articles', 0, Date.now() + COMPACT_AFTER_MS + 1_000);
    expect(compaction).toMatchObject({ index: 'articles', size: 4 });
    const after = await loadSnapshot('articles');
    expect(after?.asOf).toBe(compaction?.asOf);
    expect((after?.asOf ?? '') > (before?.asOf ?? '')).toBe(true);
    const engine = SearchEngine.fromSnapshot(after as never);
    expect(
      engine
        .search('zephyrine', { limit: 50 })
        .map((hit) => hit.document.title)
        .sort(),
    ).toEqual(['Zephyrine cluster failover runbook', 'Zephyrine portal for everyone']);
    expect(engine.search('tapir').map((hit) => hit.document.recordId)).toEqual([]);
  });
});

describe('rebuild', () => {
  it('builds from the table alone the index the change log built', async () => {
    const queries = ['password', 'zephyrine', 'quetzal', 'marmoset', 'tapir', 'quillback', 'portal'];
    // Whatever is still on its way to the index has arrived: every answer is stable.
    const before = new Map<string, string[]>();
    for (const q of queries) before.set(q, ids(await search(alice, q, '&limit=50')).sort());

    // An empty change log: only the rebuild's snapshots are left.
    for (const index of ['articles', 'tickets'] as const) {
      const items = await changeLog(index);
      for (let i = 0; i < items.length; i += 25) {
        await raw.send(
          new BatchWriteCommand({
            RequestItems: { [stack.tableName]: items.slice(i, i + 25).map((item) => ({ DeleteRequest: { Key: { pk: item.pk, sk: item.sk } } })) },
          }),
        );
      }
      expect(await changeLog(index)).toEqual([]);
    }

    // As `npm run search:rebuild` does it: Lambda's Invoke on the local runtime's AWS endpoint.
    const { localOutputs } = await import('../../scripts/replay-dead-letters.ts');
    const { rebuildSearch } = await import('../../scripts/search-rebuild.ts');
    const result = await rebuildSearch(await localOutputs(stack.awsEndpoint), true);
    // Published: the first test's, the internal and the public one, the edited one (not the draft, not the retired one).
    expect(result).toMatchObject({ articles: 4, incidents: 2, problems: 1, knownErrors: 1 });
    expect(typeof result.tookMs).toBe('number');

    // The snapshots alone answer as the index did.
    const { loadSnapshot } = await import('../../functions/shared/search/snapshot.ts');
    const { SearchEngine } = await import('../../functions/shared/search/engine.ts');
    const [articles, tickets] = await Promise.all([loadSnapshot('articles'), loadSnapshot('tickets')]);
    expect(articles?.asOf).toBe(result.asOf);
    const engines = [SearchEngine.fromSnapshot(articles as never), SearchEngine.fromSnapshot(tickets as never)];
    for (const q of queries) {
      const rebuilt = engines.flatMap((engine) => engine.search(q, { limit: 50 })).map((hit) => hit.document.recordId);
      expect(rebuilt.sort(), q).toEqual(before.get(q));
    }
  });

  it('reaches the running search function: what only its index held is gone at its next refresh', async () => {
    // A document that no record backs, written to the change log alone: the running GET /search finds it.
    const { writeSearchChanges } = await import('../../functions/shared/search/change-log.ts');
    const { indexChange } = await import('../../functions/shared/search/documents.ts');
    const recordId = `01JGHOST${String(Date.now()).padStart(18, '0')}`;
    const ghost = {
      id: `article:${recordId}`,
      kind: 'article' as const,
      recordId,
      number: 'KB-GHOST',
      title: 'Okapiwhistle ghost article',
      text: 'Held by the change log only.',
      keywords: [],
      status: 'published',
      services: [],
      audience: 'public' as const,
      updatedAt: new Date().toISOString(),
      version: 1,
    };
    await writeSearchChanges('articles', [indexChange(ghost)]);
    await searchUntil(alice, 'okapiwhistle', (hits) => ids(hits).includes(recordId));
    // Gone from the change log: only the running function's index holds it now.
    const items = (await changeLog('articles')).filter((item) => item.docId === ghost.id);
    await raw.send(
      new BatchWriteCommand({ RequestItems: { [stack.tableName]: items.map((item) => ({ DeleteRequest: { Key: { pk: item.pk, sk: item.sk } } })) } }),
    );
    expect(ids(await search(alice, 'okapiwhistle'))).toContain(recordId);

    const { localOutputs } = await import('../../scripts/replay-dead-letters.ts');
    const { rebuildSearch } = await import('../../scripts/search-rebuild.ts');
    await rebuildSearch(await localOutputs(stack.awsEndpoint), true);
    const rebuiltAt = Date.now();
    await searchUntil(alice, 'okapiwhistle', (hits) => !ids(hits).includes(recordId));
    // Its next refresh (at most a second after its last) loads the rebuilt snapshot.
    expect(Date.now() - rebuiltAt).toBeLessThan(5_000);
  });
});
