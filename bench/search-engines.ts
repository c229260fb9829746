/**
 * `npm run bench:search-engines`: the measurements behind the choice of the search engine (issue 16,
 * docs/knowledge.md "Choosing the search engine"), on 10,000 generated articles (bench/knowledge-corpus.ts):
 *
 *  (a) an index in the function: the engine of functions/shared/search (MiniSearch 7.2.0 + Porter
 *      stemmer), built from the articles, saved as the snapshot the functions load from S3: build
 *      time, snapshot size raw and gzip, load time, query latency by kind, heap;
 *  (b) an inverted index kept in DynamoDB (a prototype here only, on DynamoDB Local): one item per
 *      (term, article), queried with one Query per term and merged here; prefixes through a
 *      term-sorted dictionary partition (begins_with); typos through a deletion neighbourhood
 *      (one item per term and per one-letter deletion). Write amplification, write rate, query
 *      latency, round trips and items read;
 *  (c) a search service (OpenSearch): not runnable here; its published minimum monthly cost is
 *      stated in docs/knowledge.md, with its sources.
 *
 * Prints Markdown tables and writes them to bench/results/search-engines.md. Run with
 * `node --expose-gc` (the npm script does) so heap numbers are measured after a collection.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, BatchWriteCommand, DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { stemmer } from 'stemmer';
import type { SearchDocument } from '../functions/shared/search/documents.ts';
import { SearchEngine, searchTerms } from '../functions/shared/search/engine.ts';
import { startDynamoDbLocal } from '../local/dynamodb-local.ts';
import { REPO_ROOT } from './bundle.ts';
import { CORRECT_SPELLINGS, type GeneratedArticle, generateArticles, QUERIES, type QueryKind } from './knowledge-corpus.ts';
import { kb, machineRows, ms, percentile, table } from './report.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const ARTICLES = Number(process.env.BENCH_ARTICLES ?? 10_000);
/** Query repetitions per kind for the in-function engine (CPU only: many are cheap). */
const IN_FUNCTION_ROUNDS = 30;
/** Query repetitions per kind against DynamoDB Local (each is several requests). */
const DYNAMODB_ROUNDS = 8;
/** Articles whose complete postings are written to measure the write rate. */
const WRITE_SAMPLE = 300;
const RESULT_FILE = join(REPO_ROOT, 'bench', 'results', 'search-engines.md');
const KINDS = Object.keys(QUERIES) as QueryKind[];

const sections: string[] = [];
function emit(text: string): void {
  console.log(`${text}\n`);
  sections.push(text);
}
const progress = (text: string) => process.stderr.write(`[search-engines] ${text}\n`);
const gc = (globalThis as { gc?: () => void }).gc;
function heapUsed(): number {
  gc?.();
  gc?.();
  return process.memoryUsage().heapUsed;
}
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

// --- (a) the index in the function -------------------------------------------------------------

interface LatencyRow {
  kind: QueryKind;
  queries: number;
  p50: number;
  p99: number;
  max: number;
  hits: number;
}

/** A generated article as the search area indexes a published one. */
export function articleDocument(article: GeneratedArticle, recordId = `A${String(article.n).padStart(9, '0')}`): SearchDocument {
  return {
    id: `article:${recordId}`,
    kind: 'article',
    recordId,
    number: `KB${String(article.n + 1).padStart(7, '0')}`,
    title: article.title,
    text: article.body,
    keywords: article.keywords,
    status: 'published',
    services: [article.service],
    audience: article.audience,
    category: article.category,
    updatedAt: '2026-12-01T00:00:00.000Z',
    version: 1,
  };
}

