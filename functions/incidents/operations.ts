import type { Recipients } from '../shared/domain/outbox.ts';
import type { Principal } from '../shared/http/principal.ts';
import { log } from '../shared/log.ts';
import type { IdempotencyClaim } from '../shared/store/idempotency.ts';
import { retryOnConflict } from '../shared/store/retry.ts';
import { named, type TransactionEntry, TransactionRefused, transactWrite } from '../shared/store/transaction.ts';
import { recordThreshold } from '../sla/domain/clock.ts';
import type { ClockName } from '../sla/domain/types.ts';
import { loadSlaConfig } from '../sla/store/config-store.ts';
import { addIncidentNote, createIncident } from './commands.ts';
import { downstreamServices } from './configuration-items.ts';
import { incidentAssigneeAndGroup, incidentOutboxRecord, incidentOwners, type ProblemResolutionNotice } from './domain/events.ts';
import {
  applyIncidentPatch,
  creationDiffs,
  type Incident,
  type IncidentAlert,
  type IncidentProblemReference,
  type NewIncident,
  OPEN_INCIDENT_STATUSES,
  openIncident,
  resolveThroughLifecycle,
} from './domain/incident.ts';
import { linkIncidentToProblem, resolveIncidentWithProblem, unlinkIncidentFromProblem, workNoteOfProblemResolution } from './domain/problem-link.ts';
import { type CommittableIncidentWrite, INCIDENT_ITEM, INCIDENT_OUTBOX_ITEM, incidentWrite } from './incident-write.ts';
import { pointerCheck, pointerDelete, pointerPut } from './store/alert-pointer.ts';
import { type IncidentAlertState, incidentAlertFromItem, incidentAlertPut, incidentAlertReplace } from './store/incident-alert.ts';
import { incidentOutboxPut } from './store/incident-outbox.ts';
import {
  allocateIncidentNumber,
  getIncidentRecord,
  type IncidentNote,
  incidentExists,
  incidentHistoryPut,
  incidentNotePut,
  newId,
} from './store/incident-store.ts';

export { configurationItemNamedBy } from './configuration-items.ts';
export { INCIDENT_CODE_FOR_PROBLEM_RESOLUTION, IncidentAlreadyLinked, IncidentNotLinked } from './domain/problem-link.ts';
export type { IncidentAlertState, IncidentProblemReference };
export { INCIDENT_ITEM };

/*
 * What other areas may do to an incident. The escalation workflow (functions/escalation) records
 * SLA thresholds, raises escalation levels and sends the major-incident notice through these, so
 * the incident's version, history, outbox record and report aggregates move only here (through
 * the one write unit, incident-write.ts), never from outside. Each operation reads the incident, applies
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

/*
 * Problem management (functions/problems) links incidents to problems and tells them when their
 * problem is resolved. The link is one transaction on both records: the problem area builds its own
 * items and adds the incident's from incidentLinkEntries / incidentUnlinkEntries, so the incident's
 * version, history and outbox record still move only here.
 */

/**
 * Adds to the incident item's version condition (named INCIDENT_ITEM) a condition of its own:
 * a refusal (with the item as it is now) then says whether the version moved or the condition failed.
 */
function requireOfIncident(
  entries: readonly TransactionEntry[],
  condition: string,
  names: Record<string, string>,
  values: Record<string, unknown>,
): TransactionEntry[] {
  return entries.map((entry) => {
    if (!('name' in entry) || entry.name !== INCIDENT_ITEM || entry.item.Put === undefined) return entry;
    const put = entry.item.Put;
    return named(INCIDENT_ITEM, {
      Put: {
        ...put,
        ConditionExpression: `(${put.ConditionExpression}) AND ${condition}`,
        ExpressionAttributeNames: { ...put.ExpressionAttributeNames, ...names },
        ExpressionAttributeValues: { ...put.ExpressionAttributeValues, ...values },
      },
    });
  });
}

