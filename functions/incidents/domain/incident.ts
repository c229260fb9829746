import type { Actor, FieldDiff } from '../../shared/domain/audit.ts';
import type { Priority } from '../../shared/domain/priority.ts';
import type { IncidentSla } from '../../sla/domain/types.ts';
import { IncidentRuleError } from './errors.ts';
import { assertIncidentTransition, type IncidentHoldReason, type IncidentResolutionCode, type IncidentStatus } from './lifecycle.ts';
import { type Level, type PriorityMatrix, priorityFor } from './priority.ts';

export interface Incident {
  id: string;
  number: string;
  title: string;
  description?: string;
  impact: Level;
  urgency: Level;
  priority: Priority;
  status: IncidentStatus;
  holdReason?: IncidentHoldReason;
  service?: string;
  /** The configuration items it concerns, by CMDB id (functions/cmdb); absent when it names none. */
  configurationItems?: string[];
  /**
   * The services its configuration items impact (downstream, plus its own service), as of the
   * last write that set them: present only while it names configuration items.
   */
  impactedServices?: string[];
  /** Free text of incidents recorded before configuration items were named by id (and of monitoring events that name none). */
  configurationItem?: string;
  category?: string;
  assignmentGroup?: string;
  assignee?: string;
  caller: string;
  resolutionCode?: IncidentResolutionCode;
  resolutionNotes?: string;
  createdAt: string;
  createdBy: string;
  updatedAt: string;
  updatedBy: string;
  /** First response: the first move out of `new` or the first public note by an agent. */
  acknowledgedAt?: string;
  acknowledgedBy?: string;
  resolvedAt?: string;
  resolvedBy?: string;
  closedAt?: string;
  canceledAt?: string;
  reopenCount: number;
  version: number;
  /** Incidents opened by events: the dedup key, and the scope it is unique in (the service, or '-'). */
  dedupKey?: string;
  dedupScope?: string;
  /** The SLA clocks (functions/sla/domain): maintained by every change, shown computed at read time. */
  sla?: IncidentSla;
  /** 0 until an SLA breach escalates; raised one level at a time by the escalation workflow. */
  escalationLevel?: number;
  /** Read-only view of the occurrences of an incident opened by events; never part of a change. */
  alert?: IncidentAlert;
  /** The problem it is linked to (at most one); set and cleared only by the problem's link operations (domain/problem-link.ts). */
  problem?: IncidentProblemReference;
}

/** A problem as an incident names it: its id, and its number for people. */
export interface IncidentProblemReference {
  id: string;
  number: string;
}

export interface IncidentAlert {
  source: string;
  dedupKey: string;
  occurrences: number;
  firstSeenAt: string;
  lastSeenAt: string;
  lastSeverity?: string;
  acknowledgedBy?: string;
  acknowledgedAt?: string;
  recent: { eventId: string; at: string; action: string; severity?: string; summary?: string }[];
}

/** While an incident is in one of these, events with its dedup key land on it. */
export const OPEN_INCIDENT_STATUSES: readonly IncidentStatus[] = ['new', 'in_progress', 'on_hold'];

export interface NewIncident {
  title: string;
  description?: string;
  impact?: Level;
  urgency?: Level;
  service?: string;
  configurationItems?: string[];
  /** Free text: only monitoring events that name no CI set it (HTTP writes name CIs by id). */
  configurationItem?: string;
  category?: string;
  assignmentGroup?: string;
  assignee?: string;
  caller?: string;
}

/** A PATCH: absent means unchanged, null clears an optional field. */
export interface IncidentPatch {
  title?: string;
  description?: string | null;
  impact?: Level;
  urgency?: Level;
  service?: string | null;
  /** null or [] clears them. */
  configurationItems?: string[] | null;
  configurationItem?: string | null;
  category?: string | null;
  assignmentGroup?: string | null;
  assignee?: string | null;
  caller?: string;
  status?: IncidentStatus;
  holdReason?: IncidentHoldReason;
  resolutionCode?: IncidentResolutionCode;
  resolutionNotes?: string;
}

