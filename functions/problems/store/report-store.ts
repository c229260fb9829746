import { publishedKnownError } from '../../known-errors/domain/known-error.ts';
import { db, type Item, TABLE_NAME, type TransactItem } from '../../shared/store/db.ts';
import { QueryCommand } from '../../shared/store/dynamodb.ts';
import { formatDuration } from '../../sla/domain/duration.ts';
import { OPEN_PROBLEM_STATUSES, PROBLEM_STATUSES, type ProblemStatus } from '../domain/lifecycle.ts';
import type { Problem } from '../domain/problem.ts';

/*
 * GET /reports/problems reads counters, never problems: every write of a problem adds what it
 * moved (a status left and reached, an open problem's service, a known error published or
 * withdrawn, a root cause first documented, incidents linked) to a few items of ONE partition,
 * inside the problem's own transaction (problem-write.ts DERIVED_ENTRIES); candidates' writes add
 * theirs the same way. So the report is as exact as the records and costs one Query.
 *
 *   pk PROBLEMREPORT  sk STATUS#<status>    problems in that status now        (problems)
 *   pk PROBLEMREPORT  sk SERVICE#<service>  open problems of the service now   (problems; '-': none)
 *   pk PROBLEMREPORT  sk TOTALS             problems, knownErrors, rootCauses, rootCauseSeconds, linkedIncidents
 *   pk PROBLEMREPORT  sk CANDIDATES         found, accepted, dismissed
 *
 * Time to root cause runs from the problem's creation to the first time a root cause is
 * documented on it (`rootCauseAt`, set once by the write that first gives it a rootCause, never
 * moved after): counted in that write. A problem that reaches fix_in_progress without a
 * documented root cause has none yet; it counts when its root cause is written.
 *
 * Problems are changed one by one by people, so these few items see little contention; a write
 * that moves no counter (a title edit) touches none of them.
 */

const PARTITION = 'PROBLEMREPORT';
const ENTITY = 'problem-report';
const NO_SERVICE = '-';

const TOTAL_COUNTERS = ['problems', 'knownErrors', 'rootCauses', 'rootCauseSeconds', 'linkedIncidents'] as const;
type TotalCounter = (typeof TOTAL_COUNTERS)[number];
export const CANDIDATE_COUNTERS = ['found', 'accepted', 'dismissed'] as const;
export type CandidateCounter = (typeof CANDIDATE_COUNTERS)[number];

/** ADDs to one report item; counters that do not move are left out, an item with none is no write. */
function addTo(sk: string, counters: Record<string, number>): TransactItem[] {
  const moved = Object.entries(counters).filter(([, amount]) => amount !== 0);
  if (moved.length === 0) return [];
  for (const [name, amount] of moved) {
    // A fraction or NaN would silently poison a counter for good.
    if (!Number.isSafeInteger(amount)) throw new Error(`Problem report counter ${name} must be an integer, got ${amount}`);
  }
  return [
    {
      Update: {
        TableName: TABLE_NAME,
        Key: { pk: PARTITION, sk },
        UpdateExpression: `SET entity = :entity ADD ${moved.map((_, i) => `#c${i} :c${i}`).join(', ')}`,
        ExpressionAttributeNames: Object.fromEntries(moved.map(([name], i) => [`#c${i}`, name])),
        ExpressionAttributeValues: { ':entity': ENTITY, ...Object.fromEntries(moved.map(([, amount], i) => [`:c${i}`, amount])) },
      },
    },
  ];
}

const isOpen = (problem: Problem | undefined): boolean => problem !== undefined && OPEN_PROBLEM_STATUSES.includes(problem.status);
const serviceOf = (problem: Problem): string => problem.service ?? NO_SERVICE;
/**
 * Published as GET /known-errors lists it, not merely flagged: `knownError` without a workaround,
 * or on a problem canceled, a duplicate, or closed with its fix applied, is no published known error.
 */
const isPublished = (problem: Problem | undefined): boolean => problem !== undefined && publishedKnownError(problem) !== undefined;

/**
 * The report counters a write of a problem moves, from the problem before (undefined: created) and
 * after, for the write's own transaction. Each item appears at most once (a transaction may touch
 * an item once).
 */
