/**
 * The knowledge search load of `npm run bench` (issue 16: "the p99 under load is measured by
 * `npm run bench` with 10,000 generated articles"):
 *
 * 1. a local stack in its own process (bench/server.ts) on a new table without the demo data;
 * 2. 10,000 generated published articles (bench/knowledge-corpus.ts) are written straight into
 *    that table as the knowledge store writes an article record (functions/knowledge/store:
 *    the ARTICLE item with its list keys), with BatchWriteItem: no events, so nothing indexes them;
 * 3. the rebuild (rebuildSearchIndex) is invoked through the local Lambda endpoint, as
 *    `npm run search:rebuild` does, and timed; nothing has opened a search index in that process
 *    before, so the first search loads the rebuilt snapshot with the 10,000 articles;
 * 4. GET /search (mixed queries: words, two words, misspelled words, other forms, prefixes; an
 *    agent, then a requester) and POST /suggestions (long texts) under concurrent load.
 */

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { monotonicFactory } from 'ulid';
import type { Article } from '../functions/knowledge/domain/article.ts';
import { renderMarkdown } from '../functions/knowledge/domain/render.ts';
import { articleIndexes, articleKey } from '../functions/knowledge/store/keys.ts';
import { httpClient } from './http.ts';
import { generateArticles, QUERIES, type QueryKind } from './knowledge-corpus.ts';
import { drive, type LoadOptions, type LoadResult, type LoadScenario } from './load.ts';
import { startServer } from './server-process.ts';

export interface KnowledgeLoadResult {
  readonly articles: number;
  readonly seedMs: number;
  /** What the rebuild answered (functions/search/handlers/rebuild-index.ts RebuildResult), timed from here too. */
  readonly rebuild: { readonly indexed: number; readonly functionMs: number; readonly callMs: number; readonly snapshotBytes: number };
  /** The first search of the fresh process: it loads the snapshot. */
  readonly firstSearchMs: number;
  readonly load: readonly (LoadResult & { readonly clients: number })[];
}

const SEED_CONCURRENCY = 8;

/** A generated article as the knowledge store keeps a published one (sk ARTICLE, with its list keys). */
function articleRecord(n: number, id: string, generated: ReturnType<typeof generateArticles>[number], at: string): Record<string, unknown> {
  const article: Article = {
    id,
    number: `KB${String(n + 1).padStart(7, '0')}`,
    status: 'published',
    title: generated.title,
    body: generated.body,
    bodyHtml: renderMarkdown(generated.body),
    category: generated.category,
    services: [generated.service],
    configurationItems: [],
    audience: generated.audience,
    keywords: generated.keywords,
    ownerGroup: 'service-desk',
    links: { problems: [], knownErrors: [], incidents: [] },
    contentVersion: 1,
    latestVersion: 1,
    publishedVersion: 1,
    author: 'bench',
    createdAt: at,
    updatedAt: at,
    updatedBy: 'bench',
    submittedAt: at,
    publishedAt: at,
    reviewedAt: at,
    version: 3,
  };
  return { ...articleKey(id), entity: 'article', ...article, ...articleIndexes(article) };
}

