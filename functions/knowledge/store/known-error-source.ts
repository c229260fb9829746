import { type KnownError, type KnownErrorSource, publishedKnownError } from '../../known-errors/domain/known-error.ts';
import { db, type Item, itemByNumber, TABLE_NAME } from '../../shared/store/db.ts';
import { GetCommand } from '../../shared/store/dynamodb.ts';

/*
 * A known error with what an article needs of its problem. The known-error projection
 * (functions/known-errors) carries the workaround but not the problem's description and root
 * cause, the known-errors area exposes no read of the problem item, and knowledge may not import
 * the problems area (it sits beside it, .dependency-cruiser.cjs): so the problem's own
 * item is read here with the table's generic helpers, by its documented key (pk PROBLEM#<id>,
 * sk PROBLEM; numbers through gsi1 'PROBLEM', docs/data-model.md), and only read. Whether it is a
 * published known error is the known-errors area's rule (publishedKnownError).
 */

const PROBLEM_NUMBER = /^PRB\d{7,}$/;

/** The fields of a problem an article is written from. */
export interface KnownErrorProblem extends KnownErrorSource {
  readonly description?: string;
  readonly rootCause?: string;
  readonly assignmentGroup?: string;
}

/** The problem by id (strongly consistent GetItem) or number (gsi1 Query, eventually consistent). */
async function problemItem(ref: string): Promise<Item | undefined> {
  if (PROBLEM_NUMBER.test(ref)) return itemByNumber('PROBLEM', ref);
  const result = await db.send(new GetCommand({ TableName: TABLE_NAME, Key: { pk: `PROBLEM#${ref}`, sk: 'PROBLEM' }, ConsistentRead: true }));
  return result.Item;
}

/** The published known error of the problem `ref` (id or number) and the problem's fields; undefined when there is none. */
export async function readKnownError(ref: string): Promise<{ knownError: KnownError; problem: KnownErrorProblem } | undefined> {
  const item = await problemItem(ref);
  if (item === undefined || item.entity !== 'problem') return undefined;
  const problem = item as unknown as KnownErrorProblem;
  const knownError = publishedKnownError(problem);
  if (knownError === undefined) return undefined;
  return { knownError, problem };
}
