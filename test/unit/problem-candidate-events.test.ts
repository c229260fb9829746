import { describe, expect, it } from 'vitest';
import { AREAS } from '../../functions/areas.ts';
import { domainEventDetailOf, notificationMessageOf } from '../../functions/notify/schemas/events.ts';
import {
  acceptCandidate,
  CANDIDATE_ACCEPTED,
  CANDIDATE_DISMISSED,
  CANDIDATE_EVENT_TYPES,
  CandidateNotOpen,
  candidateOutboxRecord,
  dismissCandidate,
  type ProblemCandidate,
  problemFromCandidate,
} from '../../functions/problems/domain/candidate.ts';
import { candidateEventDetail } from '../../functions/problems/schemas/recurrence.ts';
import { PUBLISHED_EVENT_TYPES } from '../../functions/routes.ts';
import { publishedEventDetails } from '../../scripts/openapi/event-schemas.ts';

// The catalogue-wide schemas, built as the OpenAPI build does: from every registered area's published event details.
const publishedEvents = await publishedEventDetails(AREAS);
const domainEventDetail = domainEventDetailOf(publishedEvents);
const notificationMessage = notificationMessageOf(publishedEvents);

const candidate: ProblemCandidate = {
  id: 'CANDIDATE1',
  number: 'PRC0001001',
  status: 'open',
  key: { kind: 'service_category', service: 'payments', category: 'SECRET category' },
  rule: { threshold: 3, windowDays: 7 },
  windowStart: '2026-03-01T08:00:00.000Z',
  windowEnd: '2026-03-08T08:00:00.000Z',
  incidents: [1, 2, 3].map((n) => ({ id: `I${n}`, number: `INC000100${n}`, createdAt: `2026-03-0${n}T08:00:00.000Z` })),
  assignmentGroup: 'database',
  createdAt: '2026-03-03T08:00:00.000Z',
  updatedAt: '2026-03-03T08:00:00.000Z',
  version: 1,
};
const problem = { id: 'PROBLEM1', number: 'PRB0001001' };
const AT = '2026-03-04T09:00:00.000Z';

/** The record validates against the candidate detail schema and the catalogue-wide ones, and carries no free text. */
function expectPublishable(record: ReturnType<typeof candidateOutboxRecord>): void {
  expect(candidateEventDetail.safeParse(record.detail).error).toBeUndefined();
  expect(domainEventDetail.safeParse(record.detail).error).toBeUndefined();
  expect(notificationMessage.safeParse({ ...record.detail, text: record.notification.text, recipients: record.notification.recipients }).error).toBeUndefined();
  expect(JSON.stringify(record)).not.toContain('SECRET');
}

describe('a candidate accepted or dismissed', () => {
  it('accepted: acceptance names the problem, who and when; its event names the problem to the owner group', () => {
    const accepted = acceptCandidate(candidate, problem, 'alice', AT);
    expect(accepted).toMatchObject({ status: 'accepted', acceptance: { problem, by: 'alice', at: AT }, updatedAt: AT, version: 2 });
    expect(accepted).not.toHaveProperty('acceptedBy');
    const record = candidateOutboxRecord(CANDIDATE_ACCEPTED, accepted, 'E1', 'alice');
    expect(record.candidateId).toBe(candidate.id);
    expect(record.detail).toMatchObject({ type: CANDIDATE_ACCEPTED, actor: 'alice', occurredAt: AT, candidate: { status: 'accepted', problem, version: 2 } });
    expect(record.notification.recipients).toEqual({ users: [], groups: ['database'] });
    expect(record.notification.text).toContain(problem.number);
    expectPublishable(record);
  });

  it('dismissed: the event carries no reason (free text)', () => {
    const dismissed = dismissCandidate(candidate, 'SECRET reason', 'alice', AT);
    expect(dismissed.dismissal).toEqual({ reason: 'SECRET reason', by: 'alice', at: AT });
    const record = candidateOutboxRecord(CANDIDATE_DISMISSED, dismissed, 'E2', 'alice');
    expect(record.detail).toMatchObject({ type: CANDIDATE_DISMISSED, candidate: { status: 'dismissed' } });
    expect(record.detail.candidate).not.toHaveProperty('problem');
    expectPublishable(record);
  });

  it('only an open candidate is accepted or dismissed; an accepted event needs the problem', () => {
    const accepted = acceptCandidate(candidate, problem, 'alice', AT);
    expect(() => acceptCandidate(accepted, problem, 'bob', AT)).toThrow(CandidateNotOpen);
    expect(() => dismissCandidate(accepted, 'late', 'bob', AT)).toThrow(CandidateNotOpen);
    expect(() => candidateOutboxRecord(CANDIDATE_ACCEPTED, candidate, 'E3', 'alice')).toThrow(/needs the problem/);
  });

  it('the problem opened from it records the candidate; the events are published by the area', () => {
    expect(problemFromCandidate(candidate)).toMatchObject({
      service: 'payments',
      category: 'SECRET category',
      candidate: { id: candidate.id, number: candidate.number },
    });
    for (const type of CANDIDATE_EVENT_TYPES) expect(PUBLISHED_EVENT_TYPES).toContain(type);
  });
});
