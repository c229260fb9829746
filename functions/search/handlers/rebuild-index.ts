import { listIncidents } from '../../incidents/store/incident-store.ts';
import { listArticles } from '../../knowledge/store/article-store.ts';
import { listProblems } from '../../problems/store/problem-store.ts';
import { log } from '../../shared/log.ts';
import { writeSnapshotMarker } from '../../shared/search/change-log.ts';
import type { SearchDocument, SearchIndexName } from '../../shared/search/documents.ts';
import { SearchEngine } from '../../shared/search/engine.ts';
import { saveSnapshot } from '../../shared/search/snapshot.ts';
import type { Page } from '../../shared/store/pagination.ts';
import { articleDocument } from '../documents/article.ts';
import { incidentDocument } from '../documents/incident.ts';
import { knownErrorDocument, problemDocument } from '../documents/problem.ts';

/*
 * Rebuilds both search indexes from the table and saves their snapshots: after every deployment
 * that changes this function (the afterDeploy consumer), and on demand with `npm run search:rebuild`
 * (locally) or `aws lambda invoke --function-name <RebuildSearchIndexFunctionName output>` (AWS);
 * docs/knowledge.md.
 *
 * Reads, never a Scan: the published articles (gsi2 ARTICLE#STATUS#published), every incident (gsi1
 * INCIDENT) and every problem (gsi1 PROBLEM; its known error when published), each a Query of its
 * list index, all pages. The snapshots' asOf is the rebuild's START: what is written while it reads
 * is in the change log after asOf, which every reader applies on top (changes are idempotent and a
 * lower version never replaces a higher one), so nothing written meanwhile is lost. Once a snapshot
 * is saved, a mark in its index's change log names it, so that warm instances, which read only the
 * change log, load it at their next refresh (functions/shared/search/reader.ts).
 */

const PAGE = 500;

async function allPages<T>(read: (cursor: string | undefined) => Promise<Page<T>>): Promise<T[]> {
  const all: T[] = [];
  let cursor: string | undefined;
  do {
    const page = await read(cursor);
    all.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  return all;
}

export interface RebuildResult {
  readonly asOf: string;
  readonly articles: number;
  readonly incidents: number;
  readonly problems: number;
  readonly knownErrors: number;
  readonly snapshotBytes: Readonly<Record<SearchIndexName, number>>;
  readonly tookMs: number;
}

export const handler = async (): Promise<RebuildResult> => {
  const started = Date.now();
  const asOf = new Date(started).toISOString();
  const [articles, incidents, problems] = await Promise.all([
    allPages((cursor) => listArticles({ status: ['published'] }, PAGE, cursor)),
    allPages((cursor) => listIncidents({}, PAGE, cursor)),
    allPages((cursor) => listProblems({}, PAGE, cursor)),
  ]);
  const articleDocuments = articles.flatMap((article) => articleDocument(article) ?? []);
  const knownErrors = problems.flatMap((problem) => knownErrorDocument(problem) ?? []);
  const ticketDocuments: SearchDocument[] = [...incidents.map(incidentDocument), ...problems.map(problemDocument), ...knownErrors];
  const save = async (index: SearchIndexName, documents: readonly SearchDocument[]) => {
    const saved = await saveSnapshot(index, SearchEngine.fromDocuments(documents).toSnapshot(asOf));
    await writeSnapshotMarker(index, asOf);
    return saved;
  };
  const [articleSnapshot, ticketSnapshot] = await Promise.all([save('articles', articleDocuments), save('tickets', ticketDocuments)]);
  const result: RebuildResult = {
    asOf,
    articles: articleDocuments.length,
    incidents: incidents.length,
    problems: problems.length,
    knownErrors: knownErrors.length,
    snapshotBytes: { articles: articleSnapshot.bytes, tickets: ticketSnapshot.bytes },
    tookMs: Date.now() - started,
  };
  log.info('search indexes rebuilt', { ...result });
  return result;
};
