import type { Priority } from '../../shared/domain/priority.ts';
import { durationUsesDays } from './duration.ts';
import { CLOCK_NAMES, type ClockName, type SlaPolicy } from './types.ts';

/*
 * Which SLA policy governs a clock of an incident.
 *
 * A policy is a candidate when it has a target for the clock and every criterion it names matches:
 * its priority list contains the incident's priority, its service and category equal the incident's.
 * An empty priority list names no priority (it matches every priority), like an absent one.
 * The most specific candidate wins, by the criteria it names: service 4, category 2, priority 1,
 * so a service's policy beats any category or priority policy, and one naming nothing is the fallback.
 * Equal scores go to the name that sorts first (code unit order), so the choice never depends on the
 * order policies were stored in.
 */

const WEIGHT = { service: 4, category: 2, priority: 1 } as const;

export interface PolicySubject {
  priority: Priority;
  service?: string;
  category?: string;
}

export function selectPolicy(policies: readonly SlaPolicy[], incident: PolicySubject, clock: ClockName): SlaPolicy | undefined {
  let best: { policy: SlaPolicy; score: number } | undefined;
  for (const policy of policies) {
    const score = specificity(policy, incident, clock);
    if (score === undefined) continue;
    if (best === undefined || score > best.score || (score === best.score && policy.name < best.policy.name)) {
      best = { policy, score };
    }
  }
  return best?.policy;
}

/** How specifically a policy matches, or undefined when it does not apply. */
function specificity(policy: SlaPolicy, incident: PolicySubject, clock: ClockName): number | undefined {
  if (policy.targets[clock] === undefined) return undefined;
  const { priority, service, category } = policy.appliesTo;
  let score = 0;
  if (priority !== undefined && priority.length > 0) {
    if (!priority.includes(incident.priority)) return undefined;
    score += WEIGHT.priority;
  }
  if (service !== undefined) {
    if (service !== incident.service) return undefined;
    score += WEIGHT.service;
  }
  if (category !== undefined) {
    if (category !== incident.category) return undefined;
    score += WEIGHT.category;
  }
  return score;
}

/**
 * The targets of a policy written in days or weeks. Business time has no fixed day (a working day
 * is whatever the calendar says), so such targets are only meaningful on a 24x7 calendar.
 */
export function targetsInDays(policy: Pick<SlaPolicy, 'targets'>): { clock: ClockName; target: string }[] {
  return CLOCK_NAMES.flatMap((clock) => {
    const target = policy.targets[clock];
    return target !== undefined && durationUsesDays(target) ? [{ clock, target }] : [];
  });
}
