import type * as z from 'zod';
import { conflict, type FieldError, fieldError, forbidden, notFound, preconditionFailed, preconditionRequired, validationFailed } from '../../shared/errors.ts';
import { type ApiRequest, type ApiResult, byRoute, etagOf, httpHandler } from '../../shared/http/handler.ts';
import { diffFields } from '../../shared/store/audit.ts';
import { TransactionRefused, transactWrite } from '../../shared/store/db.ts';
import { claimIdempotencyKey, commitIdempotently } from '../../shared/store/idempotency.ts';
import { validateCalendar } from '../domain/calendar.ts';
import { durationUsesDays } from '../domain/duration.ts';
import { type Calendar, CLOCK_NAMES } from '../domain/types.ts';
import { calendarSchema, configListQuery, createCalendarBody, replaceCalendarBody } from '../schemas/calendar.ts';
import {
  type CalendarRecord,
  canonicalCalendar,
  configChangeItems,
  getConfigRecord,
  listConfigRecords,
  readSlaConfig,
  type SlaConfigSnapshot,
  withRevisionRetry,
} from '../store/config-store.ts';

/*
 * /calendars: when SLA clocks count. Agents read (they see why a clock is paused at night);
 * admins write. A calendar in use by a policy cannot be deleted, and cannot get working hours
 * while a policy counting in it has targets in days.
 */

type CalendarFields = z.output<typeof replaceCalendarBody>;
const FIELDS = Object.keys(calendarSchema.shape).filter((f) => !['name', 'createdAt', 'updatedAt', 'version'].includes(f));
/** Records are plain JSON: compared field by field for their history. */
const diff = (before: object, after: object) => diffFields(before as Record<string, unknown>, after as Record<string, unknown>, FIELDS);

const requireAgent = (request: ApiRequest) => {
  if (!request.principal.isAgent) throw forbidden('Only agents and admins can read SLA configuration');
};
const requireAdmin = (request: ApiRequest) => {
  if (!request.principal.isAdmin) throw forbidden('Only admins can change SLA configuration');
};

const present = (record: CalendarRecord, status = 200): ApiResult => ({
  status,
  body: record,
  headers: { etag: etagOf(record.version), location: `/calendars/${encodeURIComponent(record.name)}` },
});

/** The shape checks zod cannot make, with paths into the body. */
function checkCalendar(calendar: Calendar): void {
  const problems = validateCalendar(calendar);
  if (problems.length > 0) throw validationFailed(problems.map((p) => fieldError('body', p.path, p.message)));
}

/** Working hours make days ambiguous: refuse them while a policy counting here is written in days. */
function checkPoliciesStillValid(calendar: Calendar, snapshot: SlaConfigSnapshot): void {
  if (calendar.workingHours === undefined) return;
  const errors: FieldError[] = [];
  for (const policy of snapshot.policies) {
    if (policy.calendar !== calendar.name) continue;
    for (const clock of CLOCK_NAMES) {
      const target = policy.targets[clock];
      if (target !== undefined && durationUsesDays(target)) {
        errors.push(
          fieldError(
            'body',
            ['workingHours'],
            `SLA policy '${policy.name}' counts in this calendar with a ${clock} target in days (${target}); days are ambiguous in business time, so change that target to hours first (PT24H is three 8-hour days)`,
          ),
        );
      }
    }
  }
  if (errors.length > 0) throw validationFailed(errors);
}

/** A refused write of the record itself: it was changed (412) or deleted (404) after our read. */
function lostRecord(error: unknown, name: string): never {
  const refused = error instanceof TransactionRefused ? error.failedAt(0) : undefined;
  if (refused === undefined) throw error;
  if (refused.item === undefined) throw notFound(`Calendar ${name}`);
  throw preconditionFailed(etagOf(Number(refused.item.version)));
}

