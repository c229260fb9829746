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
} from '../../shared/domain/outbox.ts';
import type { CatalogItem } from './catalog.ts';
import type { RequestEventType } from './events.ts';

/*
 * The catalog's events (Catalog Item Created / Updated / Deleted), through the same outbox as the
 * requests' (./events.ts holds the vocabulary). No free text leaves: an item's name, description,
 * form and task descriptions are named in `changes`, never shown; its id, category, version and
 * whether it is active are.
 */

export type CatalogEventType = Extract<RequestEventType, 'Catalog Item Created' | 'Catalog Item Updated' | 'Catalog Item Deleted'>;

/** The item as events show it; `number` is its id (the publisher reads a subject's number and version). */
export interface CatalogItemSummary {
  id: string;
  number: string;
  category: string;
  active: boolean;
  version: number;
}

export interface CatalogEventDetail extends EventDetail<CatalogEventType> {
  catalogItem: CatalogItemSummary;
  changes?: PublishedFieldDiff[];
}

/** `catalogItemId` beside `detail.catalogItem` is how the publisher finds its subject (outboxSubject). */
export interface CatalogOutboxRecord extends OutboxRecord<CatalogEventDetail> {
  catalogItemId: string;
  notification: Notification<CatalogEventType> & { topic: 'notifications' };
}

/** Fields whose values hold no free text. */
export const CATALOG_PUBLISH_RULES: PublishRules = {
  fields: Object.fromEntries(['category', 'active', 'slaPolicy'].map((field) => [field, 'value' as const])),
};

export function catalogEventRecord(input: {
  eventId: string;
  type: CatalogEventType;
  /** The item after the write; as it was for a deletion. */
  item: CatalogItem;
  actor: string;
  occurredAt: string;
  changes?: FieldDiff[];
}): CatalogOutboxRecord {
  const { item, type } = input;
  const detail: CatalogEventDetail = {
    ...eventDetailHead(type, input),
    catalogItem: { id: item.id, number: item.id, category: item.category, active: item.active, version: item.version },
    ...(input.changes === undefined ? {} : { changes: publishedFieldDiffs(input.changes, CATALOG_PUBLISH_RULES) }),
  };
  const what = type === 'Catalog Item Created' ? 'New catalog item' : type === 'Catalog Item Deleted' ? 'Catalog item withdrawn' : 'Catalog item changed';
  return {
    eventId: input.eventId,
    catalogItemId: item.id,
    detail,
    notification: {
      topic: 'notifications',
      subject: notificationSubject(`${type}: ${item.id}`),
      // Nobody by name: subscriptions filter on eventType.
      recipients: { users: [], groups: [] },
      text: `${what}: ${item.id} (${item.category}), version ${item.version}${
        detail.changes === undefined || detail.changes.length === 0 ? '' : `: ${detail.changes.map((change) => change.field).join(', ')}`
      }`,
      attributes: { eventType: type, priority: '-', assignmentGroup: '-', service: '-' },
    },
  };
}
