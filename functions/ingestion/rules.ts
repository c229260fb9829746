import { EVENT_SOURCE } from '../shared/events.ts';

/**
 * The rules of the ingestion event bus, in one place: the CDK stack turns each into an
 * EventBridge rule targeting the ingestion queue, and the local EventBridge endpoint matches
 * PutEvents entries against the same patterns before handing them to the same handler.
 */
export interface IngestionRule {
  /** Construct id in CDK, and the rule's name in local logs. */
  readonly id: string;
  readonly description: string;
  /** An EventBridge event pattern (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html). */
  readonly eventPattern: Readonly<Record<string, unknown>>;
}

/** The product's own event types: `detail` carries dedupKey, title, severity, service, ... */
export const PRODUCT_DETAIL_TYPES = ['Incident Trigger', 'Incident Acknowledge', 'Incident Resolve'] as const;

export const CLOUDWATCH_ALARM_DETAIL_TYPE = 'CloudWatch Alarm State Change';

/**
 * Everything other accounts may put on the ingestion bus (its resource policy names these
 * detail-types and refuses the product's own source): the product's domain events share the bus,
 * and their subscribers must be able to trust `source` and `detail-type`.
 */
export const INGESTION_DETAIL_TYPES = [...PRODUCT_DETAIL_TYPES, CLOUDWATCH_ALARM_DETAIL_TYPE] as const;

export const INGESTION_RULES: readonly IngestionRule[] = [
  {
    id: 'ProductEvents',
    description: "Incident Trigger / Acknowledge / Resolve events, from any source but the product's own",
    // The product publishes its domain events on the same bus: never take them back in.
    eventPattern: { source: [{ 'anything-but': [EVENT_SOURCE] }], 'detail-type': [...PRODUCT_DETAIL_TYPES] },
  },
  {
    id: 'CloudWatchAlarms',
    description: 'CloudWatch alarm state changes: ALARM triggers, OK resolves, INSUFFICIENT_DATA is recorded',
    eventPattern: { source: ['aws.cloudwatch'], 'detail-type': [CLOUDWATCH_ALARM_DETAIL_TYPE] },
  },
];
