import type { FieldDiff } from '../../shared/domain/audit.ts';
import {
  type EventDetail,
  eventDetailHead,
  type Notification,
  notificationSubject,
  type OutboxRecord,
  type PublishedFieldDiff,
  type PublishRules,
  publishedFieldDiffs,
  type Recipients,
} from '../../shared/domain/outbox.ts';
import { type Ci, type CiSummary, SERVICE_CLASS, summarizeCi } from './ci.ts';
import type { RelationshipOrigin, RelationshipType } from './relationship-types.ts';

/*
 * What the CMDB tells the world, through the same transactional outbox as the work areas
 * (shared/domain/outbox.ts): every committed write of a CI or of its relationships writes one
 * outbox record in its transaction, in the CI's partition, and the publisher turns it, unchanged,
 * into one EventBridge event and one SNS notification.
 *
 * CI_EVENT_TYPES is the area's whole vocabulary: the relationship slice adds its types here.
 */

export const CI_EVENT_TYPES = ['CI Created', 'CI Updated', 'CI Retired', 'CI Deleted', 'CI Relationship Added', 'CI Relationship Removed'] as const;
export type CiEventType = (typeof CI_EVENT_TYPES)[number];

/**
 * The CI as events show it. `number` is the CI's id (a service's name): CIs have no separate human
 * number, and every published record names one (the publisher logs and checks it). `version` is
 * the CI's version after the write: order one CI's events by it.
 */
export interface CiEventSummary extends CiSummary {
  number: string;
  version: number;
}

export interface CiEventDetail extends EventDetail<CiEventType> {
  ci: CiEventSummary;
  changes?: PublishedFieldDiff[];
  /** CI Deleted: how many relationships went with it. */
  relationshipsRemoved?: number;
  /**
   * CI Relationship Added / Removed: the relationship as `ci` names it (its type from that end and
   * the CI at the other), and who made the change: `manual` through the API, or the AWS feed.
   */
  relationship?: { type: RelationshipType; target: string; origin: RelationshipOrigin };
  /** CI Relationship Added / Removed: the CI at the other end (absent if its record is gone). */
  relatedCi?: CiSummary;
}

export type CiNotification = Notification<CiEventType> & { topic: 'notifications' };

export interface CiOutboxRecord extends OutboxRecord<CiEventDetail> {
  ciId: string;
  notification: CiNotification;
}

/**
 * The fields whose values events carry: the class, states, directory names and identities.
 * `description` is free text and `attributes` can hold anything a resource's configuration says:
 * both are named alone (GET /cis/{id} has them).
 */
export const CI_PUBLISH_RULES: PublishRules = {
  fields: Object.fromEntries(['class', 'name', 'ownerGroup', 'environment', 'status', 'source', 'externalId', 'aws'].map((field) => [field, 'value' as const])),
};

export const ciEventSummary = (ci: Ci): CiEventSummary => ({ ...summarizeCi(ci), number: ci.id, version: ci.version });

/** The event of a write: Created, Retired (status to retired), Deleted, or Updated. */
export function ciEventType(before: Ci | undefined, after: Ci | undefined): CiEventType {
  if (before === undefined) return 'CI Created';
  if (after === undefined) return 'CI Deleted';
  if (before.status !== 'retired' && after.status === 'retired') return 'CI Retired';
  return 'CI Updated';
}

/** Nobody is notified by name: CMDB events are for systems and for subscriptions that filter on `eventType`. */
const NOBODY: Recipients = { users: [], groups: [] };

function text(type: CiEventType, ci: Ci, detail: Pick<CiEventDetail, 'changes' | 'relationshipsRemoved' | 'relationship' | 'relatedCi'>): string {
  const head = `${ci.class} ${ci.name} (${ci.id})`;
  switch (type) {
    case 'CI Created':
      return `New CI: ${head}`;
    case 'CI Updated':
      return `Updated: ${head}: ${(detail.changes ?? []).map((c) => c.field).join(', ')}`;
    case 'CI Retired':
      return `Retired: ${head}`;
    case 'CI Deleted':
      return `Deleted: ${head}${detail.relationshipsRemoved ? `, with ${detail.relationshipsRemoved} relationships` : ''}`;
    case 'CI Relationship Added':
    case 'CI Relationship Removed': {
      const other =
        detail.relatedCi === undefined ? detail.relationship?.target : `${detail.relatedCi.class} ${detail.relatedCi.name} (${detail.relatedCi.id})`;
      return `${type === 'CI Relationship Added' ? 'Related' : 'No longer related'}: ${head} ${detail.relationship?.type} ${other}`;
    }
  }
}

export function ciOutboxRecord(input: {
  eventId: string;
  type: CiEventType;
  /** The CI after the write; as it was for a deletion. */
  ci: Ci;
  actor: string;
  occurredAt: string;
  changes?: FieldDiff[];
  relationshipsRemoved?: number;
  relationship?: { type: RelationshipType; target: string; origin: RelationshipOrigin };
  /** The CI at the other end of the relationship, as read. */
  relatedCi?: Ci;
}): CiOutboxRecord {
  const { ci, type } = input;
  const detail: CiEventDetail = {
    ...eventDetailHead(type, input),
    ci: ciEventSummary(ci),
    ...(input.changes === undefined ? {} : { changes: publishedFieldDiffs(input.changes, CI_PUBLISH_RULES) }),
    ...(input.relationshipsRemoved === undefined ? {} : { relationshipsRemoved: input.relationshipsRemoved }),
    ...(input.relationship === undefined ? {} : { relationship: input.relationship }),
    ...(input.relatedCi === undefined ? {} : { relatedCi: summarizeCi(input.relatedCi) }),
  };
  return {
    eventId: input.eventId,
    ciId: ci.id,
    detail,
    notification: {
      topic: 'notifications',
      subject: notificationSubject(`${type}: ${ci.name}`),
      recipients: NOBODY,
      text: text(type, ci, detail),
      attributes: {
        eventType: type,
        priority: '-',
        assignmentGroup: ci.ownerGroup ?? '-',
        service: ci.class === SERVICE_CLASS ? ci.id : '-',
      },
    },
  };
}
