import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { serviceKey } from '../../directory/store/keys.ts';
import { directoryRecordLive } from '../../directory/store/references.ts';
import type { IncidentAlert } from '../../incidents/domain/incident.ts';
import {
  type AlertDedup,
  type AlertEntries,
  type AlertedIncident,
  acknowledgeIncidentFromAlert,
  configurationItemNamedBy,
  getAlertedIncident,
  openIncidentFromAlert,
  recordAlertOccurrence,
  resolveIncidentFromAlert,
} from '../../incidents/operations.ts';
import { log, withLogContext } from '../../shared/log.ts';
import { unmarshall } from '../../shared/store/attribute-values.ts';
import type { AttributeValue } from '../../shared/store/dynamodb.ts';
import { retryOnConflict } from '../../shared/store/retry.ts';
import { TransactionRefused, transactWrite } from '../../shared/store/transaction.ts';
import { applyInOrderPerKey } from '../../shared/stream/ordered-batch.ts';
import { appendOccurrence, describeEvent, impactAndUrgency, occurrenceOf, titleOf } from '../domain/alert-event.ts';
import {
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
  return applyInOrderPerKey(
    [...byPartition.values()].map((records) => ({
      entries: records.map((record) => ({ record, stored: eventFromItem(unmarshall(record.dynamodb?.NewImage as Record<string, AttributeValue>)) })),
    })),
    {
      concurrency: CONCURRENT_KEYS,
      sequenceNumberOf: ({ record }) => record.dynamodb?.SequenceNumber ?? '0',
      apply: async ({ stored }) => {
        await applyEvent(stored);
      },
      onFailure: ({ stored }, error) => log.error('event not applied; it will be retried', { eventId: stored.eventId, dedupKey: stored.dedupKey, error }),
    },
  );
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
  // A trigger's configuration item is looked up in the CMDB beside the pointer (the same round):
  // it opens an incident when no incident is open for its key.
  const [{ pointer, service }, ci] = await Promise.all([
    getPointerAndService(event.scope, event.dedupKey, event.service),
    event.action === 'trigger' && event.configurationItem !== undefined ? configurationItemNamedBy(event.configurationItem) : undefined,
  ]);
  const now = new Date().toISOString();
  if (pointer === undefined) {
    if (event.action === 'trigger') return open(event, service, ci, now);
    // Acknowledge, resolve or a state note for a key with no open incident: nothing to act on.
    log.info('event dropped: no open incident has this dedup key', { eventId: event.eventId, action: event.action, dedupKey: event.dedupKey });
    await markDropped(event, now);
    return 'dropped';
  }
  const target = await getAlertedIncident(pointer.incidentId);
  if (target === undefined) {
    throw new Error(`dedup pointer names incident ${pointer.incidentId}, which has no alert state`);
  }
  const dedup: AlertDedup = { scope: event.scope, dedupKey: event.dedupKey };
  const alert = nextAlertState(target.alert, event);
  const context = { actor: event.sender, now: new Date(now) };
  switch (event.action) {
    case 'trigger':
      return commit(event, 'occurrence', target, recordAlertOccurrence(target, alert, dedup));
    case 'acknowledge': {
      const acknowledged = acknowledgeIncidentFromAlert(target, alert, dedup, context);
      return commit(event, acknowledged.incidentChanged ? 'acknowledged' : 'recorded', target, acknowledged);
    }
    case 'resolve': {
      const resolved = resolveIncidentFromAlert(target, alert, dedup, { ...context, notes: event.summary ?? `Resolved by ${event.sender}` });
      return commit(event, resolved.incidentChanged ? 'resolved' : 'recorded', target, resolved);
    }
    case 'record':
      return commit(event, 'recorded', target, recordAlertOccurrence(target, alert, dedup));
  }
}

/**
 * `ci`: the CI the event's configuration item names (its id or ARN), which the incident names by
 * id, with the services it impacts; when it names none, the text is kept as the incident's free
 * `configurationItem`, as monitoring tools that know no CI ids send it.
 */
async function open(event: StoredEvent, service: ServiceRouting | undefined, ci: string | undefined, now: string): Promise<EventOutcome> {
  if (event.service !== undefined && service === undefined) {
    // Never lose an alert over routing: open it without the service, and say so. A service being
    // deleted counts as unknown: naming it could leave the incident pointing at nothing.
    log.warn('event names an unknown service (or one being deleted); opening the incident without it', { eventId: event.eventId, service: event.service });
  }
  const { impact, urgency } = impactAndUrgency(event.severity, service?.severityMapping);
  const { incident, items } = await openIncidentFromAlert({
    incident: {
      title: titleOf(event),
      description: describeEvent(event),
      impact,
      urgency,
      caller: event.sender,
      ...(service === undefined || event.service === undefined ? {} : { service: event.service }),
      ...(service?.ownerGroup === undefined ? {} : { assignmentGroup: service.ownerGroup }),
      ...(ci !== undefined ? { configurationItems: [ci] } : event.configurationItem === undefined ? {} : { configurationItem: event.configurationItem }),
    },
    dedup: { scope: event.scope, dedupKey: event.dedupKey },
    alert: {
      source: event.source,
      dedupKey: event.dedupKey,
      occurrences: 1,
      firstSeenAt: event.receivedAt,
      lastSeenAt: event.receivedAt,
      ...(event.severity === undefined ? {} : { lastSeverity: event.severity }),
      recent: [occurrenceOf(event)],
    },
    actor: event.sender,
    now: new Date(now),
    escalateAtOnce: service?.urgent === true,
  });
  await transactWrite([
    markApplied(event, 'opened', now, incident.id),
    // The incident, its alert state and the dedup pointer (refused when another event opened one first).
    ...items,
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

/** The alert state with this event in it: a trigger counts as an occurrence and is the last seen. */
function nextAlertState(current: IncidentAlert, event: StoredEvent): IncidentAlert {
  const trigger = event.action === 'trigger';
  return {
    ...current,
    occurrences: current.occurrences + (trigger ? 1 : 0),
    lastSeenAt: trigger ? event.receivedAt : current.lastSeenAt,
    ...(trigger && event.severity !== undefined ? { lastSeverity: event.severity } : {}),
    recent: appendOccurrence(current.recent, occurrenceOf(event)),
  };
}

/**
 * One transaction: the event marked applied (first), and what the incidents area's operation
 * gives for it (the alert state with this event in its log, the dedup pointer checked or deleted,
 * the incident's write when the event changes it).
 */
async function commit(event: StoredEvent, outcome: EventOutcome, { incident }: AlertedIncident, entries: AlertEntries): Promise<EventOutcome> {
  await transactWrite([markApplied(event, outcome, new Date().toISOString(), incident.id), ...entries.items]);
  return outcome;
}
