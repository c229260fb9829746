import { ProblemRuleError } from './errors.ts';

export const PROBLEM_STATUSES = ['new', 'assess', 'root_cause_analysis', 'fix_in_progress', 'resolved', 'closed', 'canceled'] as const;
export type ProblemStatus = (typeof PROBLEM_STATUSES)[number];

/** Why a problem was resolved: its fix is in, the risk of leaving it was accepted, it duplicates another, or it was dropped. */
export const PROBLEM_RESOLUTION_CODES = ['fix_applied', 'risk_accepted', 'duplicate', 'canceled'] as const;
export type ProblemResolutionCode = (typeof PROBLEM_RESOLUTION_CODES)[number];

/**
 * The problem lifecycle (ITIL): logged (`new`), assessed, investigated for its root cause, fixed,
 * resolved, and closed after a review. A problem may be resolved as soon as it is assessed (a
 * duplicate, or a risk accepted without investigation). `resolved -> root_cause_analysis` reopens
 * a problem whose fix did not hold; `fix_in_progress -> root_cause_analysis` goes back when the fix
 * shows the cause was not the one found. `closed` and `canceled` are final.
 */
export const PROBLEM_TRANSITIONS: Readonly<Record<ProblemStatus, readonly ProblemStatus[]>> = {
  new: ['assess', 'canceled'],
  assess: ['root_cause_analysis', 'resolved', 'canceled'],
  root_cause_analysis: ['fix_in_progress', 'resolved', 'canceled'],
  fix_in_progress: ['resolved', 'root_cause_analysis', 'canceled'],
  resolved: ['closed', 'root_cause_analysis'],
  closed: [],
  canceled: [],
};

export const FINAL_PROBLEM_STATUSES: readonly ProblemStatus[] = ['closed', 'canceled'];

/** Problems still being worked on: neither resolved nor final. */
export const OPEN_PROBLEM_STATUSES: readonly ProblemStatus[] = ['new', 'assess', 'root_cause_analysis', 'fix_in_progress'];

export const allowedProblemTransitions = (from: ProblemStatus): readonly ProblemStatus[] => PROBLEM_TRANSITIONS[from];

export function assertProblemTransition(from: ProblemStatus, to: ProblemStatus): void {
  const allowed = PROBLEM_TRANSITIONS[from];
  if (!allowed.includes(to)) {
    const detail =
      allowed.length === 0 ? `A problem that is ${from} cannot change status` : `A problem that is ${from} can move to ${allowed.join(', ')}, not ${to}`;
    throw new ProblemRuleError('INVALID_TRANSITION', detail, 'status', { from, to, allowedTransitions: allowed });
  }
}