async function seedArticles(dynamoDbEndpoint: string, tableName: string, count: number): Promise<number> {
  const client = new DynamoDBClient({ endpoint: dynamoDbEndpoint, region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  const db = DynamoDBDocumentClient.from(client);
  const started = performance.now();
  try {
    const ulid = monotonicFactory();
    const at = new Date().toISOString();
    const items = generateArticles(count).map((generated) => articleRecord(generated.n, ulid(), generated, at));
    let next = 0;
    const worker = async () => {
      for (;;) {
        const batch = items.slice(next, next + 25);
        next += 25;
        if (batch.length === 0) return;
        let requests = batch.map((Item) => ({ PutRequest: { Item } }));
        for (let attempt = 0; requests.length > 0; attempt++) {
          const out = await db.send(new BatchWriteCommand({ RequestItems: { [tableName]: requests } }));
          requests = (out.UnprocessedItems?.[tableName] ?? []) as typeof requests;
          if (requests.length > 0) await new Promise((r) => setTimeout(r, 20 * 2 ** Math.min(attempt, 6)));
        }
      }
    };
    await Promise.all(Array.from({ length: SEED_CONCURRENCY }, worker));
    return performance.now() - started;
  } finally {
    client.destroy();
  }
}

/** The search queries, mixed: every kind but the long texts, in turn. */
const SEARCH_QUERIES: readonly string[] = (['one word', 'two words', 'misspelled', 'other form', 'prefix'] as QueryKind[]).flatMap((kind) => [
  ...QUERIES[kind],
]);

export async function measureKnowledgeSearch(dynamoDbEndpoint: string, options: LoadOptions & { readonly articles: number }): Promise<KnowledgeLoadResult> {
  let seedMs: number;
  // 1. A stack on a new table without the demo data: the index holds the generated articles only,
  // and no index is open before they are in and rebuilt, so the first search loads that snapshot.
  const server = await startServer(dynamoDbEndpoint, { seed: false });
  try {
    // 2. The articles, straight into the table.
    seedMs = await seedArticles(dynamoDbEndpoint, server.tableName, options.articles);
  } catch (error) {
    await server.stop();
    throw error;
  }
  const lambda = new LambdaClient({ endpoint: server.awsEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  const agent = httpClient(server.url, server.agentToken, options.concurrency);
  const requester = httpClient(server.url, server.requesterToken, options.concurrency);
  try {
    // 3. The rebuild, timed (the stack's start ran it on the empty table).
    const rebuildStarted = performance.now();
    const answer = await lambda.send(new InvokeCommand({ FunctionName: 'rebuildSearchIndex', Payload: Buffer.from('{}') }));
    const callMs = performance.now() - rebuildStarted;
    const payload = JSON.parse(Buffer.from(answer.Payload ?? new Uint8Array()).toString('utf8') || 'null') as {
      articles?: number;
      tookMs?: number;
      snapshotBytes?: { articles?: number };
    } | null;
    if (answer.FunctionError !== undefined || payload === null) throw new Error(`the rebuild failed: ${JSON.stringify(payload)}`);

    const firstStarted = performance.now();
    const first = await agent.send('GET', `/search?q=${encodeURIComponent('printer')}`);
    const firstSearchMs = performance.now() - firstStarted;
    if (first.status !== 200) throw new Error(`GET /search failed: ${first.status} ${first.text.slice(0, 300)}`);
    if ((first.json<{ items: unknown[] }>().items ?? []).length === 0) throw new Error('GET /search?q=printer found nothing: the rebuild indexed no article');

    const search = (n: number) => `/search?q=${encodeURIComponent(SEARCH_QUERIES[n % SEARCH_QUERIES.length] as string)}`;
    const texts = QUERIES['long text'];
    const scenarios: LoadScenario[] = [
      {
        name: 'search (agent: articles and tickets), mixed queries',
        request: 'GET /search?q=',
        status: 200,
        call: (c, n) => c.send('GET', search(n)),
      },
      {
        name: 'search (requester: public articles, own incidents), mixed queries',
        request: 'GET /search?q=',
        status: 200,
        call: (_c, n) => requester.send('GET', search(n)),
      },
      {
        name: 'suggestions for a need (long text)',
        request: 'POST /suggestions',
        status: 201,
        // No service: the stack has no demo data, so no service is known (POST /suggestions checks it).
        call: (_c, n) => {
          const text = texts[n % texts.length] as string;
          const cut = text.indexOf(',');
          return requester.send('POST', '/suggestions', { body: { title: text.slice(0, cut), description: text.slice(cut + 1).trim() } });
        },
      },
    ];
    const load: (LoadResult & { clients: number })[] = [];
    for (const scenario of scenarios) load.push({ ...(await drive(agent, scenario, options)), clients: options.concurrency });
    // One client: a request's own time, without the queue of the local server's single process
    // (a Lambda instance serves one request at a time).
    const alone: LoadScenario = { ...(scenarios[0] as LoadScenario), name: 'search (agent), one client' };
    load.push({ ...(await drive(agent, alone, { ...options, concurrency: 1 })), clients: 1 });
    return {
      articles: options.articles,
      seedMs,
      rebuild: { indexed: payload.articles ?? 0, functionMs: payload.tookMs ?? Number.NaN, callMs, snapshotBytes: payload.snapshotBytes?.articles ?? 0 },
      firstSearchMs,
      load,
    };
  } finally {
    agent.close();
    requester.close();
    lambda.destroy();
    await server.stop();
  }
}