/**
 * The incident's part of linking it to `problem`, as entries of the caller's transaction: the
 * incident with `problem` set (version + 1), its history record and its outbox record (Incident
 * Updated, to its assignee or group). The incident's item (INCIDENT_ITEM) holds only while the
 * incident is at the version read AND linked to no problem, so of two links racing for one incident
 * exactly one commits; linkedProblemOfRefusal tells the loser which problem won. Throws
 * IncidentAlreadyLinked when the incident read is linked already.
 */
export function incidentLinkEntries(incident: Incident, problem: IncidentProblemReference, actor: string, now: Date): CommittableIncidentWrite {
  const { next, changes } = linkIncidentToProblem(incident, problem, { actor: { userId: actor }, now });
  const write = incidentWrite({ before: incident, after: next, actor, changes, now });
  return { incident: write.incident, items: requireOfIncident(write.items, 'attribute_not_exists(#problem)', { '#problem': 'problem' }, {}) };
}

/**
 * The incident's part of unlinking it from the problem `problemId`: `problem` cleared (version + 1),
 * history and outbox record. The incident's item holds only while it is at the version read and
 * still linked to that problem. Throws IncidentNotLinked when the incident read is not linked to it.
 */
export function incidentUnlinkEntries(incident: Incident, problemId: string, actor: string, now: Date): CommittableIncidentWrite {
  const { next, changes } = unlinkIncidentFromProblem(incident, problemId, { actor: { userId: actor }, now });
  const write = incidentWrite({ before: incident, after: next, actor, changes, now });
  return {
    incident: write.incident,
    items: requireOfIncident(write.items, '#problem.id = :linkedProblem', { '#problem': 'problem' }, { ':linkedProblem': problemId }),
  };
}

/** The problem an incident turned out to be linked to when its item refused a link (undefined: only its version moved). */
export function linkedProblemOfRefusal(refused: TransactionRefused): IncidentProblemReference | undefined {
  if (!refused.has(INCIDENT_ITEM)) return undefined;
  const problem = refused.item(INCIDENT_ITEM)?.problem as IncidentProblemReference | undefined;
  return problem === undefined ? undefined : { id: problem.id, number: problem.number };
}

/** A resolved problem as its linked incidents hear of it. */
export interface ResolvedProblem extends IncidentProblemReference {
  /** The problem's version when it was resolved: the incident hears of each resolution once. */
  version: number;
  resolution: { code: string; notes?: string };
  /** Resolve the incident with it (when the resolution code resolves incidents), not only tell it. */
  resolveLinkedIncidents: boolean;
}

export type ProblemResolutionOutcome =
  /** Resolved with the problem's resolution, and told (Incident Problem Resolved). */
  | 'resolved'
  /** Told only: the problem does not resolve its incidents, or its resolution code says nothing of them. */
  | 'told'
  /** Told before, of this resolution (a redelivered stream record, a retried batch). */
  | 'already'
  /** Not open (resolved, closed or canceled), not linked to this problem any more, or gone: nothing to tell. */
  | 'skipped';

/**
 * An incident opened by events stops collecting them once resolved, as when an agent resolves it
 * (handlers/update-incident.ts): the next trigger of its dedup key opens a new incident.
 */
function endDeduplication(resolved: Incident): TransactionEntry[] {
  if (resolved.dedupKey === undefined || resolved.dedupScope === undefined) return [];
  return [pointerDelete(resolved.dedupScope, resolved.dedupKey, resolved.id)];
}

/**
 * The work note (internal: requesters never list it) that an incident resolved with its problem
 * gets in the same transaction, with its `note_added` history record: which problem, its
 * resolution code and notes. The incident's own resolutionNotes say it plainly to the requester
 * and name no problem (RESOLUTION_NOTES_FOR_PROBLEM_RESOLUTION).
 */
function problemResolutionWorkNote(resolved: Incident, problem: ResolvedProblem, actor: string, now: Date): TransactionEntry[] {
  const at = now.toISOString();
  const note: IncidentNote = {
    id: newId(),
    incidentId: resolved.id,
    body: workNoteOfProblemResolution(problem),
    visibility: 'work',
    author: actor,
    createdAt: at,
  };
  return [
    incidentNotePut(note),
    incidentHistoryPut(resolved.id, { at, actor, action: 'note_added', version: resolved.version, changes: [], noteVisibility: 'work' }),
  ];
}

