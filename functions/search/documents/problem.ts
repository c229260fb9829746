import { publishedKnownError } from '../../known-errors/domain/known-error.ts';
import type { Problem } from '../../problems/domain/problem.ts';
import { indexChange, removalChange, type SearchChange, type SearchDocument, searchDocumentId } from '../../shared/search/documents.ts';
import { joinedText, withNumber } from './text.ts';

export const problemDocId = (problemId: string): string => searchDocumentId('problem', problemId);
export const knownErrorDocId = (problemId: string): string => searchDocumentId('knownError', problemId);

/** A problem's service and the services it impacts (impactedServices, which includes its own when set), each once, its own first. */
const servicesOf = (problem: Problem): string[] => [
  ...new Set([...(problem.service === undefined ? [] : [problem.service]), ...(problem.impactedServices ?? [])]),
];

/**
 * What a problem's documents share: its number and category as keywords (the known error is found
 * by the problem's number too), its services (its own and those it impacts), version.
 */
const categoryFields = (problem: Problem) => ({
  keywords: withNumber(problem.number, problem.category === undefined ? [] : [problem.category]),
  services: servicesOf(problem),
  audience: 'internal' as const,
  ...(problem.category === undefined ? {} : { category: problem.category }),
  updatedAt: problem.updatedAt,
  version: problem.version,
});

/** A problem in the `tickets` index, whatever its status: internal (agents only), its analysis as text. */
export function problemDocument(problem: Problem): SearchDocument {
  return {
    id: problemDocId(problem.id),
    kind: 'problem',
    recordId: problem.id,
    number: problem.number,
    title: problem.title,
    text: joinedText([problem.description, problem.rootCause, problem.workaround, problem.fix?.text, problem.resolution?.notes]),
    status: problem.status,
    ...categoryFields(problem),
  };
}

/**
 * The problem's known error, while it is published (the known-errors area's rule,
 * publishedKnownError: flagged, with a workaround, not withdrawn): its workaround and root cause
 * as text. Internal, as GET /known-errors is. Its record is the problem (same id and number).
 */
export function knownErrorDocument(problem: Problem): SearchDocument | undefined {
  const knownError = publishedKnownError(problem);
  if (knownError === undefined) return undefined;
  return {
    id: knownErrorDocId(problem.id),
    kind: 'knownError',
    recordId: problem.id,
    number: problem.number,
    title: knownError.title,
    text: joinedText([knownError.workaround, problem.rootCause]),
    status: problem.status,
    ...categoryFields(problem),
  };
}

/** What a problem's current record makes of the `tickets` index: its document, and its known error's (or the known error's removal). */
export function problemChanges(problem: Problem, at: string): SearchChange[] {
  const knownError = knownErrorDocument(problem);
  return [
    indexChange(problemDocument(problem), at),
    knownError === undefined ? removalChange(knownErrorDocId(problem.id), problem.version, at) : indexChange(knownError, at),
  ];
}
