import type { NoteReference, Recipients } from '../shared/domain/outbox.ts';
import { newId } from '../shared/store/audit.ts';
import { named, type TransactionEntry } from '../shared/store/transaction.ts';
import { evolveSla, needsSlaConfig, slaTimers } from '../sla/domain/incident-sla.ts';
import { timerChanges } from '../sla/domain/timers.ts';
import { type ClockTransition, escalateAtOnceTimer, type SlaConfig, type SlaTimer } from '../sla/domain/types.ts';
import { type AggregateDelta, aggregateUpdates } from '../sla/store/report-store.ts';
import {
  type IncidentEventType,
  incidentOutboxRecord,
  incidentOwners,
  incidentRecordEventType,
  type ProblemResolutionNotice,
  type SlaCrossing,
} from './domain/events.ts';
import type { FieldDiff, Incident } from './domain/incident.ts';
import { incidentOutboxPut } from './store/incident-outbox.ts';
import { incidentCreate, incidentHistoryPut, incidentReplace } from './store/incident-store.ts';

/*
 * Every write of an incident goes through here, whoever makes it (an agent's PATCH, a note that
 * is the first response, a monitoring event, the SLA engine): the incident, its history record,
 * one outbox record and the report aggregates it moves, as the items of ONE transaction. The
 * incident's item is named INCIDENT_ITEM: callers map its refused condition (moved, taken) by that name.
 */

export { needsSlaConfig };

/** The name of the incident's own item in its write's transaction. */
export const INCIDENT_ITEM = 'incident';

/** The name of the write's outbox record: refused when a write with the same `eventId` was committed before. */
export const INCIDENT_OUTBOX_ITEM = 'incident-outbox';

export interface IncidentWrite {
  /** Undefined when the incident is being created. */
  before?: Incident;
  /** The incident after the domain rules ran (openIncident, applyIncidentPatch, ...), before its SLA moved. */
  after: Incident;
  actor: string;
  /** Field changes of the incident itself; SLA changes are added here. */
  changes: FieldDiff[];
  now: Date;
  /** Needed when needsSlaConfig(before, after); otherwise the clocks move on their own copies. */
  slaConfig?: SlaConfig;
  noteVisibility?: 'work' | 'public';
  /** Overrides the event derived from the change (SLA Warning, Incident Escalated, ...). */
  event?: {
    type: IncidentEventType;
    recipients: Recipients;
    sla?: SlaCrossing;
    escalation?: { level: number; recipients: Recipients };
    note?: NoteReference;
    problem?: ProblemResolutionNotice;
  };
  /**
   * The outbox record's event id; a new one by default. A deterministic id makes the write happen
   * once however often it is attempted: a second record with it is refused under INCIDENT_OUTBOX_ITEM.
   */
  eventId?: string;
  /** Extra counters for the report aggregates (e.g. a breach recorded by a timer). */
  aggregates?: AggregateDelta['counters'];
  /** On creation: start the group's escalation policy now rather than at a breach (an urgent service's event). */
  escalateAtOnce?: boolean;
}

export interface CommittableIncidentWrite {
  incident: Incident;
  items: TransactionEntry[];
}

const day = (iso: string): string => iso.slice(0, 10);
const secondsBetween = (from: string, to: string): number => Math.max(0, Math.round((Date.parse(to) - Date.parse(from)) / 1000));

