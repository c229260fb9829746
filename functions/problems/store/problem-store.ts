import { defined } from '../../shared/defined.ts';
import { type HistoryDraft, historyPut, newId } from '../../shared/store/audit.ts';
import { filterFingerprint } from '../../shared/store/cursor.ts';
import { checkAtVersion, db, type Item, itemByNumber, putAtVersion, putNew, TABLE_NAME, type TransactItem, withoutKeys } from '../../shared/store/db.ts';
import { GetCommand } from '../../shared/store/dynamodb.ts';
import { inCondition } from '../../shared/store/filter-expression.ts';
import { mergedQueryPage } from '../../shared/store/merged-pages.ts';
import { type Page, queryPage } from '../../shared/store/pagination.ts';
import { takeNextInSequence } from '../../shared/store/sequence.ts';
import type { Problem } from '../domain/problem.ts';
import { PROBLEM_HEADS } from '../heads.ts';
import { PROBLEM_FIELD_ORDER, type ProblemFilters, type ProblemNote, problemHistoryRecordSchema, problemNoteSchema } from '../schemas/problem.ts';
import { fixChangeIndexAttributes } from './fix-change-store.ts';

/*
 * Problem items (see docs/data-model.md for every access pattern):
 *   problem   pk PROBLEM#<id>     sk PROBLEM          gsi1 PROBLEM / number               every problem (and by number)
 *                                                     gsi2 PROBLEM#STATUS#<status> / number
 *                                                     gsi3 PROBLEM#PRIORITY#<priority> / number
 *                                                     gsi4 PROBLEM#GROUP#<group> / number (sparse)
 *                                                     gsi5 PROBLEM#ASSIGNEE#<user> / number (sparse)
 *                                                     gsi6 PROBLEM#SERVICE#<service> / number (sparse)
 *                                                     gsi7 PROBLEM#FIX-CHANGE#<changeId> / number (sparse: fix-change-store.ts)
 *   link      pk PROBLEM#<id>     sk INCIDENT#<incidentId>  (problem-link-store.ts)
 *   note      pk PROBLEM#<id>     sk NOTE#<ulid>
 *   history   pk PROBLEM#<id>     sk HISTORY#<ulid>
 *   outbox    pk PROBLEM#<id>     sk OUTBOX#<eventId> (problem-outbox.ts)
 *   sequence  pk CONFIG#PROBLEMS  sk CONFIG           the number sequence
 * The priority matrix is the incidents' (functions/incidents/reads.ts): one matrix for both.
 */
export { newId };

export const problemKey = (id: string) => ({ pk: `PROBLEM#${id}`, sk: 'PROBLEM' });
export const PROBLEM_SEQUENCE_KEY = { pk: 'CONFIG#PROBLEMS', sk: 'CONFIG' } as const;

type FilterName = keyof ProblemFilters;
type FilterIndex = { filter: FilterName; index: string; prefix: string };

/** Most selective first: the first filter present picks the index (one Query per value), the others narrow it. */
const FILTER_INDEXES: readonly FilterIndex[] = [
  { filter: 'assignee', index: 'gsi5', prefix: 'PROBLEM#ASSIGNEE#' },
  { filter: 'assignmentGroup', index: 'gsi4', prefix: 'PROBLEM#GROUP#' },
  { filter: 'service', index: 'gsi6', prefix: 'PROBLEM#SERVICE#' },
  { filter: 'status', index: 'gsi2', prefix: 'PROBLEM#STATUS#' },
  { filter: 'priority', index: 'gsi3', prefix: 'PROBLEM#PRIORITY#' },
];
const ALL_PROBLEMS = { index: 'gsi1', partition: 'PROBLEM' } as const;

function toItem(problem: Problem): Item {
  const item: Item = { ...problemKey(problem.id), entity: 'problem', ...problem };
  item.gsi1pk = ALL_PROBLEMS.partition;
  item.gsi1sk = problem.number;
  for (const { filter, index, prefix } of FILTER_INDEXES) {
    const value = problem[filter];
    if (value === undefined) continue; // sparse: an unassigned problem is in no assignee partition
    item[`${index}pk`] = `${prefix}${value}`;
    item[`${index}sk`] = problem.number;
  }
  // gsi7, sparse: the problems a change request fixes (fix-change-store.ts).
  Object.assign(item, fixChangeIndexAttributes(problem));
  return item;
}

const fromItem = (item: Item): Problem => withoutKeys<Problem>(item, PROBLEM_FIELD_ORDER);

/** Strongly consistent: a read before a write must see the version the write will be checked against. */
export async function getProblemById(id: string): Promise<Problem | undefined> {
  const result = await db.send(new GetCommand({ TableName: TABLE_NAME, Key: problemKey(id), ConsistentRead: true }));
  return result.Item === undefined ? undefined : fromItem(result.Item);
}