export type { Actor, FieldDiff };

/** A number is INC + 7 digits; the sequence starts at 1001 so numbers look like the incumbents'. */
export const formatIncidentNumber = (sequence: number): string => `INC${String(1000 + sequence).padStart(7, '0')}`;
export const INCIDENT_NUMBER_PATTERN = /^INC\d{7,}$/;

/**
 * What an incident's impacted services are: the services downstream of its configuration items
 * (`downstream`, read from the CMDB when they were written) and its own service, each once, in
 * name order; none while it names no configuration item.
 */
export function impactedServicesOf(incident: Pick<Incident, 'configurationItems' | 'service'>, downstream: readonly string[]): string[] | undefined {
  if (incident.configurationItems === undefined || incident.configurationItems.length === 0) return undefined;
  const services = new Set(downstream);
  if (incident.service !== undefined) services.add(incident.service);
  return [...services].sort();
}

/**
 * Whether a change from `before` to `after` moves its impacted services, so the CMDB must be
 * asked again: its configuration items changed, or its service did while it names some.
 */
export function impactMoves(
  before: Pick<Incident, 'configurationItems' | 'service'> | undefined,
  after: Pick<Incident, 'configurationItems' | 'service'>,
): boolean {
  const items = (incident?: Pick<Incident, 'configurationItems'>) => JSON.stringify(incident?.configurationItems ?? []);
  if (items(before) !== items(after)) return (after.configurationItems ?? []).length > 0 || (before?.configurationItems ?? []).length > 0;
  return (after.configurationItems ?? []).length > 0 && before?.service !== after.service;
}

/**
 * A patch's configuration items written into `next` (null or an empty list removes them), and its
 * impacted services with them: `downstream` is read from the CMDB by the caller when
 * impactMoves(current, next); otherwise they stay as they were. When they move and the CMDB could
 * not answer (`downstream` undefined), none are shown rather than stale ones. Problems name
 * configuration items the same way.
 */
export function patchConfigurationItems(
  current: Pick<Incident, 'configurationItems' | 'service'>,
  next: Pick<Incident, 'configurationItems' | 'service' | 'impactedServices'>,
  configurationItems: readonly string[] | null | undefined,
  downstream: readonly string[] | undefined,
): void {
  if (configurationItems === null || configurationItems?.length === 0) delete next.configurationItems;
  else if (configurationItems !== undefined) next.configurationItems = [...configurationItems];
  if (impactMoves(current, next)) {
    const impacted = downstream === undefined ? undefined : impactedServicesOf(next, downstream);
    if (impacted === undefined) delete next.impactedServices;
    else next.impactedServices = impacted;
  }
}

/**
 * `downstream`: the services downstream of the configuration items, when the caller read them
 * (needed when the input names configuration items; undefined leaves impactedServices out, as
 * when the CMDB could not answer).
 */
export function openIncident(
  input: NewIncident,
  context: { id: string; sequence: number; actor: Actor; now: Date; matrix: PriorityMatrix; downstream?: readonly string[] },
): Incident {
  const at = context.now.toISOString();
  const impact = input.impact ?? 3;
  const urgency = input.urgency ?? 3;
  const configurationItems = input.configurationItems === undefined || input.configurationItems.length === 0 ? undefined : [...input.configurationItems];
  return {
    id: context.id,
    number: formatIncidentNumber(context.sequence),
    title: input.title,
    ...optional({
      description: input.description,
      service: input.service,
      configurationItems,
      impactedServices: context.downstream === undefined ? undefined : impactedServicesOf({ configurationItems, service: input.service }, context.downstream),
      configurationItem: input.configurationItem,
      category: input.category,
      assignmentGroup: input.assignmentGroup,
      assignee: input.assignee,
    }),
    impact,
    urgency,
    priority: priorityFor(context.matrix, impact, urgency),
    status: 'new',
    caller: input.caller ?? context.actor.userId,
    createdAt: at,
    createdBy: context.actor.userId,
    updatedAt: at,
    updatedBy: context.actor.userId,
    reopenCount: 0,
    version: 1,
  };
}

