import { conflict, type FieldError, fieldError, validationFailed } from '../../shared/errors.ts';
import { byRoute, httpHandler } from '../../shared/http/handler.ts';
import { type ConfigResource, create, get, historyFields, list, remove, replace } from '../config-crud.ts';
import { validateCalendar } from '../domain/calendar.ts';
import { targetsInDays } from '../domain/policy.ts';
import type { Calendar } from '../domain/types.ts';
import { calendarSchema, createCalendarBody, replaceCalendarBody } from '../schemas/calendar.ts';
import { canonicalCalendar, type SlaConfigSnapshot } from '../store/config-store.ts';

/*
 * /calendars: when SLA clocks count. Agents read (they see why a clock is paused at night);
 * admins write. A calendar in use by a policy cannot be deleted, and cannot get working hours
 * while a policy counting in it has targets in days.
 */

/** The shape checks zod cannot make, with paths into the body. */
function checkCalendar(calendar: Calendar): void {
  const violations = validateCalendar(calendar);
  if (violations.length > 0) throw validationFailed(violations.map((p) => fieldError('body', p.path, p.message)));
}

/** Working hours make days ambiguous: refuse them while a policy counting here is written in days. */
function checkPoliciesStillValid(calendar: Calendar, snapshot: SlaConfigSnapshot): void {
  if (calendar.workingHours === undefined) return;
  const errors: FieldError[] = [];
  for (const policy of snapshot.policies) {
    if (policy.calendar !== calendar.name) continue;
    for (const { clock, target } of targetsInDays(policy)) {
      errors.push(
        fieldError(
          'body',
          ['workingHours'],
          `SLA policy '${policy.name}' counts in this calendar with a ${clock} target in days (${target}); days are ambiguous in business time, so change that target to hours first (PT24H is three 8-hour days)`,
        ),
      );
    }
  }
  if (errors.length > 0) throw validationFailed(errors);
}

/** Refuses to delete a calendar that policies count in. */
function checkNotInUse(name: string, snapshot: SlaConfigSnapshot): void {
  const users = snapshot.policies.filter((p) => p.calendar === name).map((p) => p.name);
  if (users.length > 0) {
    throw conflict(
      'calendar-in-use',
      'Calendar in use',
      `SLA ${users.length === 1 ? 'policy' : 'policies'} ${users.map((p) => `'${p}'`).join(', ')} count${users.length === 1 ? 's' : ''} in calendar '${name}'; give ${users.length === 1 ? 'it' : 'them'} another calendar first`,
      { policies: users },
    );
  }
}

const calendars: ConfigResource<Calendar> = {
  kind: 'calendar',
  label: 'Calendar',
  basePath: '/calendars',
  fields: historyFields(calendarSchema.shape),
  createBody: createCalendarBody,
  replaceBody: replaceCalendarBody,
  canonical: canonicalCalendar,
  checkShape: checkCalendar,
  // Only a replace can put hours under existing policies: a create of a taken name is refused as existing.
  checkAgainst: (calendar, snapshot, action) => {
    if (action === 'updated') checkPoliciesStillValid(calendar, snapshot);
  },
  beforeDelete: checkNotInUse,
};

export const handler = httpHandler(
  byRoute({
    'GET /calendars': list(calendars),
    'GET /calendars/{name}': get(calendars),
    'POST /calendars': create(calendars),
    'PUT /calendars/{name}': replace(calendars),
    'DELETE /calendars/{name}': remove(calendars),
  }),
);