/** Numbers resolve through the all-problems index (eventually consistent, like every GSI read). */
export async function getProblemByNumber(number: string): Promise<Problem | undefined> {
  const item = await itemByNumber(ALL_PROBLEMS.partition, number);
  return item === undefined ? undefined : fromItem(item);
}

/** Takes the next problem number. Numbers of requests that later fail are not reused (gaps are harmless). */
export async function allocateProblemNumber(): Promise<number> {
  const { sequence } = await takeNextInSequence(PROBLEM_SEQUENCE_KEY, 'problem-sequence');
  return sequence;
}

export const problemCreate = (problem: Problem): TransactItem => putNew(toItem(problem));

/** Replaces the problem if, and only if, it is still at the version the caller read. */
export const problemReplace = (next: Problem, expectedVersion: number): TransactItem => putAtVersion(toItem(next), expectedVersion);

/**
 * Something lands on the problem without changing it (a note): the problem must still be at the
 * version it was read at, or the event would describe a problem that no longer is.
 */
export function problemUnchanged(problem: Problem): TransactItem {
  return checkAtVersion(problemKey(problem.id), problem.version);
}

export const problemHistoryPut = (problemId: string, draft: HistoryDraft): TransactItem => historyPut(problemKey(problemId).pk, problemId, draft);

const NOTE_FIELDS = Object.keys(problemNoteSchema.shape);
const HISTORY_FIELDS = Object.keys(problemHistoryRecordSchema.shape);

export function problemNotePut(note: ProblemNote): TransactItem {
  return {
    Put: {
      TableName: TABLE_NAME,
      Item: { pk: problemKey(note.problemId).pk, sk: `NOTE#${note.id}`, entity: 'note', ...note },
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  };
}

/** Oldest first, like a conversation: ULIDs sort by time. */
export async function listProblemNotes(problemId: string, options: { limit: number; cursor?: string }): Promise<Page<ProblemNote>> {
  const page = await queryPage(
    {
      TableName: TABLE_NAME,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': problemKey(problemId).pk, ':prefix': 'NOTE#' },
    },
    options.limit,
    options.cursor,
    filterFingerprint({ problemId, kind: 'problem-notes' }),
  );
  return { ...page, items: page.items.map((item) => withoutKeys<ProblemNote>(item, NOTE_FIELDS)) };
}

export interface ProblemHistoryRecord extends HistoryDraft {
  id: string;
  problemId: string;
}

/** The audit trail, oldest first. */
export async function listProblemHistory(problemId: string, options: { limit: number; cursor?: string }): Promise<Page<ProblemHistoryRecord>> {
  const page = await queryPage(
    {
      TableName: TABLE_NAME,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': problemKey(problemId).pk, ':prefix': 'HISTORY#' },
    },
    options.limit,
    options.cursor,
    filterFingerprint({ problemId, kind: 'problem-history' }),
  );
  const items = page.items.map((item) => {
    const { subjectId, ...record } = withoutKeys<HistoryDraft & { id: string; subjectId: string }>(item);
    return withoutKeys<ProblemHistoryRecord>({ ...record, problemId: subjectId }, HISTORY_FIELDS);
  });
  return { ...page, items };
}

/**
 * Newest first by number. The first filter present picks the index and each of its values is one
 * Query, all in flight together and merged (functions/shared/store/merged-pages.ts); the other
 * filters narrow them with a filter expression. Never a Scan.
 */
export async function listProblems(filters: ProblemFilters, limit: number, cursor?: string): Promise<Page<Problem>> {
  const chosen = FILTER_INDEXES.find(({ filter }) => filters[filter] !== undefined);
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const conditions: string[] = [];
  for (const { filter } of FILTER_INDEXES) {
    const wanted = filters[filter];
    if (wanted === undefined || filter === chosen?.filter) continue;
    conditions.push(inCondition(filter, wanted, names, values).condition);
  }
  const page = await mergedQueryPage(
    {
      tableName: TABLE_NAME,
      index: chosen?.index ?? ALL_PROBLEMS.index,
      partitions:
        chosen === undefined
          ? [ALL_PROBLEMS.partition]
          : defined(filters[chosen.filter], `values of the ${chosen.filter} filter that chose the index`).map((value) => `${chosen.prefix}${value}`),
      ...(conditions.length > 0 ? { filter: { expression: conditions.join(' AND '), names, values } } : {}),
      projection: PROBLEM_FIELD_ORDER,
      heads: PROBLEM_HEADS,
    },
    limit,
    cursor,
    filterFingerprint({ ...filters, kind: 'problems' }),
  );
  return { ...page, items: page.items.map(fromItem) };
}
