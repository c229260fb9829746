import { describe, expect, it } from 'vitest';
import { AREAS } from '../../functions/areas.ts';
import { DEFAULT_PRIORITY_MATRIX } from '../../functions/incidents/domain/priority.ts';
import { domainEventDetailOf, notificationMessageOf } from '../../functions/notify/schemas/events.ts';
import { ProblemRuleError } from '../../functions/problems/domain/errors.ts';
import { PROBLEM_EVENT_TYPES, problemOutboxRecord, problemRecordEventType } from '../../functions/problems/domain/events.ts';
import { PROBLEM_STATUSES, PROBLEM_TRANSITIONS, type ProblemStatus } from '../../functions/problems/domain/lifecycle.ts';
import { applyProblemPatch, openProblem, type Problem, type ProblemPatch } from '../../functions/problems/domain/problem.ts';
import { problemEventDetail } from '../../functions/problems/schemas/events.ts';
import { publishedEventDetails } from '../../scripts/openapi/event-schemas.ts';

// The catalogue-wide schemas (docs/schemas/domain-event-detail and notification-message), built as
// the OpenAPI build does: from every registered area's published event details.
const publishedEvents = await publishedEventDetails(AREAS);
const domainEventDetail = domainEventDetailOf(publishedEvents);
const notificationMessage = notificationMessageOf(publishedEvents);

const T0 = new Date('2026-03-01T08:00:00.000Z');
const T1 = new Date('2026-03-02T08:00:00.000Z');
const alice = { userId: 'alice' };

const fresh = (overrides: Partial<Problem> = {}): Problem => ({
  ...openProblem(
    { title: 'VPN drops every night', service: 'vpn', impact: 1, urgency: 2, assignmentGroup: 'network' },
    { id: '01J00000000000000000000000', sequence: 1, actor: alice, now: T0, matrix: DEFAULT_PRIORITY_MATRIX },
  ),
  ...overrides,
});

const patch = (problem: Problem, body: ProblemPatch) =>
  applyProblemPatch(problem, body, { actor: { userId: 'bob' }, now: T1, matrix: DEFAULT_PRIORITY_MATRIX });

function refusal(run: () => unknown): ProblemRuleError {
  try {
    run();
  } catch (error) {
    if (error instanceof ProblemRuleError) return error;
    throw error;
  }
  throw new Error('expected a ProblemRuleError');
}

/** What each move needs besides the status. */
const needs = (to: ProblemStatus): ProblemPatch =>
  to === 'resolved' ? { resolution: { code: 'risk_accepted' } } : to === 'closed' ? { review: { summary: 'Monitoring added' } } : {};

describe('openProblem', () => {
  it('opens new, version 1, PRB number, priority from the matrix, not a known error', () => {
    const problem = fresh();
    expect(problem).toMatchObject({
      number: 'PRB0001001',
      status: 'new',
      priority: 'P2',
      version: 1,
      knownError: false,
      linkedIncidentCount: 0,
      resolveLinkedIncidents: false,
    });
    expect(problem.rootCauseAt).toBeUndefined();
  });
});