async function measureInFunction(articles: readonly GeneratedArticle[]): Promise<{ rows: LatencyRow[]; summary: string[][] }> {
  const documents = articles.map((a) => articleDocument(a));
  const before = heapUsed();
  const buildStarted = performance.now();
  let built: SearchEngine | undefined = SearchEngine.fromDocuments(documents);
  const buildMs = performance.now() - buildStarted;
  const builtHeap = heapUsed() - before;

  const serializeStarted = performance.now();
  const json = JSON.stringify(built.toSnapshot(new Date().toISOString()));
  const serializeMs = performance.now() - serializeStarted;
  built = undefined;
  const raw = Buffer.byteLength(json);
  const gzipStarted = performance.now();
  const gz = gzipSync(json);
  const gzipMs = performance.now() - gzipStarted;

  // What a new Lambda instance does with the object it gets from S3: gunzip, parse, load.
  const loads: number[] = [];
  for (let i = 0; i < 5; i++) {
    const started = performance.now();
    SearchEngine.fromSnapshot(JSON.parse(gunzipSync(gz).toString('utf8')));
    loads.push(performance.now() - started);
  }
  const heapBeforeLoad = heapUsed();
  const engine = SearchEngine.fromSnapshot(JSON.parse(gunzipSync(gz).toString('utf8')));
  const loadedHeap = heapUsed() - heapBeforeLoad;

  const rows: LatencyRow[] = [];
  for (const kind of KINDS) {
    const latencies: number[] = [];
    let hits = 0;
    for (let round = 0; round < IN_FUNCTION_ROUNDS; round++) {
      for (const query of QUERIES[kind]) {
        const started = performance.now();
        const found = engine.search(query, { mode: kind === 'long text' ? 'text' : 'query' });
        latencies.push(performance.now() - started);
        if (round === 0) hits += found.length > 0 ? 1 : 0;
      }
    }
    rows.push({ kind, queries: latencies.length, p50: percentile(latencies, 50), p99: percentile(latencies, 99), max: Math.max(...latencies), hits });
  }
  // Typos found right: the correct spelling's best hit is among the misspelling's first 10.
  let typosRight = 0;
  QUERIES.misspelled.forEach((query, i) => {
    const best = engine.search(CORRECT_SPELLINGS[i] as string)[0]?.document.id;
    if (best !== undefined && engine.search(query).some((hit) => hit.document.id === best)) typosRight++;
  });
  // A filtered query, as a requester's (public articles only): the filter runs inside the engine.
  const filtered: number[] = [];
  for (let round = 0; round < IN_FUNCTION_ROUNDS; round++)
    for (const query of QUERIES['one word']) {
      const started = performance.now();
      engine.search(query, { filter: (d) => d.audience === 'public' });
      filtered.push(performance.now() - started);
    }
  return {
    rows,
    summary: [
      ['articles indexed', String(engine.size)],
      ['build (SearchEngine.fromDocuments, all articles)', ms(buildMs, 0)],
      ['snapshot JSON (toSnapshot + stringify)', `${mb(raw)} in ${ms(serializeMs, 0)}`],
      ['snapshot gzip (default level, as stored in S3)', `${mb(gz.length)} in ${ms(gzipMs, 0)}`],
      ['snapshot load (gunzip + parse + fromSnapshot), median of 5', ms(percentile(loads, 50), 0)],
      ['heap of the built index (documents and their text kept by the caller)', mb(builtHeap)],
      ['heap of the loaded index (what a warm function holds)', mb(loadedHeap)],
      ["misspelled words whose first 10 hits hold the correct spelling's best hit", `${typosRight}/${QUERIES.misspelled.length}`],
      ['one word, public articles only (filter), p50 / p99', `${ms(percentile(filtered, 50), 2)} / ${ms(percentile(filtered, 99), 2)}`],
    ],
  };
}

// --- (b) an inverted index in DynamoDB (prototype) ------------------------------------------------

/** The engine's tokenizer and stop list (searchTerms): lowercase words, accents dropped, stop words out. */
const words = (text: string): string[] => searchTerms(text);
const stemOf = (word: string): string => (/^[a-z]+$/.test(word) ? stemmer(word) : word);

interface Postings {
  /** stem -> (article -> weighted term frequency: title x3, keywords x2, body x1) */
  readonly byStem: Map<string, Map<number, number>>;
  /** word as written -> its stem: the dictionary prefixes and typos look up */
  readonly stemOfWord: Map<string, string>;
  readonly lengths: number[];
  readonly distinctPerArticle: number[];
}

