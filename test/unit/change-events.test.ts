import { afterEach, describe, expect, it, vi } from 'vitest';
import { AREAS } from '../../functions/areas.ts';
import { applyChangePatch, type Change, fieldDiffs, moveChangeTo, openChange, recordImplementation } from '../../functions/changes/domain/change.ts';
import {
  type ApprovalReference,
  CHANGE_EVENT_TYPES,
  type ChangeEventType,
  changeOutboxRecord,
  changeOwners,
  changeRecordEventType,
} from '../../functions/changes/domain/events.ts';
import { changeOutboxPut } from '../../functions/changes/store/change-outbox.ts';
import { domainEventDetailOf, notificationMessageOf } from '../../functions/notify/schemas/events.ts';
import { outboxSubject } from '../../functions/shared/domain/outbox.ts';
import { publishedEventDetails } from '../../scripts/openapi/event-schemas.ts';

// The catalogue-wide schemas (docs/schemas/domain-event-detail and notification-message), built as
// the OpenAPI build does: from every registered area's published event details.
const publishedEvents = await publishedEventDetails(AREAS);
const domainEventDetail = domainEventDetailOf(publishedEvents);
const notificationMessage = notificationMessageOf(publishedEvents);

const T0 = new Date('2026-03-01T08:00:00.000Z');
const alice = { userId: 'alice' };
const ctx = { actor: alice, now: T0 };
const EVENT_ID = '01JDX3M5Q8W4T0S7Y2V9K6H1ZC';
const SECRET_PLAN = 'Upgrade the core switch firmware';

function fresh(overrides: Partial<Change> = {}): Change {
  const change = openChange(
    {
      type: 'normal',
      title: 'Core switch firmware upgrade',
      description: 'Long story',
      services: ['network', 'payments'],
      plannedStart: '2026-03-10T22:00:00.000Z',
      plannedEnd: '2026-03-11T02:00:00.000Z',
      implementationPlan: SECRET_PLAN,
      backoutPlan: 'Boot the previous image',
      assignmentGroup: 'network-ops',
    },
    { id: '01J00000000000000000000000', sequence: 1, actor: alice, now: T0 },
  );
  return { ...change, ...overrides };
}

const cab: ApprovalReference = { round: 1, board: 'cab', quorum: 2, approvals: 1, rejections: 0 };

/** What each event type needs besides the change: the approval it is about, the note it names. */
function extras(type: ChangeEventType): { approval?: ApprovalReference; note?: { id: string; visibility: 'work'; author: string } } {
  switch (type) {
    case 'Change Vote Recorded':
      return { approval: { ...cab, vote: { by: 'bob', decision: 'approve' } } };
    case 'Change Approval Requested':
      return { approval: { ...cab, approvals: 0 } };
    case 'Change Approval Reminder':
    case 'Change Approval Escalated':
      return { approval: cab };
    case 'Change Expired':
      return { approval: { ...cab, decision: 'expired' } };
    case 'Change Scheduled':
      return { approval: { ...cab, approvals: 2, decision: 'approved' } };
    case 'Change Rejected':
      return { approval: { ...cab, approvals: 0, rejections: 1, decision: 'rejected' } };
    case 'Change Note Added':
      return { note: { id: '01JNOTE0000000000000000000', visibility: 'work', author: 'bob' } };
    default:
      return {};
  }
}

function record(type: ChangeEventType, change = fresh({ risk: { level: 'high', score: 7, reasons: ['service payments is critical (+3)'] } })) {
  return changeOutboxRecord({
    eventId: EVENT_ID,
    type,
    change,
    actor: 'alice',
    occurredAt: T0.toISOString(),
    recipients: changeOwners(change),
    ...(type === 'Change Updated' ? { changes: [{ field: 'title', from: 'Old', to: change.title }] } : {}),
    ...extras(type),
  });
}

