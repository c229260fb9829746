import * as z from 'zod';
import { EVENT_SOURCE } from '../../shared/events.ts';
import { CLOUDWATCH_ALARM_DETAIL_TYPE, PRODUCT_DETAIL_TYPES } from '../rules.ts';
import { type AlertAction, type AlertEvent, detailsFrom, detailsOf, SEVERITIES, type Severity } from './alert-event.ts';
import { memberOf, type ScannedJson } from './json-text.ts';

/** What EventBridge delivers to a target: the envelope around `detail`. */
export const busEnvelope = z.looseObject({
  id: z.string().min(1),
  'detail-type': z.string(),
  source: z.string(),
  account: z.string().optional(),
  time: z.string().optional(),
  region: z.string().optional(),
  resources: z.array(z.string()).optional(),
  detail: z.unknown(),
});
export type BusEnvelope = z.output<typeof busEnvelope>;

const link = z.strictObject({ href: z.string().min(1).max(2048), text: z.string().max(1024).optional() });

/**
 * `detail` of the product's own events (`Incident Trigger`, `Incident Acknowledge`, `Incident
 * Resolve`). Published as JSON Schema in docs/schemas/ for senders to validate against.
 */
export const incidentEventDetail = z
  .strictObject({
    dedupKey: z.string().min(1).max(255).describe('Identifies the problem: events with the same key and service act on one open incident'),
    title: z.string().trim().min(1).max(1024).optional().describe('Required to trigger; the incident title (first 200 characters)'),
    severity: z.enum(SEVERITIES).optional().describe('Required to trigger; maps to impact and urgency per service'),
    service: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]{0,62}$/)
      .describe('Name of an existing service'),
    configurationItem: z
      .string()
      .trim()
      .min(1)
      .max(200)
      .optional()
      .describe(
        "The configuration item at fault. A CI's id or external id (ARN) names that CI: the incident opened lists it in configurationItems, with the services it impacts; any other text is kept as the incident's free-text configurationItem",
      ),
    details: z.record(z.string(), z.unknown()).optional().describe('Free-form facts, kept with the event and shown on the incident'),
    links: z.array(link).max(50).optional(),
  })
  .meta({ id: 'IncidentEventDetail', title: 'Detail of Incident Trigger / Acknowledge / Resolve events' });

const ACTION_OF_DETAIL_TYPE: Record<(typeof PRODUCT_DETAIL_TYPES)[number], AlertAction> = {
  'Incident Trigger': 'trigger',
  'Incident Acknowledge': 'acknowledge',
  'Incident Resolve': 'resolve',
};

export type Classified = { ok: true; event: AlertEvent } | { ok: false; reason: string };

/** Turns a bus event into an AlertEvent, or says why it cannot be one. */
export function classifyBusEvent(envelope: BusEnvelope, receivedAt: string, text: ScannedJson): Classified {
  const detailType = envelope['detail-type'];
  // The product publishes its domain events on this bus; whatever carries its source is never taken
  // back in, whichever rule let it through.
  if (envelope.source === EVENT_SOURCE) return { ok: false, reason: `events from source '${EVENT_SOURCE}' are the product's own and never ingested` };
  if ((PRODUCT_DETAIL_TYPES as readonly string[]).includes(detailType)) return fromProductEvent(envelope, receivedAt, text);
  if (detailType === CLOUDWATCH_ALARM_DETAIL_TYPE && envelope.source === 'aws.cloudwatch') return fromAlarmStateChange(envelope, receivedAt, text);
  return { ok: false, reason: `no ingestion rule handles detail-type '${detailType}' from '${envelope.source}'` };
}

