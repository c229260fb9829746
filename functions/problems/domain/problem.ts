import { impactedServicesOf, patchConfigurationItems } from '../../incidents/domain/incident.ts';
import { type Level, type PriorityMatrix, priorityFor } from '../../incidents/domain/priority.ts';
import type { Actor, FieldDiff } from '../../shared/domain/audit.ts';
import type { Priority } from '../../shared/domain/priority.ts';
import { ProblemRuleError } from './errors.ts';
import { assertProblemTransition, FINAL_PROBLEM_STATUSES, type ProblemResolutionCode, type ProblemStatus } from './lifecycle.ts';

/** A change request as a problem names it: its id, and its number for people. */
export interface ChangeReference {
  id: string;
  number: string;
}

/** How the problem is (to be) fixed: what is done, and the change request that does it. */
export interface ProblemFix {
  text?: string;
  change?: ChangeReference;
}

export interface ProblemResolution {
  code: ProblemResolutionCode;
  notes?: string;
  at: string;
  by: string;
}

/** The review that closes a resolved problem: what was learned, who reviewed it and when. */
export interface ProblemReview {
  summary: string;
  at: string;
  by: string;
}

export interface Problem {
  id: string;
  number: string;
  title: string;
  description?: string;
  service?: string;
  /** The configuration items it concerns, by CMDB id; absent when it names none. */
  configurationItems?: string[];
  /** The services they impact (downstream, plus its own service), as of the last write that set them, as on incidents. */
  impactedServices?: string[];
  /** Free text of problems recorded before configuration items were named by id. */
  configurationItem?: string;
  category?: string;
  impact: Level;
  urgency: Level;
  priority: Priority;
  status: ProblemStatus;
  assignmentGroup?: string;
  assignee?: string;
  rootCause?: string;
  /** When a root cause was first documented: the end of the time to root cause. */
  rootCauseAt?: string;
  workaround?: string;
  fix?: ProblemFix;
  /** Published as a known error: its root cause or workaround is documented and shown to agents. */
  knownError: boolean;
  knownErrorPublishedAt?: string;
  /** When the problem is resolved, its open linked incidents are resolved with it (not only told). */
  resolveLinkedIncidents: boolean;
  /** How many incidents are linked to it (moved by the link operations). */
  linkedIncidentCount: number;
  /** The problem candidate it was opened from by accepting it (never changes). */
  candidate?: { id: string; number: string };
  resolution?: ProblemResolution;
  review?: ProblemReview;
  createdAt: string;
  createdBy: string;
  updatedAt: string;
  updatedBy: string;
  resolvedAt?: string;
  closedAt?: string;
  canceledAt?: string;
  version: number;
}

export interface NewProblem {
  title: string;
  description?: string;
  service?: string;
  configurationItems?: string[];
  configurationItem?: string;
  category?: string;
  impact?: Level;
  urgency?: Level;
  assignmentGroup?: string;
  assignee?: string;
  rootCause?: string;
  workaround?: string;
  fix?: ProblemFix;
  resolveLinkedIncidents?: boolean;
  /** Set when a problem candidate is accepted, never by a request body. */
  candidate?: { id: string; number: string };
}

/** A PATCH: absent means unchanged, null clears an optional field; `fix` merges (its members null to clear). */
export interface ProblemPatch {
  title?: string;
  description?: string | null;
  service?: string | null;
  /** null or [] clears them. */
  configurationItems?: string[] | null;
  configurationItem?: string | null;
  category?: string | null;
  impact?: Level;
  urgency?: Level;
  assignmentGroup?: string | null;
  assignee?: string | null;
  rootCause?: string | null;
  workaround?: string | null;
  fix?: { text?: string | null; change?: ChangeReference | null } | null;
  knownError?: boolean;
  resolveLinkedIncidents?: boolean;
  status?: ProblemStatus;
  resolution?: { code: ProblemResolutionCode; notes?: string };
  review?: { summary: string };
}

export type { Actor, FieldDiff };

/** A number is PRB + 7 digits; the sequence starts at 1001 like incidents' and changes'. */
export const formatProblemNumber = (sequence: number): string => `PRB${String(1000 + sequence).padStart(7, '0')}`;
export const PROBLEM_NUMBER_PATTERN = /^PRB\d{7,}$/;

function present<T extends Record<string, unknown>>(fields: T): Partial<T> {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined && v !== null)) as Partial<T>;
}