describe('change outbox records', () => {
  it.each(CHANGE_EVENT_TYPES)('%s: an event detail and a notification that match the published schemas', (type) => {
    const built = record(type);
    expect(outboxSubject({ ...built })?.kind).toBe('change');
    expect(domainEventDetail.safeParse(built.detail).error).toBeUndefined();
    const message = { text: built.notification.text, recipients: built.notification.recipients, ...built.detail };
    expect(notificationMessage.safeParse(message).error).toBeUndefined();
    expect(built.detail.type).toBe(type);
    expect(built.notification.topic).toBe('notifications');
    expect(built.notification.attributes).toEqual({ eventType: type, priority: '-', assignmentGroup: 'network-ops', service: 'network' });
    expect(built.notification.subject).toMatch(/^[\x20-\x7e]{1,100}$/);
    expect(built.notification.subject).toContain(type);
    expect(built.notification.text).toContain('CHG0001001');
    expect(built.notification.text).not.toMatch(/undefined|null|\[object/);
    // The plans and the description stay on the change: the event links to it, it does not copy it.
    expect(JSON.stringify(built)).not.toContain(SECRET_PLAN);
    expect(JSON.stringify(built)).not.toContain('Long story');
  });

  it('summarize the change: what routes and plans, not the whole record', () => {
    const built = record('Change Submitted');
    expect(built.changeId).toBe('01J00000000000000000000000');
    expect(built.detail).toEqual({
      schemaVersion: 2,
      eventId: EVENT_ID,
      type: 'Change Submitted',
      occurredAt: T0.toISOString(),
      actor: 'alice',
      change: {
        id: '01J00000000000000000000000',
        number: 'CHG0001001',
        type: 'normal',
        status: 'draft',
        riskLevel: 'high',
        services: ['network', 'payments'],
        assignmentGroup: 'network-ops',
        plannedStart: '2026-03-10T22:00:00.000Z',
        plannedEnd: '2026-03-11T02:00:00.000Z',
        version: 1,
      },
    });
    // Before the assessment there is no risk level, and without a group or services the attributes say '-'.
    const bare = fresh({ services: [] });
    delete bare.assignmentGroup;
    const created = record('Change Created', bare);
    expect(created.detail.change).not.toHaveProperty('riskLevel');
    expect(created.detail.change).not.toHaveProperty('assignmentGroup');
    expect(created.notification.attributes).toEqual({ eventType: 'Change Created', priority: '-', assignmentGroup: '-', service: '-' });
    expect(created.notification.recipients).toEqual({ users: [], groups: [] });
    expect(created.notification.subject).toBe('[normal] Change Created: CHG0001001');
  });

  it('read as one line each, naming the approval round, the board and the tally', () => {
    const texts = Object.fromEntries(CHANGE_EVENT_TYPES.map((type) => [type, record(type).notification.text]));
    expect(texts).toEqual({
      'Change Created': 'New normal change CHG0001001, planned 2026-03-10 22:00 UTC to 2026-03-11 02:00 UTC',
      'Change Updated': 'Updated: CHG0001001: title',
      'Change Submitted': 'Submitted for assessment: normal change CHG0001001 (high risk), planned 2026-03-10 22:00 UTC to 2026-03-11 02:00 UTC',
      'Change Approval Requested':
        'Approval requested from cab (round 1, 2 approvals needed): CHG0001001, planned 2026-03-10 22:00 UTC to 2026-03-11 02:00 UTC',
      'Change Approval Reminder':
        'Reminder: cab has not decided on CHG0001001 (round 1: 1 of 2 approvals, 0 rejections), planned 2026-03-10 22:00 UTC to 2026-03-11 02:00 UTC',
      'Change Approval Escalated': 'Approval overdue: cab has not decided on CHG0001001 after the reminders (round 1: 1 of 2 approvals, 0 rejections)',
      'Change Vote Recorded': 'bob voted to approve CHG0001001 for cab (round 1: 1 of 2 approvals, 0 rejections)',
      'Change Scheduled': 'Approved by cab and scheduled: CHG0001001, planned 2026-03-10 22:00 UTC to 2026-03-11 02:00 UTC',
      'Change Rejected': 'Rejected by cab (round 1: 0 of 2 approvals, 1 rejection): CHG0001001',
      'Change Expired': 'Approval expired: cab did not decide on CHG0001001 in time (round 1: 1 of 2 approvals, 0 rejections)',
      'Change Start Blocked':
        'Start held by a freeze: CHG0001001, planned 2026-03-10 22:00 UTC to 2026-03-11 02:00 UTC, stays scheduled until the freeze is lifted or an admin overrides',
      'Change Start Overridden': 'Start allowed by an admin despite the freeze: CHG0001001',
      'Change Implementation Started': 'Implementation started: CHG0001001, planned to end 2026-03-11 02:00 UTC',
      'Change Implemented': 'Implemented: CHG0001001',
      'Change Closed': 'Closed: CHG0001001',
      'Change Canceled': 'Canceled: CHG0001001',
      'Change Note Added': 'Work note by bob on CHG0001001',
    });
  });

  it('name the freezes holding a start and the admin who let it go ahead, never the reason', () => {
    const held = fresh({
      status: 'scheduled',
      startBlocked: {
        at: T0.toISOString(),
        blackouts: [{ kind: 'blackout', name: 'year-end-freeze', window: { start: '2026-03-10T00:00:00.000Z', end: '2026-03-12T00:00:00.000Z' } }],
      },
    });
    expect(record('Change Start Blocked', held).notification.text).toBe(
      'Start held by year-end-freeze: CHG0001001, planned 2026-03-10 22:00 UTC to 2026-03-11 02:00 UTC, stays scheduled until the freeze is lifted or an admin overrides',
    );
    const overridden = { ...held, startOverride: { by: 'ada', at: T0.toISOString(), reason: 'SECRET legal deadline' } };
    const published = changeOutboxRecord({
      eventId: EVENT_ID,
      type: 'Change Start Overridden',
      change: overridden,
      actor: 'ada',
      occurredAt: T0.toISOString(),
      recipients: changeOwners(overridden),
      changes: [{ field: 'startOverride', from: null, to: overridden.startOverride }],
    });
    expect(published.notification.text).toBe('Start allowed by ada despite the freeze: CHG0001001');
    expect(JSON.stringify(published)).not.toContain('SECRET');
    expect(published.detail.changes).toEqual([{ field: 'startOverride', from: null, to: { by: 'ada', at: T0.toISOString() } }]);
  });

  it('say what the record adds: a same-day window, an outage, the outcome, an unapproved schedule, a rejection by a person', () => {
    const sameDay = fresh({ plannedStart: '2026-03-10T20:00:00.000Z', plannedEnd: '2026-03-10T21:30:00.000Z', outageRequired: true });
    expect(record('Change Created', sameDay).notification.text).toBe('New normal change CHG0001001, planned 2026-03-10 20:00 to 21:30 UTC');
    expect(record('Change Implementation Started', sameDay).notification.text).toMatch(/planned to end 2026-03-10 21:30 UTC \(outage expected\)$/);

    const implemented = recordImplementation({ ...fresh(), status: 'implement' }, { outcome: 'backed_out', notes: 'Firmware crashed the stack' }, ctx).next;
    const text = record('Change Implemented', implemented).notification.text;
    expect(text).toBe('Implemented, backed out: CHG0001001; a review is required');
    expect(text).not.toContain('crashed');

    const standard = fresh({ type: 'standard' });
    const scheduled = changeOutboxRecord({
      eventId: EVENT_ID,
      type: 'Change Scheduled',
      change: standard,
      actor: 'alice',
      occurredAt: T0.toISOString(),
      recipients: changeOwners(standard),
    });
    expect(scheduled.notification.text).toMatch(/^Scheduled: CHG0001001/);
    expect(scheduled.detail).not.toHaveProperty('approval');

    const rejected = fresh({ status: 'rejected', rejection: { by: 'nina', at: T0.toISOString(), comment: 'Not during the sale' } });
    const built = changeOutboxRecord({
      eventId: EVENT_ID,
      type: 'Change Rejected',
      change: rejected,
      actor: 'nina',
      occurredAt: T0.toISOString(),
      recipients: changeOwners(rejected),
    });
    expect(built.notification.text).toBe('Rejected by nina: CHG0001001');
    expect(JSON.stringify(built.notification)).not.toContain('Not during the sale');
  });

  it('name the vote, never its comment', () => {
    const vote = record('Change Vote Recorded');
    expect(vote.detail.approval).toEqual({ round: 1, board: 'cab', quorum: 2, approvals: 1, rejections: 0, vote: { by: 'bob', decision: 'approve' } });
    const rejecting = changeOutboxRecord({
      eventId: EVENT_ID,
      type: 'Change Vote Recorded',
      change: fresh(),
      actor: 'dave',
      occurredAt: T0.toISOString(),
      recipients: changeOwners(fresh()),
      approval: { ...cab, approvals: 1, rejections: 1, vote: { by: 'dave', decision: 'reject' } },
    });
    expect(rejecting.notification.text).toBe('dave voted to reject CHG0001001 for cab (round 1: 1 of 2 approvals, 1 rejection)');
    // The vote that decides the round says so.
    const deciding = changeOutboxRecord({
      eventId: EVENT_ID,
      type: 'Change Vote Recorded',
      change: fresh(),
      actor: 'dave',
      occurredAt: T0.toISOString(),
      recipients: changeOwners(fresh()),
      approval: { ...cab, approvals: 2, decision: 'approved', vote: { by: 'dave', decision: 'approve' } },
    });
    expect(deciding.notification.text).toBe('dave voted to approve CHG0001001 for cab (round 1: 2 of 2 approvals, 0 rejections): approved');
  });

  it('refuse an approval event without its approval, a vote without the voter, a note event without the note', () => {
    const build =
      (type: ChangeEventType, more: object = {}) =>
      () =>
        changeOutboxRecord({
          eventId: EVENT_ID,
          type,
          change: fresh(),
          actor: 'alice',
          occurredAt: T0.toISOString(),
          recipients: changeOwners(fresh()),
          ...more,
        });
    for (const type of [
      'Change Approval Requested',
      'Change Approval Reminder',
      'Change Approval Escalated',
      'Change Vote Recorded',
      'Change Expired',
    ] as const) {
      expect(build(type), type).toThrow(/needs the approval/);
    }
    expect(build('Change Vote Recorded', { approval: cab })).toThrow(/needs the vote/);
    expect(build('Change Note Added')).toThrow(/needs the note/);
    expect(build('Change Rejected')).not.toThrow();
  });

  it('keep subjects within SNS limits (printable ASCII, at most 100 characters) and free of the title', () => {
    const built = record(
      'Change Approval Escalated',
      fresh({ title: `Überlastung — ${'x'.repeat(200)}`, type: 'emergency', risk: { level: 'medium', score: 4, reasons: [] } }),
    );
    expect(built.notification.subject).toBe('[emergency, medium risk] Change Approval Escalated: CHG0001001');
  });

  it('name an ordinary write after the status it reached', () => {
    const draft = fresh();
    expect(changeRecordEventType(undefined, draft)).toBe('Change Created');
    expect(changeRecordEventType(draft, applyChangePatch(draft, { title: 'Switch upgrade' }, ctx).next)).toBe('Change Updated');
    const assess = moveChangeTo(draft, 'assess', ctx).next;
    expect(changeRecordEventType(draft, assess)).toBe('Change Submitted');
    const authorize = moveChangeTo(assess, 'authorize', ctx).next;
    expect(changeRecordEventType(assess, authorize)).toBe('Change Updated');
    const scheduled = moveChangeTo(authorize, 'scheduled', ctx).next;
    expect(changeRecordEventType(authorize, scheduled)).toBe('Change Scheduled');
    expect(changeRecordEventType(authorize, moveChangeTo(authorize, 'rejected', ctx).next)).toBe('Change Rejected');
    const implement = moveChangeTo(scheduled, 'implement', ctx).next;
    expect(changeRecordEventType(scheduled, implement)).toBe('Change Implementation Started');
    const review = recordImplementation(implement, { outcome: 'successful', notes: 'ok' }, ctx).next;
    expect(changeRecordEventType(implement, review)).toBe('Change Implemented');
    expect(changeRecordEventType(review, moveChangeTo(review, 'closed', ctx).next)).toBe('Change Closed');
    expect(changeRecordEventType(scheduled, moveChangeTo(scheduled, 'canceled', ctx).next)).toBe('Change Canceled');
  });
});

describe('outbox items', () => {
  afterEach(() => vi.unstubAllEnvs());

  it("put a change's record in the change's partition, as new, kept as long as an incident's", async () => {
    vi.stubEnv('TABLE_NAME', 'unit-table');
    const built = record('Change Created');
    const now = new Date('2026-03-01T08:00:00.500Z');
    const put = changeOutboxPut(built, now).Put;
    expect(put).toEqual({
      TableName: 'unit-table',
      Item: {
        pk: 'CHANGE#01J00000000000000000000000',
        sk: `OUTBOX#${EVENT_ID}`,
        entity: 'outbox',
        ...built,
        expiresAt: Math.floor(now.getTime() / 1000) + 7 * 24 * 3600,
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    });

    // The store reads the table name at load: import it once the environment has one.
    const { incidentOutboxPut } = await import('../../functions/incidents/store/incident-outbox.ts');
    const incidentRecord = { eventId: 'E1', incidentId: 'I1' } as Parameters<typeof incidentOutboxPut>[0];
    const incidentPut = incidentOutboxPut(incidentRecord, now).Put;
    // An incident's item is as it always was: its own partition, the same shape and retention.
    expect(incidentPut).toEqual({
      TableName: 'unit-table',
      Item: { pk: 'INCIDENT#I1', sk: 'OUTBOX#E1', entity: 'outbox', eventId: 'E1', incidentId: 'I1', expiresAt: put?.Item?.expiresAt },
      ConditionExpression: 'attribute_not_exists(pk)',
    });
    expect(Object.keys(incidentPut?.Item ?? {})).toEqual(['pk', 'sk', 'entity', 'eventId', 'incidentId', 'expiresAt']);
  });
});

describe('free text', () => {
  // Every text field a change carries, typed by its requester, an approver, an implementer or an admin.
  const TEXT = {
    title: 'TITLE-8c1d',
    description: 'DESCRIPTION-8c1d',
    justification: 'JUSTIFICATION-8c1d',
    implementationPlan: 'IMPLEMENTATION-8c1d',
    backoutPlan: 'BACKOUT-8c1d',
    testPlan: 'TEST-8c1d',
    cancelReason: 'CANCEL-8c1d',
    comment: 'REJECTION-8c1d',
    notes: 'IMPLEMENTATION-NOTES-8c1d',
    summary: 'REVIEW-8c1d',
    reason: 'OVERRIDE-8c1d',
    configurationItem: 'CI-8c1d',
  };
  const at = T0.toISOString();
  const full = fresh({
    title: TEXT.title,
    description: TEXT.description,
    justification: TEXT.justification,
    implementationPlan: TEXT.implementationPlan,
    backoutPlan: TEXT.backoutPlan,
    testPlan: TEXT.testPlan,
    cancelReason: TEXT.cancelReason,
    configurationItems: [TEXT.configurationItem],
    rejection: { by: 'nina', at, comment: TEXT.comment },
    implementation: { outcome: 'failed', notes: TEXT.notes, at, by: 'bob' },
    review: { summary: TEXT.summary, at, by: 'carl' },
    blackoutOverride: { by: 'ada', at, reason: TEXT.reason },
    risk: { level: 'high', score: 7, reasons: ['service payments is critical (+3)'] },
    version: 2,
  });
  const blank = fresh({ version: 1 });
  for (const field of ['description', 'implementationPlan', 'backoutPlan'] as const) delete blank[field];
  const changes = fieldDiffs(blank, full);

  it.each(CHANGE_EVENT_TYPES)('%s: never carries free text, whatever the write changed', (type) => {
    const built = changeOutboxRecord({
      eventId: EVENT_ID,
      type,
      change: full,
      actor: 'alice',
      occurredAt: at,
      recipients: changeOwners(full),
      changes,
      ...extras(type),
    });
    const published = JSON.stringify(built);
    for (const text of Object.values(TEXT)) expect(published).not.toContain(text);
    expect(built.detail.change).not.toHaveProperty('title');
    expect(domainEventDetail.safeParse(built.detail).error).toBeUndefined();
  });

  it('names free-text fields alone and keeps what routes and decides, from the records too', () => {
    const built = changeOutboxRecord({
      eventId: EVENT_ID,
      type: 'Change Updated',
      change: full,
      actor: 'alice',
      occurredAt: at,
      recipients: changeOwners(full),
      changes,
    });
    const byField = Object.fromEntries((built.detail.changes ?? []).map((c) => [c.field, c]));
    for (const field of ['title', 'description', 'justification', 'implementationPlan', 'backoutPlan', 'testPlan', 'cancelReason', 'configurationItems']) {
      expect(byField[field]).toEqual({ field });
    }
    expect(byField.rejection).toEqual({ field: 'rejection', from: null, to: { by: 'nina', at } });
    expect(byField.implementation).toEqual({ field: 'implementation', from: null, to: { outcome: 'failed', at, by: 'bob' } });
    expect(byField.review).toEqual({ field: 'review', from: null, to: { at, by: 'carl' } });
    expect(byField.blackoutOverride).toEqual({ field: 'blackoutOverride', from: null, to: { by: 'ada', at } });
    expect(byField.risk).toEqual({ field: 'risk', from: null, to: { level: 'high', score: 7 } });
    expect(built.notification.subject).toBe('[normal, high risk] Change Updated: CHG0001001');
  });
});
