import type { QueueHeadDefinition } from '../shared/domain/queue-heads.ts';
import { INCIDENT_FIELD_ORDER } from './domain/field-order.ts';

/** What a list reads of an incident: its fields (the alert is an item of its own), none of its keys. */
export const INCIDENT_LIST_ATTRIBUTES = INCIDENT_FIELD_ORDER.filter((field) => field !== 'alert');

/**
 * The incident queues whose first page is kept as one item (functions/shared/domain/queue-heads.ts):
 * GET /incidents?status=<one status> and GET /incidents, newest first. A queue narrowed further
 * (a group's new incidents) reads its index.
 */
export const INCIDENT_HEADS: readonly QueueHeadDefinition[] = [
  {
    name: 'incidents by status',
    recordSortKey: 'INCIDENT',
    index: 'gsi2',
    partition: { prefix: 'INCIDENT#STATUS#' },
    descending: true,
    attributes: INCIDENT_LIST_ATTRIBUTES,
    jsonAttributes: ['sla'],
  },
  {
    name: 'every incident',
    recordSortKey: 'INCIDENT',
    index: 'gsi1',
    partition: { exact: 'INCIDENT' },
    descending: true,
    attributes: INCIDENT_LIST_ATTRIBUTES,
    jsonAttributes: ['sla'],
  },
];