/** How many times a resolution is attempted against an incident that keeps changing under it. */
const RESOLUTION_ATTEMPTS = 5;

/**
 * Tells an open incident linked to `problem` that the problem was resolved: Incident Problem
 * Resolved to its assignee and its assignment group, and, when the problem resolves its linked
 * incidents and its code resolves incidents (INCIDENT_CODE_FOR_PROBLEM_RESOLUTION), resolves it in
 * the same write: resolution notes a requester may read (naming no problem), and the problem's
 * number, code and notes in a work note (problemResolutionWorkNote). Once per resolution: the outbox
 * record's event id is made of the problem's id and version, so a second attempt is refused and
 * answers `already`. A told-only incident does not change (no version, no history), like a major
 * incident notice; a resolved one gets a new version, its history record and the note's.
 */
export async function tellIncidentOfProblemResolution(incidentId: string, problem: ResolvedProblem, actor: string): Promise<ProblemResolutionOutcome> {
  const eventId = `PROBLEM-RESOLVED-${problem.id}-${problem.version}`;
  return retryOnConflict(
    async () => {
      const { incident } = await getIncidentRecord(incidentId);
      if (incident === undefined || incident.problem?.id !== problem.id || !OPEN_INCIDENT_STATUSES.includes(incident.status)) return 'skipped';
      const now = new Date();
      const move = problem.resolveLinkedIncidents ? resolveIncidentWithProblem(incident, problem, { actor: { userId: actor }, now }) : undefined;
      const notice: ProblemResolutionNotice = {
        id: problem.id,
        number: problem.number,
        version: problem.version,
        resolutionCode: problem.resolution.code,
        incidentResolved: move !== undefined,
      };
      const event = { type: 'Incident Problem Resolved' as const, recipients: incidentAssigneeAndGroup(incident), problem: notice };
      const items: TransactionEntry[] =
        move === undefined
          ? [
              named(INCIDENT_ITEM, incidentExists(incident)),
              named(INCIDENT_OUTBOX_ITEM, incidentOutboxPut(incidentOutboxRecord({ eventId, incident, actor, occurredAt: now.toISOString(), ...event }), now)),
            ]
          : [
              ...incidentWrite({ before: incident, after: move.next, actor, changes: move.changes, now, event, eventId }).items,
              ...endDeduplication(move.next),
              ...problemResolutionWorkNote(move.next, problem, actor, now),
            ];
      try {
        await transactWrite(items);
      } catch (error) {
        // This resolution's record exists: an earlier attempt told the incident.
        if (error instanceof TransactionRefused && error.has(INCIDENT_OUTBOX_ITEM)) return 'already';
        throw error;
      }
      return move === undefined ? 'told' : 'resolved';
    },
    // The incident changed between the read and the write (an agent's PATCH): read it again.
    { attempts: RESOLUTION_ATTEMPTS, isConflict: (error) => error instanceof TransactionRefused && error.has(INCIDENT_ITEM) },
  );
}

/*
 * Incidents opened by monitoring events (functions/ingestion). Ingestion decides what an event
 * says (the new incident's fields, the next alert state: occurrences, recent events); these
 * operations change the incident and the items kept with it: the incident through incidentWrite,
 * its alert state (store/incident-alert.ts) and the dedup pointer of its key (store/alert-pointer.ts).
 * Each returns named entries of the caller's transaction: ingestion adds its own (the event marked
 * applied) and commits them together, one transaction per event.
 */

/** The name of the dedup pointer's item: its put (a trigger opening), its check, or its delete (a resolve). */
export const ALERT_POINTER_ITEM = 'alert-pointer';

/** The name of the incident's alert state item: refused when another writer moved its revision. */
export const INCIDENT_ALERT_ITEM = 'incident-alert';

/** Where an event's dedup key is kept: its scope (the service, or none) and the key. */
export interface AlertDedup {
  scope: string;
  dedupKey: string;
}