function optional<T extends Record<string, unknown>>(fields: T): Partial<T> {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined && v !== null)) as Partial<T>;
}

const FINAL: readonly IncidentStatus[] = ['closed', 'canceled'];
const CLEARABLE = ['description', 'service', 'configurationItem', 'category', 'assignmentGroup', 'assignee'] as const;
const TRACKED: readonly (keyof Incident)[] = [
  'title',
  'description',
  'impact',
  'urgency',
  'priority',
  'status',
  'holdReason',
  'service',
  'configurationItems',
  'impactedServices',
  'configurationItem',
  'category',
  'assignmentGroup',
  'assignee',
  'caller',
  'resolutionCode',
  'resolutionNotes',
  'acknowledgedAt',
  'resolvedAt',
  'closedAt',
  'canceledAt',
  'reopenCount',
  'dedupKey',
];

/** Lists (configuration items, impacted services) compare by content; everything else is a scalar. */
const same = (a: unknown, b: unknown): boolean => (Array.isArray(a) || Array.isArray(b) ? JSON.stringify(a ?? null) === JSON.stringify(b ?? null) : a === b);

/** Which fields differ, from what to what: the content of a history record. */
export function diffIncidents(before: Incident, after: Incident): FieldDiff[] {
  const changes: FieldDiff[] = [];
  for (const field of TRACKED) {
    if (!same(before[field], after[field])) changes.push({ field, from: before[field] ?? null, to: after[field] ?? null });
  }
  return changes;
}

/** What a new incident starts with, as changes from nothing: the first history record. */
export function creationDiffs(incident: Incident): FieldDiff[] {
  return TRACKED.filter((field) => incident[field] !== undefined).map((field) => ({ field, from: null, to: incident[field] }));
}

/**
 * Applies a PATCH under the lifecycle rules. Returns the next state and what changed; an empty
 * change list means the patch restated the current values and nothing needs writing.
 * `matrix` is needed only when impact or urgency changes.
 */