async function create(request: ApiRequest): Promise<ApiResult> {
  requireAdmin(request);
  const body = request.body(createCalendarBody);
  const claim = claimIdempotencyKey(request, body);
  const calendar = canonicalCalendar(body);
  checkCalendar(calendar);
  return withRevisionRetry(async () => {
    const snapshot = await readSlaConfig();
    const at = new Date().toISOString();
    const record: CalendarRecord = { ...calendar, createdAt: at, updatedAt: at, version: 1 };
    const items = configChangeItems(
      { kind: 'calendar', name: calendar.name, action: 'created', record, changes: diff({}, record), actor: request.principal.userId, at },
      snapshot.revision,
    );
    try {
      return await commitIdempotently(items, claim, present(record, 201));
    } catch (error) {
      if (error instanceof TransactionRefused && error.failedAt(0) !== undefined) {
        throw conflict('already-exists', 'Already exists', `Calendar '${calendar.name}' already exists`);
      }
      throw error;
    }
  });
}

async function replace(request: ApiRequest): Promise<ApiResult> {
  requireAdmin(request);
  const name = request.pathParam('name');
  const expected = request.expectedVersion();
  const fields: CalendarFields = request.body(replaceCalendarBody);
  const calendar = canonicalCalendar({ name, ...fields });
  return withRevisionRetry(async () => {
    const snapshot = await readSlaConfig();
    const current = snapshot.calendars.find((c) => c.name === name);
    if (current === undefined) throw notFound(`Calendar ${name}`);
    if (current.version !== expected) throw preconditionFailed(etagOf(current.version));
    const changes = diff(current, calendar);
    if (changes.length === 0) return present(current);
    checkCalendar(calendar);
    checkPoliciesStillValid(calendar, snapshot);
    const at = new Date().toISOString();
    const record: CalendarRecord = { ...calendar, createdAt: current.createdAt, updatedAt: at, version: current.version + 1 };
    const items = configChangeItems(
      { kind: 'calendar', name, action: 'updated', record, expectedVersion: expected, changes, actor: request.principal.userId, at },
      snapshot.revision,
    );
    try {
      await transactWrite(items);
    } catch (error) {
      lostRecord(error, name);
    }
    return present(record);
  });
}

async function remove(request: ApiRequest): Promise<ApiResult> {
  requireAdmin(request);
  const name = request.pathParam('name');
  if (request.header('if-match') === undefined) throw preconditionRequired();
  const expected = request.expectedVersion();
  return withRevisionRetry(async () => {
    const snapshot = await readSlaConfig();
    const current = snapshot.calendars.find((c) => c.name === name);
    if (current === undefined) throw notFound(`Calendar ${name}`);
    if (current.version !== expected) throw preconditionFailed(etagOf(current.version));
    const users = snapshot.policies.filter((p) => p.calendar === name).map((p) => p.name);
    if (users.length > 0) {
      throw conflict(
        'calendar-in-use',
        'Calendar in use',
        `SLA ${users.length === 1 ? 'policy' : 'policies'} ${users.map((p) => `'${p}'`).join(', ')} count${users.length === 1 ? 's' : ''} in calendar '${name}'; give ${users.length === 1 ? 'it' : 'them'} another calendar first`,
        { policies: users },
      );
    }
    const at = new Date().toISOString();
    const items = configChangeItems(
      { kind: 'calendar', name, action: 'deleted', expectedVersion: expected, changes: [], actor: request.principal.userId, at },
      snapshot.revision,
    );
    try {
      await transactWrite(items);
    } catch (error) {
      lostRecord(error, name);
    }
    return { status: 204 };
  });
}

export const handler = httpHandler(
  byRoute({
    'GET /calendars': async (request) => {
      requireAgent(request);
      const { limit, cursor } = request.query(configListQuery);
      return { status: 200, body: await listConfigRecords('calendar', limit, cursor) };
    },
    'GET /calendars/{name}': async (request) => {
      requireAgent(request);
      const name = request.pathParam('name');
      const record = await getConfigRecord('calendar', name);
      if (record === undefined) throw notFound(`Calendar ${name}`);
      return present(record);
    },
    'POST /calendars': create,
    'PUT /calendars/{name}': replace,
    'DELETE /calendars/{name}': remove,
  }),
);
