import { httpHandler } from '../../shared/http/handler.ts';
import type { Principal } from '../../shared/http/principal.ts';
import type { SearchIndexName, StoredSearchDocument } from '../../shared/search/documents.ts';
import type { SearchHit } from '../../shared/search/engine.ts';
import { openSearchIndex } from '../../shared/search/reader.ts';
import { SEARCH_KINDS, type SearchResult, type SearchResultKind, searchQuery } from '../schemas/search.ts';

/*
 * GET /search: the words of `q` over the search indexes (functions/shared/search), filtered by what
 * the caller may read, best first. Two indexes: `articles` (published articles only) and `tickets`
 * (incidents, problems, known errors). Each is held by this function's instance, refreshed from the
 * change log the indexer writes (at most once a second, a refresh in flight shared) and searched in
 * memory: no table read per search but the refresh's one Query, never a Scan.
 *
 * What a caller may read, applied inside the search (MiniSearch's filter), so `limit` counts only
 * what they may see:
 * - requesters: published public articles, and the incidents they raised (requester = the
 *   incident's caller); problems and known errors do not exist for them (asking for those kinds
 *   finds nothing);
 * - agents and admins: every published article, incident, problem and known error.
 * Both indexes are searched together when the kinds asked for are in both; their results are merged
 * by score.
 */

const TICKET_KINDS: readonly SearchResultKind[] = ['incident', 'problem', 'knownError'];
const REQUESTER_KINDS: readonly SearchResultKind[] = ['article', 'incident'];

const URL_PREFIX: Readonly<Record<SearchResultKind, string>> = {
  article: '/articles/',
  incident: '/incidents/',
  problem: '/problems/',
  // A known error is its problem's view: GET /problems/{id} shows it (GET /known-errors lists them).
  knownError: '/problems/',
};

function readableBy(principal: Principal, kinds: ReadonlySet<SearchResultKind>, service: string | undefined): (document: StoredSearchDocument) => boolean {
  return (document) => {
    if (!kinds.has(document.kind)) return false;
    if (service !== undefined && !document.services.includes(service)) return false;
    if (principal.isAgent) return true;
    if (document.kind === 'article') return document.audience === 'public';
    return document.kind === 'incident' && document.requester === principal.userId;
  };
}

const resultOf = ({ document, score }: SearchHit): SearchResult => ({
  kind: document.kind,
  id: document.recordId,
  number: document.number,
  title: document.title,
  status: document.status,
  services: [...document.services],
  score: Math.round(score * 1000) / 1000,
  url: `${URL_PREFIX[document.kind]}${document.recordId}`,
});

export const handler = httpHandler(async (request) => {
  const started = performance.now();
  const { q, kinds: asked, service, limit } = request.query(searchQuery);
  const { principal } = request;
  const allowed = principal.isAgent ? SEARCH_KINDS : REQUESTER_KINDS;
  const kinds = new Set((asked ?? SEARCH_KINDS).filter((kind) => allowed.includes(kind)));
  const indexes: SearchIndexName[] = [
    ...(kinds.has('article') ? (['articles'] as const) : []),
    ...(TICKET_KINDS.some((kind) => kinds.has(kind)) ? (['tickets'] as const) : []),
  ];
  const filter = readableBy(principal, kinds, service);
  const found = await Promise.all(
    indexes.map(async (name) => {
      const index = openSearchIndex(name);
      await index.refresh();
      return index.search(q, { filter, limit });
    }),
  );
  const items = found
    .flat()
    .sort((a, b) => b.score - a.score)
    .slice(0, limit)
    .map(resultOf);
  return { status: 200, body: { query: q, items, took: Math.round(performance.now() - started) } };
});
