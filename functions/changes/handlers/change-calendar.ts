import { fieldError, validationFailed } from '../../shared/errors.ts';
import { httpHandler } from '../../shared/http/handler.ts';
import { withoutKeys } from '../../shared/store/db.ts';
import { assertChangeAgent } from '../access.ts';
import type { Change } from '../domain/change.ts';
import type { ChangeStatus } from '../domain/lifecycle.ts';
import { presentChangeSummary } from '../present.ts';
import { CALENDAR_BLACKOUT_FIELD_ORDER, canonicalInstant, changeCalendarQuery, MAX_CALENDAR_DAYS } from '../schemas/change.ts';
import { blackoutsOverlapping } from '../store/blackout-store.ts';
import { changesOverlapping } from '../store/change-store.ts';

/** Not (or no longer) going to happen: a draft has not been asked for, the others were turned down or withdrawn. */
const OFF_CALENDAR: readonly ChangeStatus[] = ['draft', 'rejected', 'canceled'];

const byWindow = (a: Change, b: Change) =>
  a.plannedStart < b.plannedStart ? -1 : a.plannedStart > b.plannedStart ? 1 : a.number < b.number ? -1 : a.number > b.number ? 1 : 0;

/**
 * What is planned in [from, to): the changes whose window overlaps it and the blackout windows.
 * One round trip: the two bounded Queries go out together.
 */
export const handler = httpHandler(async (request) => {
  assertChangeAgent(request.principal);
  const query = request.query(changeCalendarQuery);
  const from = canonicalInstant(query.from);
  const to = canonicalInstant(query.to);
  const span = Date.parse(to) - Date.parse(from);
  if (span <= 0) throw validationFailed([fieldError('query', ['to'], 'Must be after from')]);
  if (span > MAX_CALENDAR_DAYS * 86_400_000) {
    throw validationFailed([fieldError('query', ['to'], `A calendar covers at most ${MAX_CALENDAR_DAYS} days: ask for the rest separately`)]);
  }
  const [changes, blackouts] = await Promise.all([changesOverlapping(from, to), blackoutsOverlapping(from, to)]);
  return {
    status: 200,
    body: {
      from,
      to,
      changes: changes
        .filter((change) => !OFF_CALENDAR.includes(change.status))
        .sort(byWindow)
        .map(presentChangeSummary),
      blackouts: blackouts.map((window) =>
        withoutKeys<Record<string, unknown>>(
          {
            name: window.name,
            start: window.start,
            end: window.end,
            ...(window.services === undefined ? {} : { services: window.services }),
            ...(window.reason === undefined ? {} : { reason: window.reason }),
          },
          CALENDAR_BLACKOUT_FIELD_ORDER,
        ),
      ),
    },
  };
});
