import type { IncidentAlert } from '../../incidents/domain/incident.ts';
import type { Level } from '../../incidents/domain/priority.ts';
import { type JsonSpan, type ScannedJson, storableValue, textOf } from './json-text.ts';

/**
 * An event from a monitoring tool or a service, whichever way it came in (PagerDuty Events v2 over
 * HTTP, the product's own EventBridge events, CloudWatch alarm state changes), in one shape. The
 * semantics follow PagerDuty's Events API v2 and OpsCenter: a trigger opens an incident or adds an
 * occurrence to the open one with the same dedup key; acknowledge and resolve act on that incident.
 */
export const SEVERITIES = ['critical', 'error', 'warning', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** `record`: noted on the open incident, opens nothing (CloudWatch INSUFFICIENT_DATA). */
export const ALERT_ACTIONS = ['trigger', 'acknowledge', 'resolve', 'record'] as const;
export type AlertAction = (typeof ALERT_ACTIONS)[number];

export type AlertSource = 'pagerduty' | 'eventbridge' | 'cloudwatch';

export interface Link {
  href: string;
  text?: string;
}

export interface Image {
  src: string;
  href?: string;
  alt?: string;
}

export interface AlertEvent {
  /** Unique per event; redelivering the same event id records and applies it once. */
  eventId: string;
  source: AlertSource;
  action: AlertAction;
  dedupKey: string;
  /** The service the dedup key is scoped to; absent when the event names none (CloudWatch). */
  service?: string;
  /** Who sent it: `integration:<id>` for HTTP, `eventbridge:<source>` for bus events. */
  sender: string;
  receivedAt: string;
  /** One line: the incident title on trigger, the resolution notes on resolve. */
  summary?: string;
  severity?: Severity;
  /** Where the problem is (PagerDuty `source`, a host or an ARN). */
  origin?: string;
  component?: string;
  group?: string;
  class?: string;
  configurationItem?: string;
  /** The sender's free-form facts, when a DynamoDB map holds them unchanged ... */
  details?: Record<string, unknown>;
  /** ... or else their JSON text exactly as sent (numbers beyond a double, empty keys, deep nesting). */
  detailsJson?: string;
  links?: Link[];
  images?: Image[];
  client?: string;
  clientUrl?: string;
  /** When the sender says it happened. */
  occurredAt?: string;
  /** The event's JSON text exactly as it arrived (a PagerDuty event without its routing key), kept for the retention period. */
  rawJson: string;
}

/** What the rules read of an event: everything but its raw text (which a large stored event keeps apart). */
export type AlertFacts = Omit<AlertEvent, 'rawJson'>;

export type SeverityMapping = Record<Severity, { impact: Level; urgency: Level }>;

/**
 * With the default priority matrix: critical -> P1, error -> P2, warning -> P3, info -> P4. Admins
 * override it per service (`severityMapping` on the service).
 */
export const DEFAULT_SEVERITY_MAPPING: SeverityMapping = {
  critical: { impact: 1, urgency: 1 },
  error: { impact: 1, urgency: 2 },
  warning: { impact: 2, urgency: 2 },
  info: { impact: 3, urgency: 3 },
};

export function impactAndUrgency(severity: Severity | undefined, mapping: Partial<SeverityMapping> | undefined) {
  const level = severity ?? 'info';
  return mapping?.[level] ?? DEFAULT_SEVERITY_MAPPING[level];
}

/** Events without a service share one dedup scope. */
export const NO_SERVICE_SCOPE = '-';
export const dedupScope = (event: Pick<AlertEvent, 'service'>): string => event.service ?? NO_SERVICE_SCOPE;

export const MAX_RECENT_OCCURRENCES = 20;

/** One line of an incident's bounded log of recent events. */
export interface Occurrence {
  eventId: string;
  at: string;
  action: AlertAction;
  severity?: Severity;
  summary?: string;
}

export const occurrenceOf = (event: AlertFacts): Occurrence => ({
  eventId: event.eventId,
  at: event.receivedAt,
  action: event.action,
  ...(event.severity === undefined ? {} : { severity: event.severity }),
  ...(event.summary === undefined ? {} : { summary: event.summary }),
});

/** A line of the log as the incident keeps it (its alert state): an Occurrence, read back. */
type IncidentAlertLine = IncidentAlert['recent'][number];

/** Newest last, at most MAX_RECENT_OCCURRENCES. */
export const appendOccurrence = (recent: readonly IncidentAlertLine[], occurrence: Occurrence): IncidentAlertLine[] =>
  [...recent, occurrence].slice(-MAX_RECENT_OCCURRENCES);

/** The incident description: what the sender said, readable in any ITSM console. */
export function describeEvent(event: AlertFacts): string {
  const lines: string[] = [];
  if (event.summary !== undefined) lines.push(event.summary);
  const facts: [string, string | undefined][] = [
    ['Source', event.origin],
    ['Component', event.component],
    ['Group', event.group],
    ['Class', event.class],
    ['Severity', event.severity],
    ['Sent by', event.client ?? event.sender],
    ['Client URL', event.clientUrl],
    ['Occurred at', event.occurredAt],
  ];
  const known = facts.filter((fact): fact is [string, string] => fact[1] !== undefined);
  if (known.length > 0) lines.push('', ...known.map(([label, value]) => `${label}: ${value}`));
  if (event.details !== undefined && Object.keys(event.details).length > 0) {
    lines.push('', 'Details:', JSON.stringify(event.details, null, 2));
  } else if (event.detailsJson !== undefined) {
    // As sent: re-serializing would round its numbers (or recurse through its nesting).
    lines.push('', 'Details:', event.detailsJson.slice(0, MAX_DESCRIPTION));
  }
  if (event.links !== undefined && event.links.length > 0) {
    lines.push('', 'Links:', ...event.links.map((link) => `- ${link.text === undefined ? link.href : `${link.text}: ${link.href}`}`));
  }
  return lines.join('\n').slice(0, MAX_DESCRIPTION);
}

const MAX_DESCRIPTION = 20_000;

/**
 * The details of an event, read from its JSON text: a map when DynamoDB holds it unchanged,
 * otherwise the text as sent.
 */
export function detailsFrom(scanned: ScannedJson, span: JsonSpan | undefined): Pick<AlertEvent, 'details' | 'detailsJson'> {
  if (span === undefined || span.kind !== 'object') return {};
  const text = textOf(scanned, span);
  return span.storable ? { details: JSON.parse(text) as Record<string, unknown> } : { detailsJson: text };
}

/** Details built in code (from fields of an event already parsed) follow the same rule. */
export const detailsOf = (details: Record<string, unknown>): Pick<AlertEvent, 'details' | 'detailsJson'> =>
  storableValue(details) ? { details } : { detailsJson: JSON.stringify(details) };

/** Incident titles are at most 200 characters; summaries may be longer (PagerDuty allows 1024). */
export const titleOf = (event: AlertFacts): string => {
  const title = (event.summary ?? `${event.source} event ${event.dedupKey}`).trim();
  return title.length <= 200 ? title : `${title.slice(0, 199)}…`;
};
