import { describe, expect, it } from 'vitest';
import { outboxSubject } from '../../functions/shared/domain/outbox.ts';

// Stored outbox items as the table stream and the failure bucket carry them (key, entity, TTL and
// delivered sinks included): the publisher must find each one's subject without knowing its area.
const envelope = (eventId: string) => ({
  sk: `OUTBOX#${eventId}`,
  entity: 'outbox',
  eventId,
  notification: { topic: 'notifications', subject: 's', recipients: { users: [], groups: [] }, text: 't', attributes: {} },
  expiresAt: 1_800_000_000,
  deliveredTo: new Set(['timers']),
});

describe('outboxSubject', () => {
  it("finds an incident record's subject: incidentId beside detail.incident, whatever the key order", () => {
    const detail = { schemaVersion: 2, eventId: 'E1', type: 'Incident Created', occurredAt: '2026-03-01T08:00:00Z', actor: 'alice' };
    const item = {
      pk: 'INCIDENT#I1',
      ...envelope('E1'),
      detail: { ...detail, incident: { id: 'I1', number: 'INC0001001', version: 3 } },
      timers: { set: [], clear: [] },
      incidentId: 'I1',
    };
    expect(outboxSubject(item)).toEqual({ kind: 'incident', id: 'I1', summary: { id: 'I1', number: 'INC0001001', version: 3 } });
  });

  it("finds a change request's subject: changeId beside detail.change", () => {
    const item = {
      pk: 'CHANGE#C1',
      changeId: 'C1',
      ...envelope('E2'),
      detail: { type: 'Change Created', change: { id: 'C1', number: 'CHG0001001', version: 1 } },
    };
    expect(outboxSubject(item)).toMatchObject({ kind: 'change', id: 'C1', summary: { number: 'CHG0001001', version: 1 } });
  });

  it('finds none when no <kind>Id has its detail.<kind> (eventId is not a subject)', () => {
    expect(outboxSubject({ pk: 'INCIDENT#x', ...envelope('E3'), incidentId: 'nobody' })).toBeUndefined();
    expect(outboxSubject({ ...envelope('E4'), incidentId: 'I1', detail: { incident: 'not a summary', event: { id: 'E4' } } })).toBeUndefined();
    expect(outboxSubject({ ...envelope('E5'), detail: 'not a detail', incidentId: 'I1' })).toBeUndefined();
  });
});
