import { describe, expect, it } from 'vitest';
import { AREAS } from '../../functions/areas.ts';
import { INCIDENT_EVENT_TYPES, incidentOutboxRecord, incidentOwners, incidentRecordEventType } from '../../functions/incidents/domain/events.ts';
import { applyIncidentPatch, diffIncidents, type Incident, openIncident } from '../../functions/incidents/domain/incident.ts';
import { DEFAULT_PRIORITY_MATRIX } from '../../functions/incidents/domain/priority.ts';
import { domainEventDetailOf, notificationMessageOf } from '../../functions/notify/schemas/events.ts';
import { evolveSla, slaTimers } from '../../functions/sla/domain/incident-sla.ts';
import { timerChanges, timerName } from '../../functions/sla/domain/timers.ts';
import type { SlaConfig } from '../../functions/sla/domain/types.ts';
import { publishedEventDetails } from '../../scripts/openapi/event-schemas.ts';

// The catalogue-wide schemas (docs/schemas/domain-event-detail and notification-message), built as
// the OpenAPI build does: from every registered area's published event details.
const publishedEvents = await publishedEventDetails(AREAS);
const domainEventDetail = domainEventDetailOf(publishedEvents);
const notificationMessage = notificationMessageOf(publishedEvents);

const config: SlaConfig = {
  calendars: [{ name: '24x7', timeZone: 'UTC' }],
  policies: [
    {
      name: 'p2',
      appliesTo: { priority: ['P2'] },
      targets: { response: 'PT30M', resolution: 'PT8H' },
      calendar: '24x7',
      pauseOn: ['on_hold'],
      warnings: [50, 75],
    },
  ],
};
const t0 = new Date('2026-11-23T10:00:00.000Z');
const actor = { userId: 'alice' };

function opened(overrides: Partial<Incident> = {}): Incident {
  const incident = openIncident(
    { title: 'Mail down', impact: 1, urgency: 2, assignmentGroup: 'service-desk', ...overrides },
    { id: '01JDX2ABCDEFGHJKMNPQRSTVWX', sequence: 41, actor, now: t0, matrix: DEFAULT_PRIORITY_MATRIX },
  );
  return { ...incident, sla: evolveSla(undefined, incident, config, t0).sla };
}

describe('outbox records', () => {
  it('build an event detail and a notification that match the published schemas', () => {
    const incident = opened({ service: 'email' } as Partial<Incident>);
    const record = incidentOutboxRecord({
      eventId: '01JDX3M5Q8W4T0S7Y2V9K6H1ZC',
      type: 'SLA Breached',
      incident,
      actor: 'sla',
      occurredAt: t0.toISOString(),
      recipients: incidentOwners(incident),
      sla: { clock: 'response', threshold: 100, crossedAt: '2026-11-23T10:30:00.000Z', policy: 'p2', target: 'PT30M' },
    });
    expect(domainEventDetail.safeParse(record.detail).success).toBe(true);
    expect(notificationMessage.safeParse({ text: record.notification.text, recipients: record.notification.recipients, ...record.detail }).success).toBe(true);
    expect(record.notification).toMatchObject({
      topic: 'notifications',
      recipients: { users: [], groups: ['service-desk'] },
      attributes: { eventType: 'SLA Breached', priority: 'P2', assignmentGroup: 'service-desk', service: 'email' },
    });
    expect(record.notification.subject).toBe('[P2] SLA Breached: INC0001041');
  });

  it('send the major-incident notice to its own topic and keep subjects within SNS limits', () => {
    const incident = opened({ title: `Überlastung ${'x'.repeat(200)}` });
    const record = incidentOutboxRecord({
      eventId: 'MAJOR-response-1',
      type: 'Major Incident Breach',
      incident,
      actor: 'sla',
      occurredAt: t0.toISOString(),
      recipients: incidentOwners(incident),
    });
    expect(record.notification.topic).toBe('majorIncident');
    expect(record.notification.subject.length).toBeLessThanOrEqual(100);
    expect(record.notification.subject).toMatch(/^[\x20-\x7e]+$/);
  });

  it('name the event after what the change did', () => {
    const incident = opened();
    expect(incidentRecordEventType(undefined, incident)).toBe('Incident Created');
    const working = applyIncidentPatch(incident, { status: 'in_progress' }, { actor, now: t0 }).next;
    expect(incidentRecordEventType(incident, working)).toBe('Incident Updated');
    const resolved = applyIncidentPatch(working, { status: 'resolved', resolutionCode: 'solved_permanently', resolutionNotes: 'ok' }, { actor, now: t0 }).next;
    expect(incidentRecordEventType(working, resolved)).toBe('Incident Resolved');
  });
});