function invert(articles: readonly GeneratedArticle[]): Postings {
  const byStem = new Map<string, Map<number, number>>();
  const stemOfWord = new Map<string, string>();
  const lengths: number[] = [];
  const distinctPerArticle: number[] = [];
  for (const article of articles) {
    const weighted = new Map<string, number>();
    const add = (text: string, weight: number) => {
      for (const word of text
        .normalize('NFKD')
        .toLowerCase()
        .split(/[^\p{L}\p{N}]+/u)) {
        if (words(word).length === 0) continue;
        const stem = stemOf(word);
        stemOfWord.set(word, stem);
        weighted.set(stem, (weighted.get(stem) ?? 0) + weight);
      }
    };
    add(article.title, 3);
    add(article.keywords.join(' '), 2);
    add(article.body, 1);
    lengths.push([...weighted.values()].reduce((a, b) => a + b, 0));
    distinctPerArticle.push(weighted.size);
    for (const [stem, tf] of weighted) {
      const postings = byStem.get(stem) ?? new Map<number, number>();
      byStem.set(stem, postings);
      postings.set(article.n, tf);
    }
  }
  return { byStem, stemOfWord, lengths, distinctPerArticle };
}

/** Every string one deletion away (the deletion neighbourhood of SymSpell, distance 1). */
function deletions(term: string): string[] {
  const out = new Set<string>();
  for (let i = 0; i < term.length; i++) out.add(term.slice(0, i) + term.slice(i + 1));
  return [...out];
}
function deletions2(term: string): Set<string> {
  const out = new Set<string>();
  for (const d of deletions(term)) {
    out.add(d);
    for (const dd of deletions(d)) out.add(dd);
  }
  return out;
}
/** Optimal string alignment distance, for the candidates the neighbourhood returns. */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const row = d[i] as number[];
      const prev = d[i - 1] as number[];
      row[j] = Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) row[j] = Math.min(row[j] as number, ((d[i - 2] as number[])[j - 2] as number) + 1);
    }
  return (d[a.length] as number[])[b.length] as number;
}

const postingItem = (stem: string, article: number, tf: number, length: number) => ({
  pk: `TERM#${stem}`,
  sk: `A#${String(article).padStart(6, '0')}`,
  tf,
  dl: length,
});
const docItem = (a: GeneratedArticle) => ({
  pk: `DOC#${a.n}`,
  sk: 'DOC',
  number: `KB${String(a.n + 1).padStart(7, '0')}`,
  title: a.title,
  audience: a.audience,
});