function fromProductEvent(envelope: BusEnvelope, receivedAt: string, text: ScannedJson): Classified {
  const parsed = incidentEventDetail.safeParse(envelope.detail);
  if (!parsed.success) {
    return { ok: false, reason: parsed.error.issues.map((i) => `${i.path.join('.') || 'detail'}: ${i.message}`).join('; ') };
  }
  const detail = parsed.data;
  const action = ACTION_OF_DETAIL_TYPE[envelope['detail-type'] as keyof typeof ACTION_OF_DETAIL_TYPE];
  if (action === 'trigger' && (detail.title === undefined || detail.severity === undefined)) {
    return { ok: false, reason: 'Incident Trigger needs title and severity' };
  }
  return {
    ok: true,
    event: {
      eventId: envelope.id,
      source: 'eventbridge',
      action,
      dedupKey: detail.dedupKey,
      service: detail.service,
      sender: `eventbridge:${envelope.source}`,
      receivedAt,
      origin: envelope.source,
      ...(detail.title === undefined ? {} : { summary: detail.title }),
      ...(detail.severity === undefined ? {} : { severity: detail.severity }),
      ...(detail.configurationItem === undefined ? {} : { configurationItem: detail.configurationItem }),
      ...detailsFrom(text, memberOf(memberOf(text.root, 'detail'), 'details')),
      ...(detail.links === undefined ? {} : { links: detail.links }),
      ...(envelope.time === undefined ? {} : { occurredAt: envelope.time }),
      rawJson: text.text,
    },
  };
}

const alarmDetail = z.looseObject({
  alarmName: z.string().min(1),
  state: z.looseObject({ value: z.enum(['ALARM', 'OK', 'INSUFFICIENT_DATA']), reason: z.string().optional(), timestamp: z.string().optional() }),
  previousState: z.looseObject({ value: z.string().optional() }).optional(),
  configuration: z.looseObject({ description: z.string().optional(), metrics: z.array(z.unknown()).optional() }).optional(),
});

const ACTION_OF_ALARM_STATE: Record<'ALARM' | 'OK' | 'INSUFFICIENT_DATA', AlertAction> = {
  ALARM: 'trigger',
  OK: 'resolve',
  INSUFFICIENT_DATA: 'record',
};

/**
 * Routing hints in the alarm description, since alarm events carry no tags:
 * `itsm:service=<service name>` and `itsm:severity=<critical|error|warning|info>` (default critical).
 */
export function alarmHints(description: string | undefined): { service?: string; severity: Severity } {
  const service = /\bitsm:service=([a-z0-9][a-z0-9-]{0,62})\b/.exec(description ?? '')?.[1];
  const severity = /\bitsm:severity=(critical|error|warning|info)\b/.exec(description ?? '')?.[1] as Severity | undefined;
  return { ...(service === undefined ? {} : { service }), severity: severity ?? 'critical' };
}

/** CloudWatch: ALARM triggers, OK resolves, INSUFFICIENT_DATA is recorded; the alarm ARN is the dedup key. */
function fromAlarmStateChange(envelope: BusEnvelope, receivedAt: string, text: ScannedJson): Classified {
  const parsed = alarmDetail.safeParse(envelope.detail);
  if (!parsed.success) return { ok: false, reason: `not a CloudWatch alarm state change: ${parsed.error.issues[0]?.message ?? 'invalid'}` };
  const detail = parsed.data;
  const alarmArn = envelope.resources?.[0] ?? `alarm:${envelope.account ?? 'unknown'}:${envelope.region ?? 'unknown'}:${detail.alarmName}`;
  const hints = alarmHints(detail.configuration?.description);
  const state = detail.state.value;
  const metrics = detail.configuration?.metrics;
  return {
    ok: true,
    event: {
      eventId: envelope.id,
      source: 'cloudwatch',
      action: ACTION_OF_ALARM_STATE[state],
      dedupKey: alarmArn,
      ...(hints.service === undefined ? {} : { service: hints.service }),
      sender: `eventbridge:${envelope.source}`,
      receivedAt,
      summary:
        state === 'ALARM'
          ? `${detail.alarmName} is in ALARM`
          : `${detail.alarmName} is ${state}${detail.state.reason === undefined ? '' : `: ${detail.state.reason}`}`,
      severity: hints.severity,
      origin: alarmArn,
      ...detailsOf({
        alarmName: detail.alarmName,
        state,
        ...(detail.previousState?.value === undefined ? {} : { previousState: detail.previousState.value }),
        ...(detail.state.reason === undefined ? {} : { reason: detail.state.reason }),
        ...(detail.configuration?.description === undefined ? {} : { description: detail.configuration.description }),
        ...(metrics === undefined ? {} : { metrics }),
        ...(envelope.account === undefined ? {} : { account: envelope.account }),
        ...(envelope.region === undefined ? {} : { region: envelope.region }),
      }),
      ...(detail.state.timestamp === undefined ? {} : { occurredAt: detail.state.timestamp }),
      rawJson: text.text,
    },
  };
}