/** An incident opened by events and its alert state, read together. */
export interface AlertedIncident {
  incident: Incident;
  alert: IncidentAlertState;
}

/** What an alert operation gives the caller's transaction, and whether the incident itself changes (a new version). */
export interface AlertEntries {
  incidentChanged: boolean;
  items: TransactionEntry[];
}

/** The incident with its alert state, in one strongly consistent Query; undefined when either is missing. */
export async function getAlertedIncident(incidentId: string): Promise<AlertedIncident | undefined> {
  const { incident, alertItem } = await getIncidentRecord(incidentId);
  if (incident === undefined || alertItem === undefined) return undefined;
  return { incident, alert: incidentAlertFromItem(alertItem) };
}

/**
 * Opens an incident for the first event of a dedup key: a number is allocated and the SLA policies
 * read side by side (one round trip; an incident naming configuration items, which the caller
 * found with configurationItemNamedBy, waits for their impact too), then the entries: the incident's write (created), its first
 * alert state, and the dedup pointer, created only if the key has none (ALERT_POINTER_ITEM refused
 * otherwise: exactly one incident per open dedup key, decided by this condition, not a read).
 */
export async function openIncidentFromAlert(input: {
  incident: NewIncident;
  dedup: AlertDedup;
  alert: IncidentAlert;
  actor: string;
  now: Date;
  /** Start the assignment group's escalation policy at once (an urgent service). */
  escalateAtOnce: boolean;
}): Promise<CommittableIncidentWrite> {
  const { dedup, actor, now } = input;
  const configurationItems = input.incident.configurationItems ?? [];
  // The impact of the configuration item an event named is read beside the number (its Query rounds).
  const [settings, slaConfig, downstream] = await Promise.all([
    allocateIncidentNumber(),
    loadSlaConfig(),
    configurationItems.length === 0 ? undefined : downstreamServices(configurationItems),
  ]);
  const opened = openIncident(input.incident, {
    id: newId(),
    sequence: settings.sequence,
    actor: { userId: actor },
    now,
    matrix: settings.matrix,
    ...(downstream === undefined ? {} : { downstream }),
  });
  const withDedup: Incident = { ...opened, dedupKey: dedup.dedupKey, dedupScope: dedup.scope };
  const created = incidentWrite({ after: withDedup, actor, changes: creationDiffs(withDedup), now, slaConfig, escalateAtOnce: input.escalateAtOnce });
  const { incident } = created;
  return {
    incident,
    items: [
      named(ALERT_POINTER_ITEM, pointerPut(dedup.scope, dedup.dedupKey, { incidentId: incident.id, number: incident.number, openedAt: now.toISOString() })),
      ...created.items,
      named(INCIDENT_ALERT_ITEM, incidentAlertPut(incident.id, input.alert)),
    ],
  };
}

/** The alert state replaced at the revision read, while the dedup pointer still names the incident. */
function alertUpdate({ incident, alert }: AlertedIncident, next: IncidentAlert, dedup: AlertDedup): TransactionEntry[] {
  return [
    named(INCIDENT_ALERT_ITEM, incidentAlertReplace(incident.id, next, alert.revision)),
    named(ALERT_POINTER_ITEM, pointerCheck(dedup.scope, dedup.dedupKey, incident.id)),
  ];
}

/**
 * Records an event on the open incident of its key (a repeated trigger, a state note): the alert
 * state only; the incident itself does not change (no version, no history, nothing published).
 */
export function recordAlertOccurrence(target: AlertedIncident, next: IncidentAlert, dedup: AlertDedup): AlertEntries {
  return { incidentChanged: false, items: alertUpdate(target, next, dedup) };
}

/**
 * An acknowledge event: a `new` incident moves to `in_progress` (acknowledged by the sender) and
 * the alert state says who acknowledged it and when. Any other status only records the event.
 */