/** `downstream`: the services downstream of its configuration items, read by the caller (undefined: none shown). */
export function openProblem(
  input: NewProblem,
  context: { id: string; sequence: number; actor: Actor; now: Date; matrix: PriorityMatrix; downstream?: readonly string[] },
): Problem {
  const at = context.now.toISOString();
  const configurationItems = input.configurationItems === undefined || input.configurationItems.length === 0 ? undefined : [...input.configurationItems];
  const impact = input.impact ?? 3;
  const urgency = input.urgency ?? 3;
  const fix = input.fix === undefined ? undefined : cleanFix(input.fix);
  return {
    id: context.id,
    number: formatProblemNumber(context.sequence),
    title: input.title,
    ...present({
      description: input.description,
      service: input.service,
      configurationItems,
      impactedServices: context.downstream === undefined ? undefined : impactedServicesOf({ configurationItems, service: input.service }, context.downstream),
      configurationItem: input.configurationItem,
      category: input.category,
    }),
    impact,
    urgency,
    priority: priorityFor(context.matrix, impact, urgency),
    status: 'new',
    ...present({ assignmentGroup: input.assignmentGroup, assignee: input.assignee, rootCause: input.rootCause }),
    ...(input.rootCause === undefined ? {} : { rootCauseAt: at }),
    ...present({ workaround: input.workaround, fix }),
    knownError: false,
    resolveLinkedIncidents: input.resolveLinkedIncidents ?? false,
    linkedIncidentCount: 0,
    ...(input.candidate === undefined ? {} : { candidate: { id: input.candidate.id, number: input.candidate.number } }),
    createdAt: at,
    createdBy: context.actor.userId,
    updatedAt: at,
    updatedBy: context.actor.userId,
    version: 1,
  };
}

/** A fix with neither text nor change is no fix. */
function cleanFix(fix: ProblemFix): ProblemFix | undefined {
  const cleaned: ProblemFix = present({ text: fix.text, change: fix.change });
  return cleaned.text === undefined && cleaned.change === undefined ? undefined : cleaned;
}

const CLEARABLE = ['description', 'service', 'configurationItem', 'category', 'assignmentGroup', 'assignee', 'rootCause', 'workaround'] as const;

/** The fields a history record and an event compare, in the documented order. */
export const PROBLEM_TRACKED_FIELDS: readonly (keyof Problem)[] = [
  'title',
  'description',
  'service',
  'configurationItems',
  'impactedServices',
  'configurationItem',
  'category',
  'impact',
  'urgency',
  'priority',
  'status',
  'assignmentGroup',
  'assignee',
  'rootCause',
  'rootCauseAt',
  'workaround',
  'fix',
  'knownError',
  'knownErrorPublishedAt',
  'resolveLinkedIncidents',
  'linkedIncidentCount',
  'candidate',
  'resolution',
  'review',
  'resolvedAt',
  'closedAt',
  'canceledAt',
];

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/** Which fields differ, from what to what: the content of a history record. */
export function diffProblems(before: Problem, after: Problem): FieldDiff[] {
  return PROBLEM_TRACKED_FIELDS.filter((field) => !same(before[field], after[field])).map((field) => ({
    field,
    from: before[field] ?? null,
    to: after[field] ?? null,
  }));
}

/** What a new problem starts with, as changes from nothing: the first history record. */
export function problemCreationChanges(problem: Problem): FieldDiff[] {
  return PROBLEM_TRACKED_FIELDS.filter((field) => problem[field] !== undefined).map((field) => ({ field, from: null, to: problem[field] }));
}

/** A known error is a documented root cause or workaround: without either there is nothing to publish. */
const hasKnowledge = (problem: Problem): boolean => problem.rootCause !== undefined || problem.workaround !== undefined;

/**
 * Applies a PATCH under the lifecycle rules. Returns the next state and what changed; an empty
 * change list means the patch restated the current values and nothing needs writing. `matrix` is
 * needed only when impact or urgency changes. A `fix.change` arrives already resolved to the
 * change request it names (the handler reads it through the changes area).
 */
