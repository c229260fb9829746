import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Incident, type IncidentAlert, openIncident, resolveThroughLifecycle } from '../../functions/incidents/domain/incident.ts';
import { DEFAULT_PRIORITY_MATRIX } from '../../functions/incidents/domain/priority.ts';
import type { TransactItem } from '../../functions/shared/store/db.ts';
import type { TransactionEntry } from '../../functions/shared/store/transaction.ts';

/*
 * What the incidents area gives ingestion for an event on an open incident (incidents/operations.ts):
 * named entries of ingestion's transaction. The incident's version moves only in them (never in
 * ingestion), the alert state is replaced at the revision read, and the dedup pointer is checked
 * or, for a resolve, deleted, under one name. Nothing is written here: the entries are inspected.
 */
let operations: typeof import('../../functions/incidents/operations.ts');
beforeAll(async () => {
  // The store modules read TABLE_NAME (at load, and the report aggregates when built); no I/O happens.
  vi.stubEnv('TABLE_NAME', 'unit-no-table');
  vi.stubEnv('AWS_REGION', 'us-east-1');
  operations = await import('../../functions/incidents/operations.ts');
});
afterAll(() => {
  vi.unstubAllEnvs();
});

const T0 = new Date('2026-03-01T08:00:00.000Z');
const T1 = new Date('2026-03-01T09:00:00.000Z');
const SENDER = 'integration:i-1';
const dedup = { scope: 'web', dedupKey: 'disk-full' };

const incident = (overrides: Partial<Incident> = {}): Incident => ({
  ...openIncident(
    { title: 'Disk full', impact: 2, urgency: 2, caller: SENDER, service: 'web' },
    { id: '01J0000000000000000000INC1', sequence: 1, actor: { userId: SENDER }, now: T0, matrix: DEFAULT_PRIORITY_MATRIX },
  ),
  dedupKey: dedup.dedupKey,
  dedupScope: dedup.scope,
  ...overrides,
});

const alert: IncidentAlert = {
  source: 'pagerduty',
  dedupKey: dedup.dedupKey,
  occurrences: 3,
  firstSeenAt: T0.toISOString(),
  lastSeenAt: T0.toISOString(),
  recent: [{ eventId: 'e1', at: T0.toISOString(), action: 'trigger' }],
};
const target = (overrides: Partial<Incident> = {}) => ({ incident: incident(overrides), alert: { ...alert, revision: 7 } });
const next: IncidentAlert = { ...alert, recent: [...alert.recent, { eventId: 'e2', at: T1.toISOString(), action: 'acknowledge' }] };

const byName = (items: TransactionEntry[]): Map<string, TransactItem> =>
  new Map(items.flatMap((entry) => ('name' in entry && 'item' in entry ? [[entry.name, entry.item] as const] : [])));

