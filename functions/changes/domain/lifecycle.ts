import { ChangeRuleError } from './errors.ts';

export const CHANGE_TYPES = ['standard', 'normal', 'emergency'] as const;
export type ChangeType = (typeof CHANGE_TYPES)[number];

export const CHANGE_STATUSES = ['draft', 'assess', 'authorize', 'scheduled', 'implement', 'review', 'closed', 'rejected', 'canceled'] as const;
export type ChangeStatus = (typeof CHANGE_STATUSES)[number];

export const IMPLEMENTATION_OUTCOMES = ['successful', 'failed', 'backed_out'] as const;
export type ImplementationOutcome = (typeof IMPLEMENTATION_OUTCOMES)[number];

/**
 * The change lifecycle. `draft -> assess` is a submission and `authorize -> scheduled` an approval.
 * Once implementation has started there is no way out but through review: work done on production
 * has to be accounted for, so `implement` and `review` cannot be canceled.
 */
export const CHANGE_TRANSITIONS: Readonly<Record<ChangeStatus, readonly ChangeStatus[]>> = {
  draft: ['assess', 'canceled'],
  // Back to draft: the plan was edited after submission, so what was assessed is no longer what would be approved.
  assess: ['draft', 'authorize', 'rejected', 'canceled'],
  authorize: ['scheduled', 'rejected', 'canceled'],
  scheduled: ['implement', 'canceled'],
  implement: ['review'],
  review: ['closed'],
  closed: [],
  rejected: [],
  canceled: [],
};

export const FINAL_CHANGE_STATUSES: readonly ChangeStatus[] = ['closed', 'rejected', 'canceled'];

/**
 * Past assessment the plan is what was authorized, so it can no longer be edited. Editing a change
 * under assessment sends it back to draft (applyChangePatch).
 */
export const EDITABLE_CHANGE_STATUSES: readonly ChangeStatus[] = ['draft', 'assess'];

export function assertChangeTransition(from: ChangeStatus, to: ChangeStatus): void {
  const allowed = CHANGE_TRANSITIONS[from];
  if (!allowed.includes(to)) {
    const detail =
      allowed.length === 0 ? `A change that is ${from} cannot change status` : `A change that is ${from} can move to ${allowed.join(', ')}, not ${to}`;
    throw new ChangeRuleError('INVALID_TRANSITION', detail, 'status', { from, to, allowedTransitions: allowed });
  }
}
