import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { type OutboxRecord, type OutboxSubject, outboxSubject } from '../../shared/domain/outbox.ts';
import { log, withLogContext } from '../../shared/log.ts';
import { unmarshall } from '../../shared/store/attribute-values.ts';
import type { AttributeValue } from '../../shared/store/dynamodb.ts';
import { type OutboxKey, outboxKeyId } from '../../shared/store/outbox.ts';
import { TIMER_SUBJECT_KINDS, type TimerMoves, type TimerSubjectKind } from '../../sla/domain/timers.ts';
import { publishEvent } from '../sinks/event-bus.ts';
import { moveTimers } from '../sinks/timers.ts';
import { publishNotification } from '../sinks/topics.ts';
import { deliveredSinks, markDelivered, type Sink } from '../store/outbox-store.ts';

/*
 * The publisher knows no area: every record is the shared envelope (shared/domain/outbox.ts) and
 * names its subject as `<kind>Id` beside `detail.<kind>` (an incident's, a change request's, ...).
 */

/** An outbox item as the stream carries it: any area's record, with its key, and SLA timers when its change moved them. */
type StoredRecord = OutboxRecord & OutboxKey & { timers?: TimerMoves };

/** A well-formed record and its subject, as malformation() checked them. */
interface Deliverable {
  record: StoredRecord;
  subject: OutboxSubject & { id: string; summary: { number: string; version: number } };
}

const DELIVER: Readonly<Record<Sink, (entry: Deliverable) => Promise<void>>> = {
  events: ({ record }) => publishEvent(record),
  notifications: ({ record }) => publishNotification(record),
  // Timers belong to the record's subject (an incident, a fulfilment task) and carry its version;
  // a record without timers (every change request's) moves none.
  timers: async ({ record, subject }) => {
    if (record.timers !== undefined) await moveTimers({ kind: subject.kind as TimerSubjectKind, id: subject.id }, subject.summary.version, record.timers);
  },
};
const ORDER: readonly Sink[] = ['timers', 'events', 'notifications'];

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isText = (value: unknown): value is string => typeof value === 'string' && value !== '';
const isInstant = (value: unknown) => typeof value === 'string' && !Number.isNaN(Date.parse(value));

/**
 * What is wrong with an item the sinks could not deliver whatever the retry (a path and what it
 * lacks), or undefined. Only what the sinks read is checked, so records written by earlier
 * versions of the product (older detail schema versions, replayed from the failure bucket) still go.
 */
export function malformation(item: Record<string, unknown>): string | undefined {
  if (!isText(item.pk) || !isText(item.sk)) return 'pk, sk: not the key of a table item';
  if (!isText(item.eventId)) return 'eventId: missing';
  const { detail, notification, timers } = item;
  if (!isObject(detail)) return 'detail: missing';
  if (!isText(detail.type)) return 'detail.type: missing';
  if (!isInstant(detail.occurredAt)) return 'detail.occurredAt: not an instant';
  const subject = outboxSubject(item);
  if (subject === undefined) return '<kind>Id beside detail.<kind> (incidentId, changeId, ...): missing';
  if (!isText(subject.id)) return `${subject.kind}Id: missing`;
  if (!isText(subject.summary.number)) return `detail.${subject.kind}.number: missing`;
  if (!Number.isInteger(subject.summary.version)) return `detail.${subject.kind}.version: not an integer`;
  if (!isObject(notification)) return 'notification: missing';
  if (notification.topic !== 'notifications' && notification.topic !== 'majorIncident') return 'notification.topic: not a topic';
  if (typeof notification.subject !== 'string' || typeof notification.text !== 'string') return 'notification.subject, text: missing';
  if (!isObject(notification.attributes) || !Object.values(notification.attributes).every((v) => typeof v === 'string')) {
    return 'notification.attributes: not a map of strings';
  }
  if (timers !== undefined) {
    if (!(TIMER_SUBJECT_KINDS as readonly string[]).includes(subject.kind)) return `timers: a ${subject.kind} has no SLA timers`;
    if (!isObject(timers) || !Array.isArray(timers.set) || !Array.isArray(timers.clear)) return 'timers: not { set, clear }';
    const badTimer = timers.set.findIndex(
      (t: unknown) => !isObject(t) || !isText(t.clock) || !Number.isInteger(t.threshold) || !Number.isInteger(t.timerVersion) || !isInstant(t.at),
    );
    if (badTimer >= 0) return `timers.set.${badTimer}: not a timer`;
    if (!timers.clear.every(isText)) return 'timers.clear: not schedule names';
  }
  return undefined;
}

