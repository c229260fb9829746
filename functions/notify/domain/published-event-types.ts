import { CHANGE_EVENT_TYPES } from '../../changes/domain/events.ts';
import { INCIDENT_EVENT_TYPES } from '../../incidents/domain/events.ts';

/**
 * Every detail-type the product publishes, incidents' (SLA ones included) and change requests',
 * and so every `eventType` a notification can carry: what a subscription filter may name.
 */
export const PUBLISHED_EVENT_TYPES = [...INCIDENT_EVENT_TYPES, ...CHANGE_EVENT_TYPES] as const;
export type PublishedEventType = (typeof PUBLISHED_EVENT_TYPES)[number];