describe('the lifecycle', () => {
  const moves = PROBLEM_STATUSES.flatMap((from) => PROBLEM_STATUSES.filter((to) => to !== from).map((to) => [from, to] as const));

  it.each(moves)('%s -> %s is allowed exactly when the transition table says so', (from, to) => {
    const problem = fresh({ status: from, ...(from === 'resolved' ? { resolution: { code: 'risk_accepted', at: T0.toISOString(), by: 'alice' } } : {}) });
    const allowed = PROBLEM_TRANSITIONS[from].includes(to);
    if (allowed) {
      const { next } = patch(problem, { status: to, ...needs(to) });
      expect(next.status).toBe(to);
      expect(next.version).toBe(2);
    } else {
      const error = refusal(() => patch(problem, { status: to, ...needs(to) }));
      expect(error.code).toBe('INVALID_TRANSITION');
      expect(error.details.allowedTransitions).toEqual(PROBLEM_TRANSITIONS[from]);
    }
  });

  it('the happy path runs new -> assess -> root_cause_analysis -> fix_in_progress -> resolved -> closed', () => {
    let problem = fresh();
    for (const status of ['assess', 'root_cause_analysis', 'fix_in_progress'] as const) problem = patch(problem, { status }).next;
    problem = patch(problem, {
      fix: { text: 'Raise the tunnel keepalive' },
      status: 'resolved',
      resolution: { code: 'fix_applied', notes: 'No drop for a week' },
    }).next;
    expect(problem.resolution).toEqual({ code: 'fix_applied', notes: 'No drop for a week', at: T1.toISOString(), by: 'bob' });
    expect(problem.resolvedAt).toBe(T1.toISOString());
    problem = patch(problem, { status: 'closed', review: { summary: 'Keepalive now monitored' } }).next;
    expect(problem.review).toEqual({ summary: 'Keepalive now monitored', at: T1.toISOString(), by: 'bob' });
    expect(problem.closedAt).toBe(T1.toISOString());
    // Closing keeps the resolution: a closed problem says how it was resolved (only a reopen drops it).
    expect(problem.resolution?.code).toBe('fix_applied');
    expect(problem.resolvedAt).toBe(T1.toISOString());
    expect(refusal(() => patch(problem, { title: 'again' })).code).toBe('INVALID_TRANSITION');
  });

  it('resolving needs a resolution code; fix_applied needs a fix; the code is refused without resolving', () => {
    const rca = fresh({ status: 'root_cause_analysis' });
    expect(refusal(() => patch(rca, { status: 'resolved' }))).toMatchObject({ code: 'FIELD_REQUIRED', field: 'resolution' });
    expect(refusal(() => patch(rca, { status: 'resolved', resolution: { code: 'fix_applied' } }))).toMatchObject({ code: 'FIELD_REQUIRED', field: 'fix' });
    expect(refusal(() => patch(rca, { resolution: { code: 'duplicate' } }))).toMatchObject({ code: 'FIELD_NOT_ALLOWED', field: 'resolution' });
    expect(patch(rca, { status: 'resolved', resolution: { code: 'duplicate' } }).next.resolution?.code).toBe('duplicate');
  });

  it('closing needs a review, and a review is only taken when closing', () => {
    const resolved = patch(fresh({ status: 'assess' }), { status: 'resolved', resolution: { code: 'risk_accepted' } }).next;
    expect(refusal(() => patch(resolved, { status: 'closed' }))).toMatchObject({ code: 'FIELD_REQUIRED', field: 'review' });
    expect(refusal(() => patch(resolved, { review: { summary: 'early' } }))).toMatchObject({ code: 'FIELD_NOT_ALLOWED', field: 'review' });
  });

  it('reopening a resolved problem drops its resolution', () => {
    const resolved = patch(fresh({ status: 'assess' }), { status: 'resolved', resolution: { code: 'risk_accepted' } }).next;
    const reopened = patch(resolved, { status: 'root_cause_analysis' }).next;
    expect(reopened.resolution).toBeUndefined();
    expect(reopened.resolvedAt).toBeUndefined();
  });

  it('an empty patch is refused; a restating one changes nothing', () => {
    expect(refusal(() => patch(fresh(), {})).code).toBe('NOTHING_TO_CHANGE');
    const problem = fresh();
    expect(patch(problem, { title: problem.title })).toEqual({ next: problem, changes: [] });
  });
});

