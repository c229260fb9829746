import { IncidentRuleError } from './errors.ts';

export const INCIDENT_STATUSES = ['new', 'in_progress', 'on_hold', 'resolved', 'closed', 'canceled'] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];

export const INCIDENT_HOLD_REASONS = ['awaiting_caller', 'awaiting_vendor', 'awaiting_change'] as const;
export type IncidentHoldReason = (typeof INCIDENT_HOLD_REASONS)[number];

export const INCIDENT_RESOLUTION_CODES = [
  'solved_permanently',
  'solved_workaround',
  'not_reproducible',
  'duplicate',
  'resolved_by_caller',
  'auto_resolved',
] as const;
export type IncidentResolutionCode = (typeof INCIDENT_RESOLUTION_CODES)[number];

/**
 * The incident lifecycle. `resolved -> in_progress` is a reopen; `closed` and `canceled` are final.
 */
export const INCIDENT_TRANSITIONS: Readonly<Record<IncidentStatus, readonly IncidentStatus[]>> = {
  new: ['in_progress', 'canceled'],
  in_progress: ['on_hold', 'resolved', 'canceled'],
  on_hold: ['in_progress'],
  resolved: ['closed', 'in_progress'],
  closed: [],
  canceled: [],
};

export const OPEN_INCIDENT_STATUSES: readonly IncidentStatus[] = ['new', 'in_progress', 'on_hold'];

export function assertIncidentTransition(from: IncidentStatus, to: IncidentStatus): void {
  const allowed = INCIDENT_TRANSITIONS[from];
  if (!allowed.includes(to)) {
    const detail =
      allowed.length === 0 ? `An incident that is ${from} cannot change status` : `An incident that is ${from} can move to ${allowed.join(', ')}, not ${to}`;
    throw new IncidentRuleError('INVALID_TRANSITION', detail, 'status', { from, to, allowedTransitions: allowed });
  }
}
