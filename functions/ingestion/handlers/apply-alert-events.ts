import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { serviceKey } from '../../directory/store/keys.ts';
import { directoryRecordLive } from '../../directory/store/references.ts';
import { applyPatch, creationChanges, diffIncidents, type Incident, openIncident } from '../../incidents/domain/incident.ts';
import type { IncidentStatus } from '../../incidents/domain/lifecycle.ts';
import { incidentWrite } from '../../incidents/incident-write.ts';
import { type Pointer, pointerCheck, pointerDelete, pointerPut } from '../../incidents/store/alert-pointer.ts';
import { allocateIncidentNumber, getIncidentRecord } from '../../incidents/store/incident-store.ts';
import { log, withLogContext } from '../../shared/log.ts';
import { newId } from '../../shared/store/audit.ts';
import type { TransactItem } from '../../shared/store/db.ts';
import { retryOnConflict } from '../../shared/store/retry.ts';
import { TransactionRefused, transactWrite } from '../../shared/store/transaction.ts';
import { loadSlaConfig } from '../../sla/store/config-store.ts';
import { appendOccurrence, describeEvent, impactAndUrgency, occurrenceOf, titleOf } from '../domain/alert-event.ts';
import {
  type AlertState,
  alertStateFromItem,
  alertStatePut,
  alertStateReplace,
  EVENT_APPLIED_ITEM,
  type EventOutcome,
  eventFromItem,
  getPointerAndService,
  markApplied,
  markDropped,
  type ServiceRouting,
  type StoredEvent,
} from '../store/alert-store.ts';

/** Another writer (an agent's PATCH, a resolution) got in between: read again and re-decide. */
const ATTEMPTS = 4;

/** Dedup keys applied side by side within one batch; each key's events stay strictly in order. */
const CONCURRENT_KEYS = 8;

/**
 * Applies recorded events to incidents. The table's stream delivers the events of one dedup key
 * (one partition) in the order they were recorded. A batch is split by partition: each key's
 * events are applied one after the other, different keys side by side. On a failure, the lowest
 * failed sequence number is reported and the stream retries from there; events after it that
 * were applied already are recognised on the retry (markApplied) and not applied twice.
 */