describe('timer changes', () => {
  it("set every timer of a new incident, and clear the paused clock's on hold", () => {
    const incident = opened();
    const created = timerChanges(incident.id, [], slaTimers(incident.sla));
    expect(created?.set.map((t) => `${t.clock}-${t.threshold}`)).toEqual([
      'response-50',
      'response-75',
      'response-100',
      'resolution-50',
      'resolution-75',
      'resolution-100',
    ]);
    expect(created?.clear).toEqual([]);

    const t1 = new Date(t0.getTime() + 60_000);
    const working = applyIncidentPatch(incident, { status: 'in_progress' }, { actor, now: t1 }).next;
    const acknowledged = { ...working, sla: evolveSla(incident, working, undefined, t1).sla };
    const t2 = new Date(t0.getTime() + 120_000);
    const held = applyIncidentPatch(acknowledged, { status: 'on_hold', holdReason: 'awaiting_vendor' }, { actor, now: t2 }).next;
    const paused = { ...held, sla: evolveSla(acknowledged, held, undefined, t2).sla };

    // Acknowledging stops the response clock: its timers go, the resolution timers stay as they were.
    expect(timerChanges(incident.id, slaTimers(incident.sla), slaTimers(acknowledged.sla))).toEqual({
      set: slaTimers(acknowledged.sla),
      clear: ['response-50', 'response-75', 'response-100'].map((t) => `${incident.id}-${t}`),
    });
    expect(timerChanges(incident.id, slaTimers(acknowledged.sla), slaTimers(paused.sla))?.clear).toEqual(
      ['resolution-50', 'resolution-75', 'resolution-100'].map((t) => timerName(incident.id, 'resolution', Number(t.split('-')[1]))),
    );
  });

  it('are absent when a change leaves the timers alone', () => {
    const incident = opened();
    const retitled = applyIncidentPatch(incident, { title: 'Mail slow' }, { actor, now: new Date(t0.getTime() + 1000) }).next;
    const after = { ...retitled, sla: evolveSla(incident, retitled, undefined, new Date(t0.getTime() + 1000)).sla };
    expect(timerChanges(incident.id, slaTimers(incident.sla), slaTimers(after.sla))).toBeUndefined();
  });
});

describe('free text', () => {
  // Text anyone may type, requesters included: none of it leaves in an event or a notification.
  const TEXT = {
    title: 'TITLE-3f9a',
    description: 'DESCRIPTION-3f9a',
    resolutionNotes: 'RESOLUTION-3f9a',
    category: 'CATEGORY-3f9a',
    configurationItem: 'CI-3f9a',
  };

  it('never leaves in an event or a notification: the fields are named, their values are not', () => {
    const before = opened({
      title: TEXT.title,
      description: TEXT.description,
      category: TEXT.category,
      configurationItem: TEXT.configurationItem,
      service: 'email',
    } as Partial<Incident>);
    const retitled = applyIncidentPatch(
      before,
      {
        title: `${TEXT.title} again`,
        description: `${TEXT.description} again`,
        category: `${TEXT.category} again`,
        configurationItem: `${TEXT.configurationItem} again`,
        status: 'in_progress',
      },
      { actor, now: t0 },
    ).next;
    const resolved = applyIncidentPatch(
      retitled,
      { status: 'resolved', resolutionCode: 'solved_permanently', resolutionNotes: TEXT.resolutionNotes },
      { actor, now: t0 },
    ).next;
    const changes = [...diffIncidents(before, retitled), ...diffIncidents(retitled, resolved)];
    for (const type of INCIDENT_EVENT_TYPES) {
      const record = incidentOutboxRecord({
        eventId: 'E1',
        type,
        incident: resolved,
        actor: 'alice',
        occurredAt: t0.toISOString(),
        recipients: incidentOwners(resolved),
        changes,
      });
      const published = JSON.stringify(record);
      for (const text of Object.values(TEXT)) expect(published, `${type} carries ${text}`).not.toContain(text);
      expect(domainEventDetail.safeParse(record.detail).error).toBeUndefined();
    }
    const updated = incidentOutboxRecord({
      eventId: 'E1',
      type: 'Incident Resolved',
      incident: resolved,
      actor: 'alice',
      occurredAt: t0.toISOString(),
      recipients: incidentOwners(resolved),
      changes,
    });
    expect(updated.detail.changes).toEqual([
      { field: 'title' },
      { field: 'description' },
      { field: 'status', from: 'new', to: 'in_progress' },
      { field: 'configurationItem' },
      { field: 'category' },
      { field: 'acknowledgedAt', from: null, to: t0.toISOString() },
      { field: 'status', from: 'in_progress', to: 'resolved' },
      { field: 'resolutionCode', from: null, to: 'solved_permanently' },
      { field: 'resolutionNotes' },
      { field: 'resolvedAt', from: null, to: t0.toISOString() },
    ]);
    expect(updated.detail.incident).not.toHaveProperty('title');
    expect(updated.detail.incident).not.toHaveProperty('category');
    expect(updated.notification.subject).toBe('[P2] Incident Resolved: INC0001041');
    expect(updated.notification.text).toBe('Resolved: INC0001041 (P2) on email');
  });

  it('names a field it does not know without its value: new fields are private until listed', () => {
    const incident = opened();
    const record = incidentOutboxRecord({
      eventId: 'E1',
      type: 'Incident Updated',
      incident,
      actor: 'alice',
      occurredAt: t0.toISOString(),
      recipients: incidentOwners(incident),
      changes: [
        { field: 'someFutureField', from: null, to: 'anything' },
        { field: 'sla.response.state', from: 'running', to: 'met' },
      ],
    });
    expect(record.detail.changes).toEqual([{ field: 'someFutureField' }, { field: 'sla.response.state', from: 'running', to: 'met' }]);
  });
});
