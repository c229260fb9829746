import { fieldError, HttpError } from '../shared/errors.ts';
import type { Principal } from '../shared/http/principal.ts';
import type { NewIncident } from './domain/incident.ts';
import { parseRequesterIncidentFields, REQUESTER_SETTABLE_FIELDS } from './requester-fields.ts';

const REQUESTER_MAY_SET: ReadonlySet<string> = new Set(parseRequesterIncidentFields(process.env.REQUESTER_INCIDENT_FIELDS));

/**
 * Requesters raise incidents for themselves; routing (group, assignee), raising on behalf of
 * someone else, and the priority inputs the configuration keeps for the service desk are agents'
 * work. Refused with 403 naming each field, not silently dropped, so a client bug surfaces.
 */
export function createChecks(principal: Principal, input: NewIncident): void {
  if (principal.isAgent) return;
  const refused: { field: string; message: string }[] = [];
  if (input.assignmentGroup !== undefined) refused.push({ field: 'assignmentGroup', message: 'Only agents can set this field' });
  if (input.assignee !== undefined) refused.push({ field: 'assignee', message: 'Only agents can set this field' });
  // The CMDB is the service desk's: to requesters it does not exist (its routes answer 404).
  if (input.configurationItems !== undefined) refused.push({ field: 'configurationItems', message: 'Only agents can set this field' });
  if (input.caller !== undefined && input.caller !== principal.userId) refused.push({ field: 'caller', message: 'Only agents can set this field' });
  for (const field of REQUESTER_SETTABLE_FIELDS) {
    if (input[field] !== undefined && !REQUESTER_MAY_SET.has(field)) {
      refused.push({ field, message: `The service desk assesses ${field}; requesters cannot set it here` });
    }
  }
  if (refused.length === 0) return;
  const fields = refused.map((r) => r.field);
  throw new HttpError(403, 'forbidden-field', 'Not allowed', `Only agents can set ${fields.join(', ')}`, {
    errors: refused.map((r) => fieldError('body', [r.field], r.message)),
  });
}
