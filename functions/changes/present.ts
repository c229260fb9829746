import { withoutKeys } from '../shared/store/db.ts';
import type { Change } from './domain/change.ts';
import { CHANGE_FIELD_ORDER, CHANGE_SUMMARY_FIELD_ORDER } from './schemas/change.ts';

/** The change as the API shows it: every field, in the documented order (CHANGE_FIELD_ORDER). */
export const presentChange = (change: Change): Record<string, unknown> => withoutKeys<Record<string, unknown>>(change, CHANGE_FIELD_ORDER);

/** What a calendar shows of a change: enough to plan around it; GET /changes/{id} has the rest. */
export function presentChangeSummary(change: Change): Record<string, unknown> {
  return withoutKeys<Record<string, unknown>>(
    {
      id: change.id,
      number: change.number,
      title: change.title,
      type: change.type,
      status: change.status,
      riskLevel: change.risk?.level,
      services: change.services,
      plannedStart: change.plannedStart,
      plannedEnd: change.plannedEnd,
    },
    CHANGE_SUMMARY_FIELD_ORDER,
  );
}