type BatchEntry =
  | ({ readonly sequenceNumber: string } & Deliverable)
  | { readonly sequenceNumber: string; readonly malformation: string; readonly key: { pk?: unknown; sk?: unknown } };

function readItem(sequenceNumber: string, image: Record<string, AttributeValue>): BatchEntry {
  let item: Record<string, unknown>;
  try {
    item = unmarshall(image);
  } catch {
    return { sequenceNumber, malformation: 'the image is not DynamoDB JSON', key: {} };
  }
  const found = malformation(item);
  if (found !== undefined) return { sequenceNumber, malformation: found, key: { pk: item.pk, sk: item.sk } };
  return { sequenceNumber, record: item as unknown as StoredRecord, subject: outboxSubject(item) as Deliverable['subject'] };
}

/**
 * Publishes committed outbox records, strictly in stream order: one after the other, and at the
 * first failure the rest of the batch waits for the retry (reported from that record on), so
 * nothing committed is skipped. A record whose later sink failed has its earlier sinks marked (on
 * the stored item's own key, whichever record it is), so the retry does not publish to them twice.
 *
 * A malformed item, which no retry can deliver, does not hold the others: it is logged with its
 * key, reported as failed (so Lambda retries it, then writes it to the failure bucket with an
 * alarm) and the records after it are delivered now and marked delivered, because the retry from
 * the failed record hands them over again. Timers carry the incident version that set them (see
 * sinks/timers.ts), so delivering a record ahead of an earlier one never moves timers backwards.
 */
export const handler = withLogContext(publishOutbox);
async function publishOutbox(event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> {
  const batch = event.Records.filter((r) => r.eventName === 'INSERT' && r.dynamodb?.NewImage !== undefined).map((r) =>
    readItem(r.dynamodb?.SequenceNumber ?? '0', r.dynamodb?.NewImage as Record<string, AttributeValue>),
  );
  if (batch.length === 0) return { batchItemFailures: [] };
  const delivered = await deliveredSinks(batch.flatMap((b) => ('record' in b ? [b.record] : [])));

  const failures: DynamoDBBatchResponse['batchItemFailures'] = [];
  for (const entry of batch) {
    const { sequenceNumber } = entry;
    if (!('record' in entry)) {
      log.error('outbox item malformed, not published; reported as failed, it goes to the failure bucket once its retries are spent', {
        ...entry.key,
        sequenceNumber,
        malformation: entry.malformation,
      });
      failures.push({ itemIdentifier: sequenceNumber });
      continue;
    }
    const { record, subject } = entry;
    const done = delivered.get(outboxKeyId(record)) ?? new Set<Sink>();
    const doneNow: Sink[] = [];
    try {
      for (const sink of ORDER) {
        if (done.has(sink)) continue;
        await DELIVER[sink](entry);
        doneNow.push(sink);
      }
    } catch (error) {
      log.error('outbox record not published; it will be retried', { pk: record.pk, sk: record.sk, eventId: record.eventId, type: record.detail.type, error });
      await markAll(record, doneNow);
      failures.push({ itemIdentifier: sequenceNumber });
      return { batchItemFailures: failures };
    }
    // After a malformed item the retry starts before this record: it must find it delivered.
    if (failures.length > 0) await markAll(record, doneNow);
    log.info('published', { eventId: record.eventId, type: record.detail.type, [subject.kind]: subject.summary.number });
  }
  return { batchItemFailures: failures };
}

async function markAll(record: StoredRecord, sinks: readonly Sink[]): Promise<void> {
  await Promise.all(sinks.map((sink) => markDelivered(record, sink))).catch((markError: unknown) =>
    log.warn('could not mark delivered sinks; the retry may publish them again (consumers dedupe on eventId)', {
      eventId: record.eventId,
      error: markError,
    }),
  );
}
