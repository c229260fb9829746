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

/**
 * An incident's history records as `principal` may see them. A requester sees no `problem` diff
 * (the link to a problem, made and undone by agents), and a record that held nothing else (the
 * link or the unlink itself) is left out: their incident's history names no problem, as the
 * incident does not. A page may then hold fewer records than its `limit`; its cursor still holds.
 */
export function historySeenBy<R extends { changes: readonly { field: string }[] }>(principal: { isAgent: boolean }, records: readonly R[]): R[] {
  if (principal.isAgent) return [...records];
  return records.flatMap((record) => {
    const changes = record.changes.filter((change) => change.field !== 'problem');
    if (changes.length === record.changes.length) return [record];
    return changes.length === 0 ? [] : [{ ...record, changes }];
  });
}