export function applyProblemPatch(
  current: Problem,
  patch: ProblemPatch,
  context: { actor: Actor; now: Date; matrix?: PriorityMatrix; downstream?: readonly string[] },
): { next: Problem; changes: FieldDiff[] } {
  if (Object.keys(patch).length === 0) throw new ProblemRuleError('NOTHING_TO_CHANGE', 'The patch names no field to change');
  if (FINAL_PROBLEM_STATUSES.includes(current.status)) {
    throw new ProblemRuleError('INVALID_TRANSITION', `A problem that is ${current.status} can no longer be changed`, 'status', {
      from: current.status,
      allowedTransitions: [],
    });
  }
  const at = context.now.toISOString();
  const by = context.actor.userId;
  const next: Problem = { ...current };

  if (patch.title !== undefined) next.title = patch.title;
  for (const field of CLEARABLE) {
    const value = patch[field];
    if (value === null) delete next[field];
    else if (value !== undefined) next[field] = value;
  }
  // As on incidents: `downstream` read from the CMDB by the caller when impactMoves(current, next).
  patchConfigurationItems(current, next, patch.configurationItems, context.downstream);
  if (next.rootCause !== undefined && current.rootCauseAt === undefined) next.rootCauseAt = at;
  if (patch.resolveLinkedIncidents !== undefined) next.resolveLinkedIncidents = patch.resolveLinkedIncidents;

  if (patch.fix !== undefined) {
    const merged: ProblemFix = { ...current.fix };
    if (patch.fix === null) {
      delete merged.text;
      delete merged.change;
    } else {
      for (const member of ['text', 'change'] as const) {
        const value = patch.fix[member];
        if (value === null) delete merged[member];
        else if (value !== undefined) (merged as Record<string, unknown>)[member] = value;
      }
    }
    const fix = cleanFix(merged);
    if (fix === undefined) delete next.fix;
    else next.fix = fix;
  }

  if (patch.impact !== undefined) next.impact = patch.impact;
  if (patch.urgency !== undefined) next.urgency = patch.urgency;
  if (next.impact !== current.impact || next.urgency !== current.urgency) {
    if (context.matrix === undefined) throw new Error('A priority matrix is needed to change impact or urgency');
    next.priority = priorityFor(context.matrix, next.impact, next.urgency);
  }

  const target = patch.status ?? current.status;
  if (patch.status !== undefined && patch.status !== current.status) {
    assertProblemTransition(current.status, patch.status);
    next.status = patch.status;
    if (current.status === 'resolved' && patch.status !== 'closed') {
      // Reopened: the resolution no longer holds. (Closing keeps it: a closed problem was resolved so.)
      delete next.resolution;
      delete next.resolvedAt;
    }
    if (patch.status === 'resolved') {
      if (patch.resolution === undefined) {
        throw new ProblemRuleError(
          'FIELD_REQUIRED',
          'Resolving a problem needs a resolution with its code (fix_applied, risk_accepted, duplicate, canceled)',
          'resolution',
        );
      }
      if (patch.resolution.code === 'fix_applied' && next.fix === undefined) {
        throw new ProblemRuleError('FIELD_REQUIRED', 'A problem resolved with fix_applied needs its fix (fix.text or fix.change)', 'fix');
      }
      next.resolution = { code: patch.resolution.code, ...present({ notes: patch.resolution.notes }), at, by };
      next.resolvedAt = at;
    }
    if (patch.status === 'closed') {
      if (patch.review === undefined) {
        throw new ProblemRuleError('FIELD_REQUIRED', 'Closing a problem needs its review: review.summary, what was learned', 'review');
      }
      next.review = { summary: patch.review.summary, at, by };
      next.closedAt = at;
    }
    if (patch.status === 'canceled') next.canceledAt = at;
  }
  if (patch.resolution !== undefined && !(patch.status === 'resolved' && current.status !== 'resolved')) {
    throw new ProblemRuleError('FIELD_NOT_ALLOWED', 'resolution applies only when resolving a problem (status resolved)', 'resolution');
  }
  if (patch.review !== undefined && target !== 'closed') {
    throw new ProblemRuleError('FIELD_NOT_ALLOWED', 'review applies only when closing a problem (status closed)', 'review');
  }

  if (patch.knownError === true && !current.knownError) {
    next.knownError = true;
    next.knownErrorPublishedAt = at;
  }
  if (patch.knownError === false && current.knownError) {
    // Withdrawn: agents no longer see it among the known errors.
    next.knownError = false;
    delete next.knownErrorPublishedAt;
  }
  if (next.knownError && !hasKnowledge(next)) {
    throw new ProblemRuleError(
      'FIELD_REQUIRED',
      current.knownError
        ? 'A published known error keeps a rootCause or a workaround; withdraw it (knownError: false) to clear both'
        : 'Publishing a known error needs a documented rootCause or workaround',
      patch.knownError === true ? 'knownError' : patch.workaround === null ? 'workaround' : 'rootCause',
    );
  }

  const changes = diffProblems(current, next);
  if (changes.length === 0) return { next: current, changes };
  next.updatedAt = at;
  next.updatedBy = by;
  next.version = current.version + 1;
  return { next, changes };
}
