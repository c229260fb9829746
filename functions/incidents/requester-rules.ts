import { fieldError, ProblemError } from '../shared/errors.ts';
import type { Principal } from '../shared/http/principal.ts';
import type { NewIncident } from './domain/incident.ts';

/**
 * Requesters raise incidents for themselves; routing (group, assignee) and raising on behalf of
 * someone else are agents' work. Refused with 403 naming the field, not silently dropped.
 */
export function createChecks(principal: Principal, input: NewIncident): void {
  if (principal.isAgent) return;
  const refused: string[] = [];
  if (input.assignmentGroup !== undefined) refused.push('assignmentGroup');
  if (input.assignee !== undefined) refused.push('assignee');
  if (input.caller !== undefined && input.caller !== principal.userId) refused.push('caller');
  if (refused.length === 0) return;
  throw new ProblemError(403, 'forbidden-field', 'Not allowed', `Only agents can set ${refused.join(', ')}`, {
    errors: refused.map((field) => fieldError('body', [field], 'Only agents can set this field')),
  });
}