export const handler = withLogContext(applyAlertEvents);
async function applyAlertEvents(event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> {
  const byPartition = new Map<string, DynamoDBRecord[]>();
  for (const record of event.Records) {
    if (record.eventName !== 'INSERT' || record.dynamodb?.NewImage === undefined) continue;
    const partition = JSON.stringify(record.dynamodb.Keys?.pk);
    byPartition.set(partition, [...(byPartition.get(partition) ?? []), record]);
  }
  const failed: string[] = [];
  const queues = [...byPartition.values()];
  const worker = async () => {
    for (let records = queues.shift(); records !== undefined; records = queues.shift()) {
      for (const record of records) {
        const stored = eventFromItem(unmarshall(record.dynamodb?.NewImage as Record<string, AttributeValue>));
        try {
          await applyEvent(stored);
        } catch (error) {
          log.error('event not applied; it will be retried', { eventId: stored.eventId, dedupKey: stored.dedupKey, error });
          failed.push(record.dynamodb?.SequenceNumber ?? '0');
          break; // the rest of this key waits for the retry, in order
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENT_KEYS, queues.length) }, worker));
  if (failed.length === 0) return { batchItemFailures: [] };
  const lowest = failed.reduce((a, b) => (BigInt(a) <= BigInt(b) ? a : b));
  return { batchItemFailures: [{ itemIdentifier: lowest }] };
}

class Retry extends Error {}

export async function applyEvent(event: StoredEvent): Promise<EventOutcome | 'duplicate'> {
  try {
    return await retryOnConflict(
      async (attempt) => {
        const outcome = await decide(event);
        log.info('event applied', { eventId: event.eventId, action: event.action, outcome, attempt });
        return outcome;
      },
      { attempts: ATTEMPTS, isConflict: (error) => error instanceof TransactionRefused && !error.has(EVENT_APPLIED_ITEM) },
    );
  } catch (error) {
    if (!(error instanceof TransactionRefused)) throw error;
    // Every transaction applying the event marks it applied: if that failed, the event was applied before.
    if (error.has(EVENT_APPLIED_ITEM)) return 'duplicate';
    throw new Retry(`event ${event.eventId}: state kept changing (${error.message})`);
  }
}

async function decide(event: StoredEvent): Promise<EventOutcome> {
  const { pointer, service } = await getPointerAndService(event.scope, event.dedupKey, event.service);
  const now = new Date().toISOString();
  if (pointer === undefined) {
    if (event.action === 'trigger') return open(event, service, now);
    // Acknowledge, resolve or a state note for a key with no open incident: nothing to act on.
    log.info('event dropped: no open incident has this dedup key', { eventId: event.eventId, action: event.action, dedupKey: event.dedupKey });
    await markDropped(event, now);
    return 'dropped';
  }
  const { incident, alertItem } = await getIncidentRecord(pointer.incidentId);
  if (incident === undefined || alertItem === undefined) {
    throw new Error(`dedup pointer names incident ${pointer.incidentId}, which has no alert state`);
  }
  const target: Target = { incident, alert: alertStateFromItem(alertItem), pointer };
  switch (event.action) {
    case 'trigger':
      return commit(event, 'occurrence', target, { occurrences: 1 });
    case 'acknowledge':
      return acknowledge(event, target, now);
    case 'resolve':
      return resolve(event, target, now);
    case 'record':
      return commit(event, 'recorded', target, {});
  }
}

async function open(event: StoredEvent, service: ServiceRouting | undefined, now: string): Promise<EventOutcome> {
  if (event.service !== undefined && service === undefined) {
    // Never lose an alert over routing: open it without the service, and say so. A service being
    // deleted counts as unknown: naming it could leave the incident pointing at nothing.
    log.warn('event names an unknown service (or one being deleted); opening the incident without it', { eventId: event.eventId, service: event.service });
  }
  const [settings, slaConfig] = await Promise.all([allocateIncidentNumber(), loadSlaConfig()]);
  const { impact, urgency } = impactAndUrgency(event.severity, service?.severityMapping);
  const actor = { userId: event.sender };
  const opened = openIncident(
    {
      title: titleOf(event),
      description: describeEvent(event),
      impact,
      urgency,
      caller: event.sender,
      ...(service === undefined || event.service === undefined ? {} : { service: event.service }),
      ...(service?.ownerGroup === undefined ? {} : { assignmentGroup: service.ownerGroup }),
      ...(event.configurationItem === undefined ? {} : { configurationItem: event.configurationItem }),
    },
    { id: newId(), sequence: settings.sequence, actor, now: new Date(now), matrix: settings.matrix },
  );
  const withDedup: Incident = { ...opened, dedupKey: event.dedupKey, dedupScope: event.scope };
  const created = incidentWrite({
    after: withDedup,
    actor: event.sender,
    changes: creationChanges(withDedup),
    now: new Date(now),
    slaConfig,
    escalateAtOnce: service?.urgent === true,
  });
  const incident: Incident = created.incident;
  const state: AlertState = {
    source: event.source,
    dedupKey: event.dedupKey,
    occurrences: 1,
    firstSeenAt: event.receivedAt,
    lastSeenAt: event.receivedAt,
    ...(event.severity === undefined ? {} : { lastSeverity: event.severity }),
    recent: [occurrenceOf(event)],
    revision: 1,
  };
  await transactWrite([
    markApplied(event, 'opened', now, incident.id),
    // Exactly one incident per open dedup key: this condition, not a read, decides who opens it.
    pointerPut(event.scope, event.dedupKey, { incidentId: incident.id, number: incident.number, openedAt: now }),
    ...created.items,
    alertStatePut(incident.id, state),
    // The service must still be there, not being deleted, and owned by the group assigned, at
    // commit: otherwise the incident could name a service or group whose delete already looked.
    // A refusal re-decides from a fresh read, which opens it without a service it cannot name.
    ...(incident.service === undefined
      ? []
      : [
          directoryRecordLive(
            serviceKey(incident.service),
            now,
            incident.assignmentGroup === undefined
              ? undefined
              : { expression: 'ownerGroup = :ownerGroup', values: { ':ownerGroup': incident.assignmentGroup } },
          ),
        ]),
  ]);
  return 'opened';
}

/** The open incident of the event's dedup key, as read before deciding. */
interface Target {
  incident: Incident;
  alert: AlertState;
  pointer: Pointer;
}

async function acknowledge(event: StoredEvent, target: Target, now: string): Promise<EventOutcome> {
  const { incident } = target;
  if (incident.status !== 'new') return commit(event, 'recorded', target, {});
  const { next, changes } = applyPatch(incident, { status: 'in_progress' }, { actor: { userId: event.sender }, now: new Date(now) });
  return commit(
    event,
    'acknowledged',
    target,
    { acknowledgedBy: event.sender, acknowledgedAt: now },
    incidentWrite({ before: incident, after: next, actor: event.sender, changes, now: new Date(now) }).items,
  );
}

/** The lifecycle's path to resolved: from new and on_hold through in_progress, as an agent would go. */
const PATH_TO_RESOLVED: Partial<Record<IncidentStatus, IncidentStatus[]>> = {
  new: ['in_progress', 'resolved'],
  in_progress: ['resolved'],
  on_hold: ['in_progress', 'resolved'],
};

async function resolve(event: StoredEvent, target: Target, now: string): Promise<EventOutcome> {
  const { incident } = target;
  const path = PATH_TO_RESOLVED[incident.status];
  const close = pointerDelete(event.scope, event.dedupKey, incident.id);
  if (path === undefined) return commit(event, 'recorded', target, {}, [close]);
  const context = { actor: { userId: event.sender }, now: new Date(now) };
  let next = incident;
  for (const status of path) {
    const patch =
      status === 'resolved'
        ? { status, resolutionCode: 'auto_resolved' as const, resolutionNotes: event.summary ?? `Resolved by ${event.sender}` }
        : { status };
    next = applyPatch(next, patch, context).next;
  }
  // One write and one history record for the whole path, at the next version.
  next = { ...next, version: incident.version + 1 };
  const changes = diffIncidents(incident, next);
  return commit(event, 'resolved', target, {}, [
    ...incidentWrite({ before: incident, after: next, actor: event.sender, changes, now: new Date(now) }).items,
    close,
  ]);
}

/**
 * One transaction: the event marked applied (first), the alert state with this event in its log,
 * the pointer still naming the incident, and whatever else the action changes.
 */
async function commit(
  event: StoredEvent,
  outcome: EventOutcome,
  { incident, alert: current, pointer }: Target,
  change: { occurrences?: number; acknowledgedBy?: string; acknowledgedAt?: string },
  extra: TransactItem[] = [],
): Promise<EventOutcome> {
  const revision = current.revision;
  const state: AlertState = {
    ...current,
    occurrences: current.occurrences + (change.occurrences ?? 0),
    lastSeenAt: event.action === 'trigger' ? event.receivedAt : current.lastSeenAt,
    ...(event.action === 'trigger' && event.severity !== undefined ? { lastSeverity: event.severity } : {}),
    ...(change.acknowledgedBy === undefined ? {} : { acknowledgedBy: change.acknowledgedBy, acknowledgedAt: change.acknowledgedAt }),
    recent: appendOccurrence(current.recent, occurrenceOf(event)),
    revision,
  };
  const removesPointer = extra.some((item) => item.Delete !== undefined);
  await transactWrite([
    markApplied(event, outcome, new Date().toISOString(), incident.id),
    alertStateReplace(incident.id, state, revision),
    ...(removesPointer ? [] : [pointerCheck(event.scope, event.dedupKey, pointer.incidentId)]),
    ...extra,
  ]);
  return outcome;
}
