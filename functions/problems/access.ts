import { ulid } from 'ulid';
import { notFound } from '../shared/errors.ts';
import type { Principal } from '../shared/http/principal.ts';
import { PROBLEM_NUMBER_PATTERN, type Problem } from './domain/problem.ts';
import { getProblemById, getProblemByNumber } from './store/problem-store.ts';

const ID_PATTERN = new RegExp(`^[0-9A-HJKMNP-TV-Z]{${ulid().length}}$`);

export const isProblemNumber = (idOrNumber: string): boolean => PROBLEM_NUMBER_PATTERN.test(idOrNumber);
export const isProblemId = (idOrNumber: string): boolean => ID_PATTERN.test(idOrNumber);

/**
 * Problems are agents' work (issue 13). To a requester the whole area does not exist: every
 * /problems route answers 404, as an incident they did not raise does, so that not even the
 * existence of an investigation into their service leaks. Admins are agents too.
 */
export function assertProblemAgent(principal: Principal, what = 'Problem management'): void {
  if (!principal.isAgent) throw notFound(what);
}

/** Reads by id (strongly consistent) or by number (through the index); one round trip either way. */
export async function findProblem(idOrNumber: string): Promise<Problem | undefined> {
  if (isProblemNumber(idOrNumber)) return getProblemByNumber(idOrNumber);
  if (isProblemId(idOrNumber)) return getProblemById(idOrNumber);
  return undefined;
}

/** The problem, or 404 naming what was asked for. */
export async function loadProblem(idOrNumber: string): Promise<Problem> {
  const problem = await findProblem(idOrNumber);
  if (problem === undefined) throw notFound(`Problem ${idOrNumber}`);
  return problem;
}

/**
 * Reads something of a problem (its notes, its history). Addressed by id, the existence check and
 * the read go out together: one round trip. A number has to be resolved to the id first.
 */
export async function readOfProblem<T>(idOrNumber: string, read: (problemId: string) => Promise<T>): Promise<T> {
  if (!isProblemId(idOrNumber)) return read((await loadProblem(idOrNumber)).id);
  const [problem, result] = await Promise.allSettled([getProblemById(idOrNumber), read(idOrNumber)]);
  if (problem.status === 'rejected') throw problem.reason;
  if (problem.value === undefined) throw notFound(`Problem ${idOrNumber}`);
  if (result.status === 'rejected') throw result.reason;
  return result.value;
}