export function applyIncidentPatch(
  current: Incident,
  patch: IncidentPatch,
  context: { actor: Actor; now: Date; matrix?: PriorityMatrix; downstream?: readonly string[] },
): { next: Incident; changes: FieldDiff[] } {
  if (Object.keys(patch).length === 0) {
    throw new IncidentRuleError('NOTHING_TO_CHANGE', 'The patch names no field to change');
  }
  if (FINAL.includes(current.status)) {
    throw new IncidentRuleError('INVALID_TRANSITION', `An incident that is ${current.status} can no longer be changed`, 'status', {
      from: current.status,
      allowedTransitions: [],
    });
  }
  const at = context.now.toISOString();
  const next: Incident = { ...current };

  if (patch.title !== undefined) next.title = patch.title;
  if (patch.caller !== undefined) next.caller = patch.caller;
  for (const field of CLEARABLE) {
    const value = patch[field];
    if (value === null) delete next[field];
    else if (value !== undefined) next[field] = value;
  }

  patchConfigurationItems(current, next, patch.configurationItems, context.downstream);

  if (patch.impact !== undefined) next.impact = patch.impact;
  if (patch.urgency !== undefined) next.urgency = patch.urgency;
  if (next.impact !== current.impact || next.urgency !== current.urgency) {
    if (context.matrix === undefined) throw new Error('A priority matrix is needed to change impact or urgency');
    next.priority = priorityFor(context.matrix, next.impact, next.urgency);
  }

  const target = patch.status ?? current.status;
  if (patch.status !== undefined && patch.status !== current.status) {
    assertIncidentTransition(current.status, patch.status);
    next.status = patch.status;
    if (current.status === 'new' && next.acknowledgedAt === undefined) {
      next.acknowledgedAt = at;
      next.acknowledgedBy = context.actor.userId;
    }
    if (current.status === 'on_hold') delete next.holdReason;
    if (current.status === 'resolved' && patch.status === 'in_progress') {
      next.reopenCount = current.reopenCount + 1;
      delete next.resolutionCode;
      delete next.resolutionNotes;
      delete next.resolvedAt;
      delete next.resolvedBy;
    }
    if (patch.status === 'on_hold' && patch.holdReason === undefined) {
      throw new IncidentRuleError('FIELD_REQUIRED', 'Putting an incident on hold needs a holdReason', 'holdReason');
    }
    if (patch.status === 'resolved') {
      if (patch.resolutionCode === undefined) {
        throw new IncidentRuleError('FIELD_REQUIRED', 'Resolving an incident needs a resolutionCode', 'resolutionCode');
      }
      if (patch.resolutionNotes === undefined) {
        throw new IncidentRuleError('FIELD_REQUIRED', 'Resolving an incident needs resolutionNotes', 'resolutionNotes');
      }
      next.resolvedAt = at;
      next.resolvedBy = context.actor.userId;
    }
    if (patch.status === 'closed') next.closedAt = at;
    if (patch.status === 'canceled') next.canceledAt = at;
  }

  if (patch.holdReason !== undefined) {
    if (target !== 'on_hold') {
      throw new IncidentRuleError('FIELD_NOT_ALLOWED', 'holdReason applies only to an incident that is on_hold', 'holdReason');
    }
    next.holdReason = patch.holdReason;
  }
  for (const field of ['resolutionCode', 'resolutionNotes'] as const) {
    const value = patch[field];
    if (value === undefined) continue;
    if (target !== 'resolved') {
      throw new IncidentRuleError('FIELD_NOT_ALLOWED', `${field} applies only when resolving an incident`, field);
    }
    (next as unknown as Record<string, unknown>)[field] = value;
  }

  const changes = diffIncidents(current, next);
  if (changes.length === 0) return { next: current, changes };
  next.updatedAt = at;
  next.updatedBy = context.actor.userId;
  next.version = current.version + 1;
  return { next, changes };
}

/**
 * Resolves an open incident through the ordinary lifecycle, as an agent would go: a `new` or
 * `on_hold` incident passes through `in_progress` (which records the first response and ends the
 * hold), all in one version and one history record. Undefined when the incident is not open.
 */
export function resolveThroughLifecycle(
  current: Incident,
  resolution: { code: IncidentResolutionCode; notes: string },
  context: { actor: Actor; now: Date },
): { next: Incident; changes: FieldDiff[] } | undefined {
  if (!OPEN_INCIDENT_STATUSES.includes(current.status)) return undefined;
  let next = current;
  if (next.status !== 'in_progress') next = applyIncidentPatch(next, { status: 'in_progress' }, context).next;
  next = applyIncidentPatch(next, { status: 'resolved', resolutionCode: resolution.code, resolutionNotes: resolution.notes }, context).next;
  next = { ...next, updatedAt: context.now.toISOString(), updatedBy: context.actor.userId, version: current.version + 1 };
  return { next, changes: diffIncidents(current, next) };
}

/** A public note by an agent counts as the first response if nothing responded before. */
export function recordFirstResponse(current: Incident, context: { actor: Actor; now: Date }): { next: Incident; changes: FieldDiff[] } {
  if (current.acknowledgedAt !== undefined) return { next: current, changes: [] };
  const at = context.now.toISOString();
  const next: Incident = {
    ...current,
    acknowledgedAt: at,
    acknowledgedBy: context.actor.userId,
    updatedAt: at,
    updatedBy: context.actor.userId,
    version: current.version + 1,
  };
  return { next, changes: diffIncidents(current, next) };
}
