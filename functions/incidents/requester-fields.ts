// No environment is read here, so the CDK app and the local runtime can check the setting before
// any handler module loads (requester-rules.ts reads it for the functions).

/** The priority inputs a requester may be allowed to give; which of them is configuration. */
export const REQUESTER_SETTABLE_FIELDS = ['impact', 'urgency'] as const;
export type RequesterSettableField = (typeof REQUESTER_SETTABLE_FIELDS)[number];

/**
 * REQUESTER_INCIDENT_FIELDS (CDK context requesterIncidentFields): comma-separated, or `none`.
 * Unset means urgency only: callers know how urgent it is for them; how far it reaches (impact) is
 * the service desk's assessment, so nobody declares a P1 alone.
 */
export function parseRequesterIncidentFields(text: string | undefined): RequesterSettableField[] {
  if (text === undefined || text.trim() === '') return ['urgency'];
  const values = text
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);
  if (values.length === 1 && values[0] === 'none') return [];
  for (const value of values) {
    if (!(REQUESTER_SETTABLE_FIELDS as readonly string[]).includes(value)) {
      throw new Error(`REQUESTER_INCIDENT_FIELDS: "${value}" is not one of ${REQUESTER_SETTABLE_FIELDS.join(', ')} (or none)`);
    }
  }
  return [...new Set(values as RequesterSettableField[])];
}
