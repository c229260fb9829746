import { incidentSlaView } from '../sla/domain/incident-sla.ts';
import type { Incident } from './domain/incident.ts';

/**
 * The incident as the API shows it: SLA clocks as live views (elapsed time and percentages at the
 * moment of the response, never as of the last write), the stored clock state and its calendar
 * copy left out, and the escalation level always present.
 */
export function presentIncident(incident: Incident, now = new Date()): Record<string, unknown> {
  const { sla, ...fields } = incident;
  return { ...fields, escalationLevel: incident.escalationLevel ?? 0, sla: incidentSlaView(sla, now) };
}

/**
 * The incident as `principal` may see it. Problem management is agents' work: to a requester it
 * does not exist (every /problems route is a 404), so their incidents name no problem.
 */
export function incidentSeenBy(principal: { isAgent: boolean }, incident: Incident): Incident {
  if (principal.isAgent || incident.problem === undefined) return incident;
  const { problem: _problem, ...seen } = incident;
  return seen;
}
