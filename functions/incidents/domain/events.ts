/*
 * The incident area's event vocabulary: every detail-type an incident's outbox record may carry,
 * SLA and escalation ones included (they are about an incident and are published on its record).
 * It lives with the incidents because they own these events; the publisher, the schemas and the
 * notification filters read it from here.
 */

export const INCIDENT_EVENT_TYPES = [
  'Incident Created',
  'Incident Updated',
  'Incident Resolved',
  'Incident Note Added',
  'SLA Warning',
  'SLA Breached',
  'Incident Escalated',
  'Major Incident Breach',
] as const;
export type IncidentEventType = (typeof INCIDENT_EVENT_TYPES)[number];