describe('priority, root cause, fix and known errors', () => {
  it('impact and urgency re-rank through the matrix', () => {
    const { next, changes } = patch(fresh(), { impact: 3, urgency: 3 });
    expect(next.priority).toBe('P4');
    expect(changes.map((c) => c.field)).toEqual(['impact', 'urgency', 'priority']);
  });

  it('the first root cause stamps rootCauseAt, a later edit keeps it', () => {
    const first = patch(fresh(), { rootCause: 'Keepalive too long' }).next;
    expect(first.rootCauseAt).toBe(T1.toISOString());
    const second = applyProblemPatch(first, { rootCause: 'Keepalive far too long' }, { actor: alice, now: new Date('2026-03-05T00:00:00Z') }).next;
    expect(second.rootCauseAt).toBe(T1.toISOString());
  });

  it('fix merges member by member; null clears one member or the whole fix', () => {
    const change = { id: '01JCHANGE0000000000000000A', number: 'CHG0001001' };
    const withText = patch(fresh(), { fix: { text: 'Shorter keepalive' } }).next;
    const withChange = patch(withText, { fix: { change } }).next;
    expect(withChange.fix).toEqual({ text: 'Shorter keepalive', change });
    expect(patch(withChange, { fix: { text: null } }).next.fix).toEqual({ change });
    expect(patch(withChange, { fix: null }).next.fix).toBeUndefined();
  });

  it('publishing a known error needs a root cause or a workaround, stamps the time, and withdrawing clears it', () => {
    expect(refusal(() => patch(fresh(), { knownError: true }))).toMatchObject({ code: 'FIELD_REQUIRED', field: 'knownError' });
    const published = patch(fresh(), { workaround: 'Reconnect', knownError: true }).next;
    expect(published).toMatchObject({ knownError: true, knownErrorPublishedAt: T1.toISOString() });
    expect(refusal(() => patch(published, { workaround: null }))).toMatchObject({ code: 'FIELD_REQUIRED', field: 'workaround' });
    const withdrawn = patch(published, { knownError: false }).next;
    expect(withdrawn.knownError).toBe(false);
    expect(withdrawn.knownErrorPublishedAt).toBeUndefined();
  });
});

describe('events', () => {
  it('a write is announced by the status it reaches, else a known error published, else an update', () => {
    const problem = fresh();
    expect(problemRecordEventType(undefined, problem)).toBe('Problem Opened');
    expect(problemRecordEventType(problem, patch(problem, { title: 'x' }).next)).toBe('Problem Updated');
    expect(problemRecordEventType(problem, patch(problem, { rootCause: 'x', knownError: true }).next)).toBe('Problem Known Error Published');
    expect(problemRecordEventType(problem, patch(problem, { status: 'canceled' }).next)).toBe('Problem Canceled');
    const assess = fresh({ status: 'assess' });
    expect(problemRecordEventType(assess, patch(assess, { status: 'resolved', resolution: { code: 'duplicate' } }).next)).toBe('Problem Resolved');
  });

  it('records carry no free text and match the published schema', () => {
    const before = fresh();
    const { next, changes } = patch(before, { rootCause: 'SECRET root cause', workaround: 'SECRET workaround', knownError: true, description: 'SECRET text' });
    const record = problemOutboxRecord({
      eventId: '01JDX3M5Q8W4T0S7Y2V9K6H1ZC',
      type: problemRecordEventType(before, next),
      problem: next,
      actor: 'bob',
      occurredAt: T1.toISOString(),
      recipients: { users: [], groups: ['network'] },
      changes,
    });
    expect(JSON.stringify(record)).not.toContain('SECRET');
    expect(record.problemId).toBe(next.id);
    expect(record.detail.problem).toMatchObject({ id: next.id, number: next.number, status: 'new', knownError: true, version: 2 });
    expect(record.detail.changes).toContainEqual({ field: 'knownError', from: false, to: true });
    expect(record.detail.changes).toContainEqual({ field: 'rootCause' });
    expect(problemEventDetail.safeParse(record.detail).success).toBe(true);
    // The catalogue-wide schemas (docs/schemas/domain-event-detail, notification-message) know problem events too.
    expect(domainEventDetail.safeParse(record.detail).error).toBeUndefined();
    expect(
      notificationMessage.safeParse({ ...record.detail, text: record.notification.text, recipients: record.notification.recipients }).error,
    ).toBeUndefined();
    expect(PROBLEM_EVENT_TYPES).toContain(record.detail.type);
  });
});