describe('an event on the open incident of its key', () => {
  it('is recorded in the alert state at the revision read, the pointer checked, the incident untouched', () => {
    const { incidentChanged, items } = operations.recordAlertOccurrence(target(), next, dedup);
    expect(incidentChanged).toBe(false);
    const named = byName(items);
    expect([...named.keys()]).toEqual([operations.INCIDENT_ALERT_ITEM, operations.ALERT_POINTER_ITEM]);
    expect(items).toHaveLength(2);
    expect(named.get(operations.INCIDENT_ALERT_ITEM)?.Put).toMatchObject({
      Item: { pk: 'INCIDENT#01J0000000000000000000INC1', sk: 'INCIDENT#ALERT', entity: 'alert-state', revision: 8, recent: next.recent },
      ConditionExpression: 'revision = :revision',
      ExpressionAttributeValues: { ':revision': 7 },
    });
    expect(named.get(operations.ALERT_POINTER_ITEM)?.ConditionCheck).toMatchObject({
      Key: { pk: 'ALERT#web#disk-full', sk: 'OPEN' },
      ExpressionAttributeValues: { ':incident': '01J0000000000000000000INC1' },
    });
  });

  it('acknowledges a new incident: the incident at the next version, who acknowledged in the alert state', () => {
    const { incidentChanged, items } = operations.acknowledgeIncidentFromAlert(target(), next, dedup, { actor: SENDER, now: T1 });
    expect(incidentChanged).toBe(true);
    const named = byName(items);
    expect(named.get(operations.INCIDENT_ITEM)?.Put?.Item).toMatchObject({ status: 'in_progress', version: 2, acknowledgedBy: SENDER });
    expect(named.get(operations.INCIDENT_ALERT_ITEM)?.Put?.Item).toMatchObject({ acknowledgedBy: SENDER, acknowledgedAt: T1.toISOString() });
    expect(named.get(operations.ALERT_POINTER_ITEM)?.ConditionCheck).toBeDefined();
  });

  it('only records an acknowledge of an incident already in progress', () => {
    const { incidentChanged, items } = operations.acknowledgeIncidentFromAlert(target({ status: 'in_progress' }), next, dedup, { actor: SENDER, now: T1 });
    expect(incidentChanged).toBe(false);
    expect(byName(items).has(operations.INCIDENT_ITEM)).toBe(false);
    expect(byName(items).get(operations.INCIDENT_ALERT_ITEM)?.Put?.Item).not.toHaveProperty('acknowledgedBy');
  });

  it('resolves an open incident in one version and deletes the pointer instead of checking it', () => {
    const { incidentChanged, items } = operations.resolveIncidentFromAlert(target({ status: 'on_hold', holdReason: 'awaiting_vendor' }), next, dedup, {
      actor: SENDER,
      notes: 'Disk cleaned',
      now: T1,
    });
    expect(incidentChanged).toBe(true);
    const named = byName(items);
    expect(named.get(operations.INCIDENT_ITEM)?.Put?.Item).toMatchObject({
      status: 'resolved',
      resolutionCode: 'auto_resolved',
      resolutionNotes: 'Disk cleaned',
      version: 2,
    });
    expect(named.get(operations.INCIDENT_ITEM)?.Put?.Item).not.toHaveProperty('holdReason');
    const pointer = named.get(operations.ALERT_POINTER_ITEM);
    expect(pointer?.ConditionCheck).toBeUndefined();
    expect(pointer?.Delete).toMatchObject({ Key: { pk: 'ALERT#web#disk-full', sk: 'OPEN' } });
  });

  it('ends deduplication into an incident no longer open without changing it', () => {
    const { incidentChanged, items } = operations.resolveIncidentFromAlert(target({ status: 'canceled' }), next, dedup, { actor: SENDER, notes: 'x', now: T1 });
    expect(incidentChanged).toBe(false);
    const named = byName(items);
    expect(named.has(operations.INCIDENT_ITEM)).toBe(false);
    expect(named.get(operations.ALERT_POINTER_ITEM)?.Delete).toBeDefined();
  });
});

describe('resolveThroughLifecycle', () => {
  it('goes from new through in_progress to resolved in one version, recording the first response', () => {
    const move = resolveThroughLifecycle(incident(), { code: 'auto_resolved', notes: 'gone' }, { actor: { userId: SENDER }, now: T1 });
    expect(move?.next).toMatchObject({ status: 'resolved', version: 2, acknowledgedAt: T1.toISOString(), resolvedBy: SENDER, updatedAt: T1.toISOString() });
    expect(move?.changes.map((change) => change.field)).toEqual(expect.arrayContaining(['status', 'resolutionCode', 'resolutionNotes', 'acknowledgedAt']));
  });

  it('leaves an incident that is not open alone', () => {
    expect(
      resolveThroughLifecycle(incident({ status: 'resolved' }), { code: 'auto_resolved', notes: 'x' }, { actor: { userId: SENDER }, now: T1 }),
    ).toBeUndefined();
  });
});
