import type { FieldDiff } from './audit.ts';

/*
 * The transactional outbox, as every work area uses it: each committed change of a record writes
 * one outbox record in the same transaction, and the publisher (functions/notify) turns it,
 * unchanged, into one EventBridge event (`detail`) and one SNS message (`notification`). Everything
 * is decided at write time by the area that owns the record (incidents/domain/events.ts,
 * changes/domain/events.ts), so publishing needs no reads and cannot disagree with what was
 * committed. This module holds what all of them share: the envelope, who hears of it, and the rule
 * that keeps free text in.
 */

/**
 * Bumped on any incompatible change of `detail`; consumers match on it. 2: no titles, and free-text
 * fields in `changes` named without their values.
 */
export const DETAIL_SCHEMA_VERSION = 2;

export interface Recipients {
  users: string[];
  groups: string[];
}

/** What a record says about who works on it; every work area's record has these two fields. */
export interface Assignable {
  assignee?: string;
  assignmentGroup?: string;
}

/** The assignee if there is one, else the whole group: who is expected to act. */
export function ownersOf(record: Assignable): Recipients {
  if (record.assignee !== undefined) return { users: [record.assignee], groups: [] };
  return { users: [], groups: record.assignmentGroup === undefined ? [] : [record.assignmentGroup] };
}

/** The assignee and the whole group: told of what concerns everyone working on the record. */
export function assigneeAndGroupOf(record: Assignable): Recipients {
  return {
    users: record.assignee === undefined ? [] : [record.assignee],
    groups: record.assignmentGroup === undefined ? [] : [record.assignmentGroup],
  };
}

/** A note event's reference to its note, never its body (work notes are internal; read it through the API). */
export interface NoteReference {
  id: string;
  visibility: 'work' | 'public';
  author: string;
}

/** What every event detail starts with; each area adds the summary of its record (`incident`, `change`) and more. */
export interface EventDetail<Type extends string = string> {
  schemaVersion: number;
  /** Stable across redeliveries: consumers dedupe on it. */
  eventId: string;
  type: Type;
  occurredAt: string;
  actor: string;
}

/** The fields every event detail opens with, in their documented order: schema version, id, type, when, who. */
export function eventDetailHead<Type extends string>(type: Type, event: { eventId: string; occurredAt: string; actor: string }): EventDetail<Type> {
  return { schemaVersion: DETAIL_SCHEMA_VERSION, eventId: event.eventId, type, occurredAt: event.occurredAt, actor: event.actor };
}

/** The SNS topics: the major-incident topic is for P1 breaches, everything else is a notification. */
export type Topic = 'notifications' | 'majorIncident';

export interface Notification<Type extends string = string> {
  topic: Topic;
  subject: string;
  /** Who should hear about it; a mailer or chat bridge subscribed to the topic resolves them. */
  recipients: Recipients;
  text: string;
  /**
   * SNS message attributes, for subscription filter policies: the same set for every area, so one
   * filter policy language covers them all ('-' where a record has no such value).
   */
  attributes: { eventType: Type; priority: string; assignmentGroup: string; service: string };
}

/**
 * One outbox record. Besides the envelope, a record names its subject as `<kind>Id` next to the
 * detail's summary `<kind>` (incidentId and detail.incident, changeId and detail.change): that is
 * how the publisher finds which record it is about and at which version (outboxSubject).
 */
export interface OutboxRecord<Detail extends EventDetail = EventDetail> {
  eventId: string;
  detail: Detail;
  notification: Notification<Detail['type']>;
}

/** SNS subjects are at most 100 printable ASCII characters. */
export function notificationSubject(full: string): string {
  const ascii = full.replace(/[^\x20-\x7e]/g, '?');
  return ascii.length <= 100 ? ascii : `${ascii.slice(0, 97)}...`;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The record an outbox item is about, as its item names it (see OutboxRecord). */
export interface OutboxSubject {
  /** `incident`, `change`, ...: the detail member that summarizes it. */
  kind: string;
  id: unknown;
  /** The detail's summary of the record: its `number` and its `version` after the change. */
  summary: Record<string, unknown>;
}

/**
 * The subject of a stored outbox item: the `<kind>Id` member whose `detail.<kind>` is the record's
 * summary. Read from the item as written, so records of every earlier version still name theirs.
 */
export function outboxSubject(item: Record<string, unknown>): OutboxSubject | undefined {
  const { detail } = item;
  if (!isObject(detail)) return undefined;
  for (const key of Object.keys(item)) {
    if (key === 'eventId' || !key.endsWith('Id')) continue;
    const kind = key.slice(0, -'Id'.length);
    const summary = detail[kind];
    if (isObject(summary)) return { kind, id: item[key], summary };
  }
  return undefined;
}

/*
 * Events and notifications leave the product's control: rules forward them to other accounts,
 * queues and chat; SNS mails them to whole groups. So they name the record and the fields that
 * changed, never free text someone typed (a title, a description, a note, a plan, a comment, a
 * reason); the API serves that text to whoever may read it.
 *
 * Safe by default: a field's values are published only when the area lists it as holding no free
 * text (states, levels, ids, names of directory records, instants, counts). Any other field, a new
 * one included, is published as its name alone until someone decides otherwise.
 */

/** A field change as published: `from` and `to` only for fields whose values hold no free text. */
export interface PublishedFieldDiff {
  field: string;
  from?: unknown;
  to?: unknown;
}

/** How a field's values are published: as they are, or projected to their parts without free text. */
export type ValueRule = 'value' | ((value: unknown) => unknown);

export interface PublishRules {
  /** By exact field name. */
  fields: Readonly<Record<string, ValueRule>>;
  /** By leading segment (`sla.` covers `sla.response.state`): families of generated fields. */
  prefixes?: readonly string[];
}

function ruleFor(field: string, rules: PublishRules): ValueRule | undefined {
  if (Object.hasOwn(rules.fields, field)) return rules.fields[field];
  return rules.prefixes?.some((prefix) => field.startsWith(prefix)) ? 'value' : undefined;
}

export function publishedFieldDiffs(changes: readonly FieldDiff[], rules: PublishRules): PublishedFieldDiff[] {
  return changes.map(({ field, from, to }) => {
    const rule = ruleFor(field, rules);
    if (rule === undefined) return { field };
    if (rule === 'value') return { field, from, to };
    return { field, from: from === null || from === undefined ? null : rule(from), to: to === null || to === undefined ? null : rule(to) };
  });
}

/** Keeps only the named members of a record value (e.g. who and when, without the comment). */
export function only(...keys: string[]): (value: unknown) => unknown {
  return (value) => {
    if (!isObject(value)) return null;
    return Object.fromEntries(keys.filter((key) => value[key] !== undefined).map((key) => [key, value[key]]));
  };
}
