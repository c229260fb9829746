import type { Recipients } from '../shared/domain/outbox.ts';
import { log } from '../shared/log.ts';
import { named, TransactionRefused, transactWrite } from '../shared/store/transaction.ts';
import { recordThreshold } from '../sla/domain/clock.ts';
import type { ClockName } from '../sla/domain/types.ts';
import { incidentAssigneeAndGroup, incidentOutboxRecord, incidentOwners } from './domain/events.ts';
import type { Incident } from './domain/incident.ts';
import { incidentWrite } from './incident-write.ts';
import { incidentOutboxPut } from './store/incident-outbox.ts';
import { getIncidentRecord, incidentExists } from './store/incident-store.ts';

/*
 * What other areas may do to an incident. The escalation workflow (functions/escalation) records
 * SLA thresholds, raises escalation levels and sends the major-incident notice through these, so
 * the incident's version, history, outbox record and report aggregates move only here (through
 * the one write unit, change.ts), never from outside. Each operation reads the incident, applies
 * its rule and writes conditionally on the version it read: a refused write (another writer came
 * first) throws TransactionRefused, and the caller reads again.
 */

/** Who the SLA engine's writes are recorded as, in history and events. */
export const SLA_ACTOR = 'sla';

export interface ThresholdOutcome {
  /** `already`: recorded before (a retried step or a twice-fired timer); `stale`: the timer was moved or the clock is gone. */
  outcome: 'recorded' | 'already' | 'stale';
  breach: boolean;
  priority?: string;
  escalationLevel: number;
}

/**
 * Records that a clock's timer crossed a threshold (100 = the breach), once: the clock's own list
 * says whether it was, and a timer of another version is stale. Sends SLA Warning (to whoever is
 * expected to act) or SLA Breached (to the assignee and the whole group).
 */
export async function recordSlaThreshold(input: { incidentId: string; clock: ClockName; threshold: number; timerVersion: number }): Promise<ThresholdOutcome> {
  const { incident } = await getIncidentRecord(input.incidentId);
  const current = incident?.sla?.[input.clock];
  const breach = input.threshold >= 100;
  if (incident === undefined || current === undefined) return { outcome: 'stale', breach, escalationLevel: 0 };
  const escalationLevel = incident.escalationLevel ?? 0;
  const now = new Date();
  const result = recordThreshold(current, { threshold: input.threshold, timerVersion: input.timerVersion }, now);
  if (result.outcome === 'already') return { outcome: 'already', breach, priority: incident.priority, escalationLevel };
  if (result.outcome !== 'recorded') {
    log.info('stale SLA timer ignored', { incidentId: input.incidentId, clock: input.clock, threshold: input.threshold, outcome: result.outcome });
    return { outcome: 'stale', breach, priority: incident.priority, escalationLevel };
  }
  const at = now.toISOString();
  const after: Incident = {
    ...incident,
    sla: { ...incident.sla, [input.clock]: result.clock },
    updatedAt: at,
    updatedBy: SLA_ACTOR,
    version: incident.version + 1,
  };
  const { items } = incidentWrite({
    before: incident,
    after,
    actor: SLA_ACTOR,
    changes: [
      { field: `sla.${input.clock}.thresholdsCrossed`, from: current.thresholdsCrossed, to: result.clock.thresholdsCrossed },
      ...(breach ? [{ field: `sla.${input.clock}.breachedAt`, from: current.breachedAt ?? null, to: result.clock.breachedAt ?? null }] : []),
    ],
    now,
    event: {
      type: breach ? 'SLA Breached' : 'SLA Warning',
      // A warning goes to whoever is expected to act; a breach to the assignee and the whole group.
      recipients: breach ? incidentAssigneeAndGroup(incident) : incidentOwners(incident),
      sla: { clock: input.clock, threshold: input.threshold, crossedAt: result.crossedAt, policy: current.policy, target: current.target },
    },
    ...(breach ? { aggregates: { breaches: 1 } } : {}),
  });
  await transactWrite(items);
  return { outcome: 'recorded', breach, priority: incident.priority, escalationLevel };
}

/**
 * Sends Major Incident Breach for a breach of one clock version, once however often it is asked:
 * the notice's event id is deterministic, so a second outbox record with it is refused. The
 * incident itself does not change (no version, no history): the notice is about its breach.
 */
export async function announceMajorIncidentBreach(input: { incidentId: string; clock: ClockName; timerVersion: number }): Promise<{ notified: boolean }> {
  const { incident } = await getIncidentRecord(input.incidentId);
  const current = incident?.sla?.[input.clock];
  if (incident === undefined || current === undefined) return { notified: false };
  const now = new Date();
  const record = incidentOutboxRecord({
    // One notice per breach of one clock version, however often the step is retried.
    eventId: `MAJOR-${input.clock}-${input.timerVersion}`,
    type: 'Major Incident Breach',
    incident,
    actor: SLA_ACTOR,
    occurredAt: now.toISOString(),
    recipients: incidentAssigneeAndGroup(incident),
    sla: { clock: input.clock, threshold: 100, crossedAt: current.breachedAt ?? now.toISOString(), policy: current.policy, target: current.target },
  });
  try {
    await transactWrite([incidentExists(incident), named('notice', incidentOutboxPut(record, now))]);
  } catch (error) {
    // The notice's outbox record exists: an earlier run of this step sent it.
    if (error instanceof TransactionRefused && error.has('notice')) return { notified: true };
    throw error;
  }
  return { notified: true };
}

/**
 * Raises the incident's escalation level by one, from the level the caller saw (`incident` as it
 * read it: the write is conditional on its version), and sends Incident Escalated to `recipients`.
 */
export async function escalateIncident(incident: Incident, recipients: Recipients): Promise<{ level: number }> {
  const from = incident.escalationLevel ?? 0;
  const level = from + 1;
  const now = new Date();
  const after: Incident = { ...incident, escalationLevel: level, updatedAt: now.toISOString(), updatedBy: SLA_ACTOR, version: incident.version + 1 };
  const { items } = incidentWrite({
    before: incident,
    after,
    actor: SLA_ACTOR,
    changes: [{ field: 'escalationLevel', from, to: level }],
    now,
    event: { type: 'Incident Escalated', recipients, escalation: { level, recipients } },
  });
  await transactWrite(items);
  return { level };
}