export function problemReportEntries(before: Problem | undefined, after: Problem): TransactItem[] {
  const items: TransactItem[] = [];
  if (before?.status !== after.status) {
    if (before !== undefined) items.push(...addTo(`STATUS#${before.status}`, { problems: -1 }));
    items.push(...addTo(`STATUS#${after.status}`, { problems: 1 }));
  }
  const services = new Map<string, number>();
  if (isOpen(before) && before !== undefined) services.set(serviceOf(before), -1);
  if (isOpen(after)) services.set(serviceOf(after), (services.get(serviceOf(after)) ?? 0) + 1);
  for (const [service, amount] of services) items.push(...addTo(`SERVICE#${service}`, { problems: amount }));

  const rootCauseFound = before?.rootCauseAt === undefined && after.rootCauseAt !== undefined;
  const totals: Record<TotalCounter, number> = {
    problems: before === undefined ? 1 : 0,
    knownErrors: Number(isPublished(after)) - Number(isPublished(before)),
    rootCauses: rootCauseFound ? 1 : 0,
    rootCauseSeconds: rootCauseFound ? Math.max(0, Math.round((Date.parse(after.rootCauseAt as string) - Date.parse(after.createdAt)) / 1000)) : 0,
    linkedIncidents: after.linkedIncidentCount - (before?.linkedIncidentCount ?? 0),
  };
  items.push(...addTo('TOTALS', totals));
  return items;
}

/** A candidate found, accepted or dismissed, for the transaction that records it. */
export const candidateReportEntry = (counter: CandidateCounter): TransactItem[] => addTo('CANDIDATES', { [counter]: 1 });

// ---------------------------------------------------------------------------------------------
// Reading

export interface ProblemReport {
  openProblems: { total: number; byStatus: Record<string, number>; byService: { service: string; open: number }[] };
  problemsByStatus: Record<ProblemStatus, number>;
  problems: number;
  knownErrorsPublished: number;
  rootCauses: { documented: number; meanTimeToRootCause: string | null };
  linkedIncidents: { total: number; meanPerProblem: number | null };
  candidates: { found: number; open: number; accepted: number; dismissed: number };
}

const numberOf = (item: Item | undefined, name: string): number => (typeof item?.[name] === 'number' ? (item[name] as number) : 0);

/** The report: one Query over the report partition (a handful of items, one page). */
export async function readProblemReport(): Promise<ProblemReport> {
  const items: Item[] = [];
  let startKey: Item | undefined;
  do {
    const page = await db.send(
      new QueryCommand({
        TableName: TABLE_NAME,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': PARTITION },
        ExclusiveStartKey: startKey,
      }),
    );
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey !== undefined);
  const bySk = new Map(items.map((item) => [String(item.sk), item]));

  const problemsByStatus = Object.fromEntries(PROBLEM_STATUSES.map((s) => [s, numberOf(bySk.get(`STATUS#${s}`), 'problems')])) as Record<ProblemStatus, number>;
  const openByStatus = Object.fromEntries(OPEN_PROBLEM_STATUSES.map((s) => [s, problemsByStatus[s]]));
  const byService = items
    .filter((item) => String(item.sk).startsWith('SERVICE#') && numberOf(item, 'problems') !== 0)
    .map((item) => ({ service: String(item.sk).slice('SERVICE#'.length), open: numberOf(item, 'problems') }));
  const totals = bySk.get('TOTALS');
  const candidates = bySk.get('CANDIDATES');
  const problems = numberOf(totals, 'problems');
  const rootCauses = numberOf(totals, 'rootCauses');
  const linked = numberOf(totals, 'linkedIncidents');
  const found = numberOf(candidates, 'found');
  const accepted = numberOf(candidates, 'accepted');
  const dismissed = numberOf(candidates, 'dismissed');
  return {
    openProblems: { total: Object.values(openByStatus).reduce((a, b) => a + b, 0), byStatus: openByStatus, byService },
    problemsByStatus,
    problems,
    knownErrorsPublished: numberOf(totals, 'knownErrors'),
    rootCauses: {
      documented: rootCauses,
      meanTimeToRootCause: rootCauses > 0 ? formatDuration(Math.round(numberOf(totals, 'rootCauseSeconds') / rootCauses)) : null,
    },
    linkedIncidents: { total: linked, meanPerProblem: problems > 0 ? Math.round((linked / problems) * 100) / 100 : null },
    candidates: { found, open: found - accepted - dismissed, accepted, dismissed },
  };
}