export function acknowledgeIncidentFromAlert(
  target: AlertedIncident,
  next: IncidentAlert,
  dedup: AlertDedup,
  context: { actor: string; now: Date },
): AlertEntries {
  const { incident } = target;
  if (incident.status !== 'new') return recordAlertOccurrence(target, next, dedup);
  const { actor, now } = context;
  const moved = applyIncidentPatch(incident, { status: 'in_progress' }, { actor: { userId: actor }, now });
  const acknowledged: IncidentAlert = { ...next, acknowledgedBy: actor, acknowledgedAt: now.toISOString() };
  return {
    incidentChanged: true,
    items: [...alertUpdate(target, acknowledged, dedup), ...incidentWrite({ before: incident, after: moved.next, actor, changes: moved.changes, now }).items],
  };
}

/**
 * A resolve event: an open incident is resolved (`auto_resolved`, with `notes`) through the
 * lifecycle, in one version; whatever its status, the dedup pointer is deleted, so the next trigger
 * of the key opens a new incident (PagerDuty's semantics).
 */
export function resolveIncidentFromAlert(
  target: AlertedIncident,
  next: IncidentAlert,
  dedup: AlertDedup,
  context: { actor: string; notes: string; now: Date },
): AlertEntries {
  const { incident, alert } = target;
  const { actor, now } = context;
  const moved = resolveThroughLifecycle(incident, { code: 'auto_resolved', notes: context.notes }, { actor: { userId: actor }, now });
  return {
    incidentChanged: moved !== undefined,
    items: [
      named(INCIDENT_ALERT_ITEM, incidentAlertReplace(incident.id, next, alert.revision)),
      ...(moved === undefined ? [] : incidentWrite({ before: incident, after: moved.next, actor, changes: moved.changes, now }).items),
      // Deleted rather than checked: the delete holds while the pointer names this incident or is gone.
      named(ALERT_POINTER_ITEM, pointerDelete(dedup.scope, dedup.dedupKey, incident.id)),
    ],
  };
}

/** The title an incident takes at most (functions/incidents/schemas/incident.ts). */
const MAX_TITLE_LENGTH = 200;
const MAX_TEXT_LENGTH = 20_000;

/**
 * Who wrote an e-mail, as the incident writes know a caller: a requester, whatever their groups
 * (a message proves an address, not a role), so mail opens and annotates only the sender's own
 * incidents, as their requests over HTTP do.
 */
const emailSender = (userId: string): Principal => ({ userId, roles: new Set(['requester']), isAgent: false, isAdmin: false });

const clip = (text: string, length: number) => (text.length <= length ? text : `${text.slice(0, length - 1)}…`);

/**
 * An incident opened by e-mail (functions/email): the same write as POST /incidents by the sender
 * as a requester (number, clocks, history, Incident Created), titled by the subject, described by
 * the message's text.
 */
export async function openIncidentFromEmail(input: {
  caller: string;
  shortDescription: string;
  description: string;
  /** The message's claim (a redelivery answers the incident the first delivery opened). */
  idempotency?: IdempotencyClaim;
}): Promise<Incident> {
  const title = clip(input.shortDescription.trim(), MAX_TITLE_LENGTH) || '(no subject)';
  const description = clip(input.description, MAX_TEXT_LENGTH);
  const result = await createIncident(
    emailSender(input.caller),
    { title, ...(description.trim() === '' ? {} : { description }) },
    { claimFor: () => input.idempotency, respond: (incident) => ({ status: 201, body: incident }) },
  );
  return result.body as Incident;
}

/**
 * A reply by e-mail as a public note by its sender: the same write as POST /incidents/{id}/notes.
 * An incident the sender may not see is not found (HttpError 404), as over HTTP.
 */
export async function addIncidentNoteFromEmail(input: {
  incidentIdOrNumber: string;
  author: string;
  text: string;
  /** The message's claim (a redelivery answers the note the first delivery added). */
  idempotency?: IdempotencyClaim;
}): Promise<{ noteId: string; incidentId: string }> {
  const result = await addIncidentNote(
    emailSender(input.author),
    input.incidentIdOrNumber,
    { body: clip(input.text.trim(), MAX_TEXT_LENGTH) || '(empty reply)', visibility: 'public' },
    () => input.idempotency,
  );
  const note = result.body as IncidentNote;
  return { noteId: note.id, incidentId: note.incidentId };
}