/** Report counters a change moves: SLA outcomes from the clock transitions, MTTA and MTTR from the incident. */
function reportDeltas(
  before: Incident | undefined,
  after: Incident,
  transitions: readonly ClockTransition[],
  extra: IncidentWrite['aggregates'],
  now: Date,
): AggregateDelta[] {
  const dimensionsOf = (incident: Incident) => ({
    priority: incident.priority,
    ...(incident.assignmentGroup === undefined ? {} : { assignmentGroup: incident.assignmentGroup }),
    ...(incident.service === undefined ? {} : { service: incident.service }),
  });
  const deltas: AggregateDelta[] = [];
  const add = (at: string, counters: AggregateDelta['counters']) => deltas.push({ day: day(at), dimensions: dimensionsOf(after), counters });
  // Taking back an outcome hits the buckets it was counted in: the incident as it was then.
  const undo = (at: string, counters: AggregateDelta['counters']) => deltas.push({ day: day(at), dimensions: dimensionsOf(before ?? after), counters });

  for (const t of transitions) {
    if (t.kind === 'met') add(t.at, { [`${t.clock}Met`]: 1 });
    if (t.kind === 'breached') {
      add(t.at, { [`${t.clock}Breached`]: 1 });
      // A breach counts once: here, unless its timer already recorded it.
      if (!(before?.sla?.[t.clock]?.thresholdsCrossed ?? []).includes(100)) add(t.at, { breaches: 1 });
    }
    if (t.kind === 'reopened' && t.undone !== undefined && t.undoneAt !== undefined) {
      undo(t.undoneAt, { [`${t.clock}${t.undone === 'met' ? 'Met' : 'Breached'}`]: -1 });
    }
  }
  if (before?.acknowledgedAt === undefined && after.acknowledgedAt !== undefined) {
    add(after.acknowledgedAt, { acknowledged: 1, acknowledgeSeconds: secondsBetween(after.createdAt, after.acknowledgedAt) });
  }
  if (after.status === 'resolved' && before?.status !== 'resolved' && after.resolvedAt !== undefined) {
    add(after.resolvedAt, { resolved: 1, resolveSeconds: secondsBetween(after.createdAt, after.resolvedAt) });
  }
  if (before?.status === 'resolved' && after.status !== 'resolved' && before.resolvedAt !== undefined && after.status !== 'closed') {
    undo(before.resolvedAt, { resolved: -1, resolveSeconds: -secondsBetween(before.createdAt, before.resolvedAt) });
  }
  if (extra !== undefined) add(now.toISOString(), extra);
  return deltas;
}

export function incidentWrite(change: IncidentWrite): CommittableIncidentWrite {
  const { before, now } = change;
  const sla = evolveSla(before, change.after, change.slaConfig, now);
  const incident: Incident = { ...change.after };
  if (sla.sla === undefined) delete incident.sla;
  else incident.sla = sla.sla;
  const changes = [...change.changes, ...sla.changes];

  const event = change.event ?? { type: incidentRecordEventType(before, incident), recipients: incidentOwners(incident) };
  const record = incidentOutboxRecord({
    eventId: change.eventId ?? newId(),
    type: event.type,
    incident,
    actor: change.actor,
    occurredAt: now.toISOString(),
    recipients: event.recipients,
    ...(before === undefined ? {} : { changes }),
    ...(event.sla === undefined ? {} : { sla: event.sla }),
    ...(event.escalation === undefined ? {} : { escalation: event.escalation }),
    ...(event.note === undefined ? {} : { note: event.note }),
    ...(event.problem === undefined ? {} : { problem: event.problem }),
    ...withTimers(incident.id, before, incident, before === undefined && change.escalateAtOnce === true ? [escalateAtOnceTimer(now.toISOString())] : []),
  });

  const items: TransactionEntry[] = [
    named(INCIDENT_ITEM, before === undefined ? incidentCreate(incident) : incidentReplace(incident, before.version)),
    incidentHistoryPut(incident.id, {
      at: now.toISOString(),
      actor: change.actor,
      action: before === undefined ? 'created' : change.noteVisibility !== undefined ? 'note_added' : 'updated',
      version: incident.version,
      changes,
      ...(change.noteVisibility === undefined ? {} : { noteVisibility: change.noteVisibility }),
    }),
    named(INCIDENT_OUTBOX_ITEM, incidentOutboxPut(record, now)),
    ...aggregateUpdates(reportDeltas(before, incident, sla.transitions, change.aggregates, now)),
  ];
  return { incident, items };
}

function withTimers(incidentId: string, before: Incident | undefined, after: Incident, extra: readonly SlaTimer[]) {
  const timers = timerChanges(incidentId, slaTimers(before?.sla), slaTimers(after.sla));
  if (extra.length > 0) return { timers: { set: [...(timers?.set ?? []), ...extra], clear: timers?.clear ?? [] } };
  return timers === undefined ? {} : { timers };
}