async function batchWrite(db: DynamoDBDocumentClient, tableName: string, items: readonly Record<string, unknown>[], concurrency = 8): Promise<void> {
  const batches: Record<string, unknown>[][] = [];
  for (let i = 0; i < items.length; i += 25) batches.push(items.slice(i, i + 25) as Record<string, unknown>[]);
  let next = 0;
  const worker = async () => {
    for (;;) {
      const batch = batches[next++];
      if (batch === undefined) return;
      let requests = batch.map((Item) => ({ PutRequest: { Item } }));
      for (let attempt = 0; requests.length > 0; attempt++) {
        const out = await db.send(new BatchWriteCommand({ RequestItems: { [tableName]: requests } }));
        requests = (out.UnprocessedItems?.[tableName] ?? []) as typeof requests;
        if (requests.length > 0) await new Promise((r) => setTimeout(r, 20 * 2 ** Math.min(attempt, 6)));
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

interface QueryStats {
  rounds: number;
  requests: number;
  itemsRead: number;
  /** Read capacity units DynamoDB (Local) reports as consumed (ReturnConsumedCapacity TOTAL; eventually consistent reads). */
  readUnits: number;
  hits: number;
  top?: number[];
}

/** Every item of a partition (or of its sort keys beginning with a prefix): one Query, every page. */
async function queryPartition(
  db: DynamoDBDocumentClient,
  tableName: string,
  pk: string,
  stats: QueryStats,
  beginsWith?: string,
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await db.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: beginsWith === undefined ? 'pk = :pk' : 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: beginsWith === undefined ? { ':pk': pk } : { ':pk': pk, ':prefix': beginsWith },
        ExclusiveStartKey: start,
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
    stats.requests++;
    stats.readUnits += page.ConsumedCapacity?.CapacityUnits ?? 0;
    items.push(...(page.Items ?? []));
    stats.itemsRead += page.Items?.length ?? 0;
    start = page.LastEvaluatedKey;
  } while (start !== undefined);
  return items;
}

type DynamoMode = 'exact' | 'prefix' | 'fuzzy' | 'text';

/**
 * A query against the DynamoDB inverted index: expand each query word to stems (its own stem;
 * prefix: the stems of the dictionary's words beginning with it; typo: the stems of the words one
 * edit away, through the deletion neighbourhood), read every stem's postings (one Query each, all
 * in parallel), score BM25 over AND (OR when AND finds nothing, and for a long text), then read the
 * top 10 articles' titles (one BatchGetItem).
 */
async function dynamoSearch(
  db: DynamoDBDocumentClient,
  tableName: string,
  query: string,
  mode: DynamoMode,
  articleCount: number,
  averageLength: number,
): Promise<QueryStats> {
  const stats: QueryStats = { rounds: 0, requests: 0, itemsRead: 0, readUnits: 0, hits: 0 };
  const queryWords = words(query);
  let expanded: string[][] = queryWords.map((w) => [stemOf(w)]);
  if (mode === 'text') {
    // As the engine does: the 16 rarest stems, none found in over a fifth of the articles. Their
    // document frequencies are counters (DF#<stem>) read with one BatchGetItem.
    stats.rounds++;
    stats.requests++;
    const stems = [...new Set(queryWords.map(stemOf))].slice(0, 100);
    const out = await db.send(
      new BatchGetCommand({ RequestItems: { [tableName]: { Keys: stems.map((stem) => ({ pk: `DF#${stem}`, sk: 'DF' })) } }, ReturnConsumedCapacity: 'TOTAL' }),
    );
    stats.itemsRead += out.Responses?.[tableName]?.length ?? 0;
    stats.readUnits += out.ConsumedCapacity?.reduce((sum, c) => sum + (c.CapacityUnits ?? 0), 0) ?? 0;
    expanded = (out.Responses?.[tableName] ?? [])
      .map((item) => ({ stem: (item.pk as string).slice(3), df: item.df as number }))
      .filter(({ df }) => df <= articleCount / 5)
      .sort((x, y) => x.df - y.df)
      .slice(0, 16)
      .map(({ stem }) => [stem]);
  } else if (mode === 'prefix') {
    stats.rounds++;
    expanded = await Promise.all(
      queryWords.map(async (w) => [...new Set([stemOf(w), ...(await queryPartition(db, tableName, 'DICT', stats, w)).map((item) => item.stem as string)])]),
    );
  } else if (mode === 'fuzzy') {
    stats.rounds++;
    expanded = await Promise.all(
      queryWords.map(async (w) => {
        const found = await Promise.all([w, ...deletions(w)].map((v) => queryPartition(db, tableName, `DEL#${v}`, stats)));
        const near = found.flat().filter((item) => editDistance(item.sk as string, w) <= 1);
        return [...new Set([stemOf(w), ...near.map((item) => item.stem as string)])];
      }),
    );
  }
  stats.rounds++;
  const lists = await Promise.all(
    expanded.map((stems) =>
      Promise.all(
        stems.map(async (stem) => {
          const postings = new Map<number, [number, number]>();
          for (const item of await queryPartition(db, tableName, `TERM#${stem}`, stats))
            postings.set(Number((item.sk as string).slice(2)), [item.tf as number, item.dl as number]);
          return postings;
        }),
      ),
    ),
  );
  // BM25 (k1 1.2, b 0.75) per stem; a query word scores its best expansion.
  const scores = lists.map((stemLists) => {
    const best = new Map<number, number>();
    for (const postings of stemLists) {
      const idf = Math.log(1 + (articleCount - postings.size + 0.5) / (postings.size + 0.5));
      for (const [article, [tf, dl]] of postings) {
        const s = (idf * (tf * 2.2)) / (tf + 1.2 * (0.25 + (0.75 * dl) / averageLength));
        if (s > (best.get(article) ?? 0)) best.set(article, s);
      }
    }
    return best;
  });
  const combine = (and: boolean) => {
    const total = new Map<number, number>(scores[0] ?? []);
    for (const other of scores.slice(1)) {
      if (and) {
        for (const article of [...total.keys()]) {
          const s = other.get(article);
          if (s === undefined) total.delete(article);
          else total.set(article, (total.get(article) as number) + s);
        }
      } else for (const [article, s] of other) total.set(article, (total.get(article) ?? 0) + s);
    }
    return total;
  };
  let merged = combine(mode !== 'text');
  if (merged.size === 0 && mode !== 'text') merged = combine(false);
  const top = [...merged.entries()].sort((x, y) => y[1] - x[1]).slice(0, 10);
  stats.hits = top.length;
  stats.top = top.map(([n]) => n);
  if (top.length > 0) {
    stats.rounds++;
    stats.requests++;
    const out = await db.send(
      new BatchGetCommand({ RequestItems: { [tableName]: { Keys: top.map(([n]) => ({ pk: `DOC#${n}`, sk: 'DOC' })) } }, ReturnConsumedCapacity: 'TOTAL' }),
    );
    stats.itemsRead += out.Responses?.[tableName]?.length ?? 0;
    stats.readUnits += out.ConsumedCapacity?.reduce((sum, c) => sum + (c.CapacityUnits ?? 0), 0) ?? 0;
  }
  return stats;
}

const DYNAMO_MODE: Record<QueryKind, DynamoMode> = {
  'one word': 'exact',
  'two words': 'exact',
  'other form': 'exact',
  misspelled: 'fuzzy',
  prefix: 'prefix',
  'long text': 'text',
};

async function measureDynamoDb(
  articles: readonly GeneratedArticle[],
): Promise<{ amplification: string[][]; write: string[][]; typosRight: number; rows: (LatencyRow & QueryStats)[] }> {
  const postings = invert(articles);
  const vocabulary = [...postings.stemOfWord.keys()].sort();
  const perArticle = [...postings.distinctPerArticle].sort((a, b) => a - b);
  const postingCount = postings.distinctPerArticle.reduce((a, b) => a + b, 0);
  const averageLength = postings.lengths.reduce((a, b) => a + b, 0) / postings.lengths.length;
  // Deletion neighbourhoods of the words of 4+ letters (the engine allows typos from 4 letters).
  const fuzzyWords = vocabulary.filter((w) => w.length >= 4);
  const deletionIndex = new Map<string, string[]>();
  for (const word of fuzzyWords)
    for (const variant of [word, ...deletions(word)]) {
      const list = deletionIndex.get(variant);
      if (list === undefined) deletionIndex.set(variant, [word]);
      else list.push(word);
    }
  let deletionItems = 0;
  for (const list of deletionIndex.values()) deletionItems += list.length;
  let deletion2Items = 0;
  for (const word of fuzzyWords) if (word.length >= 7) deletion2Items += deletions2(word).size + 1;
  const samplePosting = JSON.stringify(postingItem('synchron', 1234, 3, 160));

  const dynamo = await startDynamoDbLocal();
  const client = new DynamoDBClient({ endpoint: dynamo.endpoint, region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  const db = DynamoDBDocumentClient.from(client);
  const tableName = `bench-inverted-${Date.now()}`;
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
      }),
    );

    // The write rate: the complete postings of a sample of articles, as an indexer would write them.
    const sample: Record<string, unknown>[] = [];
    for (const [stem, list] of postings.byStem)
      for (const [n, tf] of list) if (n < WRITE_SAMPLE) sample.push(postingItem(stem, n, tf, postings.lengths[n] as number));
    progress(`writing the postings of ${WRITE_SAMPLE} articles (${sample.length} items)`);
    const writeStarted = performance.now();
    await batchWrite(db, tableName, sample);
    const writeSeconds = (performance.now() - writeStarted) / 1000;
    const itemsPerSecond = sample.length / writeSeconds;

    // What the queries read, in full: the postings of every stem a query expands to (over all
    // articles), the dictionary, the deletion partitions the misspellings look up, the titles.
    // A query's latency depends only on the partitions it reads, so the rest is not written.
    const needed = new Set<string>(CORRECT_SPELLINGS.map(stemOf));
    const deletionPartitions = new Set<string>();
    for (const kind of KINDS)
      for (const query of QUERIES[kind])
        for (const word of words(query)) {
          needed.add(stemOf(word));
          if (DYNAMO_MODE[kind] === 'prefix') for (const v of vocabulary) if (v.startsWith(word)) needed.add(postings.stemOfWord.get(v) as string);
          if (DYNAMO_MODE[kind] === 'fuzzy')
            for (const variant of [word, ...deletions(word)]) {
              deletionPartitions.add(variant);
              for (const candidate of deletionIndex.get(variant) ?? [])
                if (editDistance(candidate, word) <= 1) needed.add(postings.stemOfWord.get(candidate) as string);
            }
        }
    const queried: Record<string, unknown>[] = [];
    for (const stem of needed)
      for (const [n, tf] of postings.byStem.get(stem) ?? new Map<number, number>())
        if (n >= WRITE_SAMPLE) queried.push(postingItem(stem, n, tf, postings.lengths[n] as number));
    for (const word of vocabulary) queried.push({ pk: 'DICT', sk: word, stem: postings.stemOfWord.get(word) });
    for (const variant of deletionPartitions)
      for (const word of deletionIndex.get(variant) ?? []) queried.push({ pk: `DEL#${variant}`, sk: word, stem: postings.stemOfWord.get(word) });
    for (const a of articles) queried.push(docItem(a));
    for (const stem of new Set(QUERIES['long text'].flatMap((query) => words(query).map(stemOf)))) {
      const df = postings.byStem.get(stem)?.size;
      if (df !== undefined) queried.push({ pk: `DF#${stem}`, sk: 'DF', df });
    }
    progress(`writing what the queries read (${queried.length} items: postings of ${needed.size} stems, the dictionary, deletion partitions, titles)`);
    await batchWrite(db, tableName, queried);

    progress('querying');
    let typosRight = 0;
    for (const [i, query] of QUERIES.misspelled.entries()) {
      const best = (await dynamoSearch(db, tableName, CORRECT_SPELLINGS[i] as string, 'exact', articles.length, averageLength)).top?.[0];
      const found = await dynamoSearch(db, tableName, query, 'fuzzy', articles.length, averageLength);
      if (best !== undefined && found.top?.includes(best)) typosRight++;
    }
    const rows: (LatencyRow & QueryStats)[] = [];
    for (const kind of KINDS) {
      const latencies: number[] = [];
      const total: QueryStats = { rounds: 0, requests: 0, itemsRead: 0, readUnits: 0, hits: 0 };
      let hits = 0;
      for (let round = 0; round < DYNAMODB_ROUNDS; round++)
        for (const query of QUERIES[kind]) {
          const started = performance.now();
          const stats = await dynamoSearch(db, tableName, query, DYNAMO_MODE[kind], articles.length, averageLength);
          latencies.push(performance.now() - started);
          if (round === 0) {
            total.rounds += stats.rounds;
            total.requests += stats.requests;
            total.itemsRead += stats.itemsRead;
            total.readUnits += stats.readUnits;
            hits += stats.hits > 0 ? 1 : 0;
          }
        }
      const count = QUERIES[kind].length;
      rows.push({
        kind,
        queries: latencies.length,
        p50: percentile(latencies, 50),
        p99: percentile(latencies, 99),
        max: Math.max(...latencies),
        hits,
        rounds: total.rounds / count,
        requests: total.requests / count,
        itemsRead: total.itemsRead / count,
        readUnits: total.readUnits / count,
      });
    }
    return {
      amplification: [
        ['words as written (dictionary) / distinct stems', `${vocabulary.length} / ${postings.byStem.size}`],
        ['posting items (stem, article)', `${postingCount} (${(postingCount / articles.length).toFixed(1)} per article)`],
        [
          'items written per article publish',
          `${(postingCount / articles.length + 1).toFixed(1)} on average (p50 ${percentile(perArticle, 50) + 1}, max ${(perArticle[perArticle.length - 1] ?? 0) + 1}): one per distinct stem + the title item; an edit also deletes the postings of stems that left, a retirement all of them`,
        ],
        ['a posting item', `~${samplePosting.length} bytes: 1 write unit each (writes are billed per item, per started KB)`],
        ['dictionary items (prefixes)', `${vocabulary.length} (word -> stem) in one partition, begins_with on the sort key; +1 conditional write per new word`],
        [
          'document frequencies (a long text searches by its rarest stems)',
          `${postings.byStem.size} counters DF#<stem>: +1 UpdateItem per distinct stem per publish (another ~${(postingCount / articles.length).toFixed(0)} writes), -1 per stem that leaves`,
        ],
        [
          'typo tolerance, distance 1 (deletion neighbourhood of the 4+ letter words)',
          `${deletionItems} items (${(deletionItems / fuzzyWords.length).toFixed(1)} per word), written once per new word`,
        ],
        [
          'typo tolerance, distance 2 for 7+ letters (as the engine allows)',
          `${deletion2Items} more items (${(deletion2Items / Math.max(1, fuzzyWords.filter((w) => w.length >= 7).length)).toFixed(1)} per such word)`,
        ],
        ['total items (postings + titles + dictionary + distance-1 deletions)', String(postingCount + articles.length + vocabulary.length + deletionItems)],
      ],
      write: [
        ['sample written', `${sample.length} posting items of ${WRITE_SAMPLE} articles, BatchWriteItem (25 a call), 8 calls in parallel`],
        ['measured', `${itemsPerSecond.toFixed(0)} items/s (${writeSeconds.toFixed(1)} s)`],
        ['extrapolated: postings of all articles', `${(postingCount / itemsPerSecond).toFixed(0)} s on DynamoDB Local`],
        ['partitions the queries read, written in full', `${queried.length} items`],
      ],
      typosRight,
      rows,
    };
  } finally {
    client.destroy();
    await dynamo.stop();
  }
}

async function main(): Promise<void> {
  const started = performance.now();
  progress(`generating ${ARTICLES} articles`);
  const articles = generateArticles(ARTICLES);
  const words = articles.reduce((sum, a) => sum + a.body.split(/\s+/).length, 0) / articles.length;
  emit(
    [
      '# Search engines: measurements',
      '',
      table(
        ['Environment', ''],
        [
          ...machineRows(),
          [
            'load average',
            `${loadavg()
              .map((l) => l.toFixed(2))
              .join(' / ')} (at start)`,
          ],
          ['articles', `${articles.length} generated (seeded; bench/knowledge-corpus.ts), body ${words.toFixed(0)} words on average`],
        ],
        ['left', 'left'],
      ),
      '',
      'Generated by `npm run bench:search-engines` (bench/search-engines.ts).',
    ].join('\n'),
  );

  progress('(a) the index in the function');
  const a = await measureInFunction(articles);
  emit(
    [
      '## (a) Index in the function: functions/shared/search/engine.ts (MiniSearch 7.2.0 + Porter stemmer)',
      '',
      table(['measure', 'value'], a.summary, ['left', 'right']),
      '',
      `Query latency in one process (no I/O: the index is in memory), ${IN_FUNCTION_ROUNDS} rounds over each kind's queries; *found* = queries with at least one hit.`,
      '',
      table(
        ['query kind', 'example', 'queries', 'found', 'p50', 'p99', 'max'],
        a.rows.map((r) => [
          r.kind,
          QUERIES[r.kind][0]?.slice(0, 40) ?? '',
          String(r.queries),
          `${r.hits}/${QUERIES[r.kind].length}`,
          ms(r.p50, 2),
          ms(r.p99, 2),
          ms(r.max, 2),
        ]),
        ['left', 'left', 'right', 'right', 'right', 'right', 'right'],
      ),
    ].join('\n'),
  );

  progress('(b) an inverted index in DynamoDB (DynamoDB Local)');
  const b = await measureDynamoDb(articles);
  emit(
    [
      '## (b) Inverted index in DynamoDB (prototype, DynamoDB Local)',
      '',
      'Items: `TERM#<stem>` / `A#<article>` {tf, dl} per distinct stem of an article (postings); `DICT` / `<word>` {stem} for prefixes; `DEL#<word or a one-letter deletion of it>` / `<word>` {stem} for typos (SymSpell deletion neighbourhood); `DOC#<n>` / `DOC` {number, title}. A query word matches its stem, so other forms of a word are found through the stem.',
      '',
      table(['write amplification', 'value'], b.amplification, ['left', 'left']),
      '',
      table(['write rate', 'value'], b.write, ['left', 'left']),
      '',
      `Queries, one at a time (${DYNAMODB_ROUNDS} rounds over each kind's queries): expand the terms (prefix: one Query on the dictionary; typo: one Query per deletion variant; long text: one BatchGetItem of its stems' document frequencies, keeping the 16 rarest found in at most a fifth of the articles, as the engine does), then one Query per expanded term (all pages), merge and score (BM25) here, then one BatchGetItem for the top 10 titles. Round trips, requests, items read and read units (as DynamoDB Local reports them consumed: eventually consistent, 4 KB a unit, summed over a Query's items) are per query.`,
      '',
      table(
        ['query kind', 'queries', 'found', 'round trips', 'requests', 'items read', 'read units', 'p50', 'p99', 'max'],
        b.rows.map((r) => [
          r.kind,
          String(r.queries),
          `${r.hits}/${QUERIES[r.kind].length}`,
          r.rounds.toFixed(1),
          r.requests.toFixed(1),
          r.itemsRead.toFixed(0),
          r.readUnits.toFixed(1),
          ms(r.p50),
          ms(r.p99),
          ms(r.max),
        ]),
        ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right'],
      ),
      '',
      `Misspelled words whose first 10 hits hold the correct spelling's best hit: ${b.typosRight}/${QUERIES.misspelled.length} (distance 1 only; the engine of (a) allows 2 from 7 letters).`,
    ].join('\n'),
  );
  emit(
    [
      '## (c) Search service (OpenSearch): not measured',
      '',
      'Not runnable here (no AWS account, no Docker). Published facts, with their sources in docs/knowledge.md "Choosing the search engine":',
      '',
      table(
        ['service', 'billed when idle', 'minimum a month (US East)'],
        [
          ['OpenSearch Serverless, redundancy on (default)', '1 OCU indexing + 1 OCU search, always', '2 x 730 h x ~$0.24 = ~$350'],
          ['OpenSearch Serverless, redundancy off (dev/test)', '0.5 + 0.5 OCU, always', '~$175'],
          ['OpenSearch Serverless NextGen, scale to zero', 'nothing after 10 min idle; the next request waits 10-30 s', '$0 idle'],
          ['OpenSearch Service, t3.small.search', 'the instance, while the domain exists', '~$25-26 + storage'],
        ],
        ['left', 'left', 'left'],
      ),
    ].join('\n'),
  );
  emit(`Ran in ${((performance.now() - started) / 1000).toFixed(0)} s. Sizes in KB: ${kb(1024)} = 1024 bytes; MB = 1024 KB.`);
  await mkdir(join(REPO_ROOT, 'bench', 'results'), { recursive: true });
  await writeFile(RESULT_FILE, `${sections.join('\n\n')}\n`);
  progress(`written to ${RESULT_FILE}`);
}

await main();
process.exit(0);
