import { incidentSlaView } from '../sla/domain/incident-sla.ts';
import { INCIDENT_FIELD_ORDER } from './domain/field-order.ts';
import type { Incident } from './domain/incident.ts';

/**
 * The incident as the API shows it, its fields in the documented order: SLA clocks as live views
 * (elapsed time and percentages at the moment of the response, never as of the last write), the
 * stored clock state and its calendar copy left out, and the escalation level always present.
 * Only the documented fields (INCIDENT_FIELD_ORDER, which test/unit/field-order.test.ts holds to
 * the schema): nothing else an incident object may carry is shown.
 */
export function presentIncident(incident: Incident, now = new Date()): Record<string, unknown> {
  // One pass in the documented order: a list presents 20 or more of them per request.
  const shown: Record<string, unknown> = {};
  const fields = incident as unknown as Record<string, unknown>;
  for (const field of INCIDENT_FIELD_ORDER) {
    const value = field === 'sla' ? incidentSlaView(incident.sla, now) : field === 'escalationLevel' ? (incident.escalationLevel ?? 0) : fields[field];
    if (value !== undefined) shown[field] = value;
  }
  return shown;
}

/**
 * What only agents see of an incident. Problem management and the CMDB are agents' work: to a
 * requester they do not exist (every /problems and /cis route is a 404), so their incidents name
 * no problem, no configuration item and no services impacted through them.
 */
const AGENT_ONLY_FIELDS: ReadonlySet<string> = new Set(['problem', 'configurationItems', 'impactedServices']);

/** The incident as `principal` may see it: without AGENT_ONLY_FIELDS for a requester. */
export function incidentSeenBy(principal: { isAgent: boolean }, incident: Incident): Incident {
  if (principal.isAgent || !Object.keys(incident).some((field) => AGENT_ONLY_FIELDS.has(field))) return incident;
  return Object.fromEntries(Object.entries(incident).filter(([field]) => !AGENT_ONLY_FIELDS.has(field))) as unknown as Incident;
}

/**
 * An incident's history records as `principal` may see them. A requester sees no diff of
 * AGENT_ONLY_FIELDS (the link to a problem, made and undone by agents; configuration items and
 * their impact), and a record that held nothing else (the link or the unlink itself) is left out:
 * their incident's history names no problem, as the incident does not. A page may then hold fewer records than its `limit`; its cursor still holds.
 */
export function historySeenBy<R extends { changes: readonly { field: string }[] }>(principal: { isAgent: boolean }, records: readonly R[]): R[] {
  if (principal.isAgent) return [...records];
  return records.flatMap((record) => {
    const changes = record.changes.filter((change) => !AGENT_ONLY_FIELDS.has(change.field));
    if (changes.length === record.changes.length) return [record];
    return changes.length === 0 ? [] : [{ ...record, changes }];
  });
}
