import { withoutKeys } from '../shared/store/db.ts';
import type { Problem } from './domain/problem.ts';
import { PROBLEM_FIELD_ORDER } from './schemas/problem.ts';

/** The problem as the API shows it: every field, in the documented order (PROBLEM_FIELD_ORDER). */
export const presentProblem = (problem: Problem): Record<string, unknown> => withoutKeys<Record<string, unknown>>(problem, PROBLEM_FIELD_ORDER);
