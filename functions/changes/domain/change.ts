import type { Actor, FieldDiff } from '../../shared/domain/audit.ts';
import { findConflicts } from './conflicts.ts';
import { ChangeRuleError } from './errors.ts';
import { assertChangeTransition, type ChangeStatus, type ChangeType, EDITABLE_CHANGE_STATUSES, type ImplementationOutcome } from './lifecycle.ts';
import { RISK_LEVELS, type RiskLevel } from './risk.ts';

export { RISK_LEVELS, type RiskLevel };

/** Computed by the risk assessment, never typed in: the reasons say which answers raised the score. */
export interface ChangeRisk {
  level: RiskLevel;
  score: number;
  reasons: string[];
  /** The services the change reached when it was assessed (its own and those downstream of its CIs); absent on changes assessed before the CMDB. */
  impactedServices?: string[];
}

export interface ChangeReview {
  summary: string;
  at: string;
  by: string;
}

export interface ChangeImplementation {
  outcome: ImplementationOutcome;
  notes: string;
  at: string;
  by: string;
}

/** Where the change's approval workflow is: its execution and the ASL state it last reported. */
export interface ChangeWorkflow {
  executionArn: string;
  state: string;
  since: string;
}

/** An admin let a non-emergency change into a blackout window; kept on the change for the audit. */
export interface BlackoutOverride {
  by: string;
  at: string;
  reason: string;
}

/** A blackout window that holds a scheduled change's start: which, and when it runs. */
export interface StartBlocker {
  kind: 'blackout';
  name: string;
  window: { start: string; end: string };
}

/**
 * The workflow found the change's window inside a freeze declared after it was approved: the change
 * stays `scheduled` and does not start until the freeze no longer covers it or an admin overrides.
 */
export interface StartBlock {
  at: string;
  blackouts: StartBlocker[];
}

/** An admin let a held change start despite the freezes that held it. */
export interface StartOverride {
  by: string;
  at: string;
  reason: string;
}

export interface ChangeRejection {
  by: string;
  at: string;
  comment?: string;
}

/**
 * A change window longer than this is a project, not a change. The bound also keeps the calendar
 * and conflict queries bounded: they read changes starting at most this long before a range.
 */
export const MAX_CHANGE_WINDOW_DAYS = 31;

export interface Change {
  id: string;
  number: string;
  type: ChangeType;
  title: string;
  description?: string;
  justification?: string;
  services: string[];
  configurationItems: string[];
  /** The change window, ISO instants; the end is strictly after the start. */
  plannedStart: string;
  plannedEnd: string;
  implementationPlan?: string;
  backoutPlan?: string;
  testPlan?: string;
  outageRequired: boolean;
  assignmentGroup?: string;
  status: ChangeStatus;
  /** The pre-authorized template a standard change was raised from. */
  template?: string;
  risk?: ChangeRisk;
  /** Overlapping changes or blackout windows found by conflict detection; their shape is its business. */
  conflicts?: unknown[];
  implementation?: ChangeImplementation;
  /** How many times it was submitted; the approval round of the current submission has this number. */
  submissions: number;
  workflow?: ChangeWorkflow;
  blackoutOverride?: BlackoutOverride;
  startBlocked?: StartBlock;
  startOverride?: StartOverride;
  rejection?: ChangeRejection;
  cancelReason?: string;
  review?: ChangeReview;
  /** A post-implementation review is owed: always for emergencies, and for any change that did not go well. */
  reviewRequired: boolean;
  createdAt: string;
  createdBy: string;
  updatedAt: string;
  updatedBy: string;
  closedAt?: string;
  canceledAt?: string;
  version: number;
}

export interface NewChange {
  type: ChangeType;
  title: string;
  description?: string;
  justification?: string;
  services?: string[];
  configurationItems?: string[];
  plannedStart: string;
  plannedEnd: string;
  implementationPlan?: string;
  backoutPlan?: string;
  testPlan?: string;
  outageRequired?: boolean;
  assignmentGroup?: string;
  template?: string;
}

/**
 * A PATCH: absent means unchanged, null clears an optional field. The type is not here: it decides
 * the review and submission rules, so a change of type is a new change.
 */
export interface ChangePatch {
  title?: string;
  description?: string | null;
  justification?: string | null;
  services?: string[];
  configurationItems?: string[];
  plannedStart?: string;
  plannedEnd?: string;
  implementationPlan?: string | null;
  backoutPlan?: string | null;
  testPlan?: string | null;
  outageRequired?: boolean;
  assignmentGroup?: string | null;
}

export type { Actor, FieldDiff };

export interface ChangeContext {
  actor: Actor;
  now: Date;
}

export type ChangeResult = { next: Change; changes: FieldDiff[] };

/** A number is CHG + 7 digits; the sequence starts at 1001 so numbers look like the incumbents'. */
export const formatChangeNumber = (sequence: number): string => `CHG${String(1000 + sequence).padStart(7, '0')}`;
export const CHANGE_NUMBER_PATTERN = /^CHG\d{7,}$/;

export function openChange(input: NewChange, context: ChangeContext & { id: string; sequence: number }): Change {
  assertWindow(input.plannedStart, input.plannedEnd);
  if (input.template !== undefined && input.type !== 'standard') {
    throw new ChangeRuleError('FIELD_NOT_ALLOWED', 'Only a standard change is raised from a template', 'template');
  }
  const at = context.now.toISOString();
  return {
    id: context.id,
    number: formatChangeNumber(context.sequence),
    type: input.type,
    title: input.title,
    ...optional({
      description: input.description,
      justification: input.justification,
      implementationPlan: input.implementationPlan,
      backoutPlan: input.backoutPlan,
      testPlan: input.testPlan,
      assignmentGroup: input.assignmentGroup,
      template: input.template,
    }),
    services: [...(input.services ?? [])],
    configurationItems: [...(input.configurationItems ?? [])],
    plannedStart: input.plannedStart,
    plannedEnd: input.plannedEnd,
    outageRequired: input.outageRequired ?? false,
    status: 'draft',
    submissions: 0,
    reviewRequired: input.type === 'emergency',
    createdAt: at,
    createdBy: context.actor.userId,
    updatedAt: at,
    updatedBy: context.actor.userId,
    version: 1,
  };
}

function optional<T extends Record<string, unknown>>(fields: T): Partial<T> {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined && v !== null)) as Partial<T>;
}

/** An unparseable instant makes the comparison false, so it is refused here too rather than stored. */
function assertWindow(plannedStart: string, plannedEnd: string): void {
  if (!(Date.parse(plannedEnd) > Date.parse(plannedStart))) {
    throw new ChangeRuleError('INVALID_WINDOW', 'The planned end must come after the planned start', 'plannedEnd', {
      plannedStart,
      plannedEnd,
    });
  }
  if (Date.parse(plannedEnd) - Date.parse(plannedStart) > MAX_CHANGE_WINDOW_DAYS * 86_400_000) {
    throw new ChangeRuleError('INVALID_WINDOW', `A change window lasts at most ${MAX_CHANGE_WINDOW_DAYS} days`, 'plannedEnd', {
      plannedStart,
      plannedEnd,
      maxDays: MAX_CHANGE_WINDOW_DAYS,
    });
  }
}

/**
 * A standard change follows its template's proven plan; anything else is assessed on its own plan,
 * and cannot be authorized without a way back.
 */
function assertReadyForAssessment(change: Change): void {
  if (change.type === 'standard') return;
  for (const field of ['implementationPlan', 'backoutPlan'] as const) {
    if (change[field] === undefined) {
      throw new ChangeRuleError('FIELD_REQUIRED', `A ${change.type} change needs a ${field} to be assessed`, field);
    }
  }
}

const CLEARABLE = ['description', 'justification', 'implementationPlan', 'backoutPlan', 'testPlan', 'assignmentGroup'] as const;
const TRACKED: readonly (keyof Change)[] = [
  'type',
  'title',
  'description',
  'justification',
  'services',
  'configurationItems',
  'plannedStart',
  'plannedEnd',
  'implementationPlan',
  'backoutPlan',
  'testPlan',
  'outageRequired',
  'assignmentGroup',
  'status',
  'template',
  'risk',
  'conflicts',
  'implementation',
  'reviewRequired',
  'closedAt',
  'canceledAt',
  'submissions',
  'workflow',
  'blackoutOverride',
  'startBlocked',
  'startOverride',
  'rejection',
  'cancelReason',
  'review',
];

/** Lists and records compare by content: a restated list of services is not a change. */
function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Which fields differ, from what to what: the content of a history record. */
export function fieldDiffs(before: Change, after: Change): FieldDiff[] {
  const changes: FieldDiff[] = [];
  for (const field of TRACKED) {
    if (!same(before[field], after[field])) changes.push({ field, from: before[field] ?? null, to: after[field] ?? null });
  }
  return changes;
}

/** What a new change starts with, as changes from nothing: the first history record. */
export function creationDiffs(change: Change): FieldDiff[] {
  return TRACKED.filter((field) => change[field] !== undefined).map((field) => ({ field, from: null, to: change[field] }));
}

/** Stamps who and when, and bumps the version, unless nothing changed and nothing needs writing. */
function commit(current: Change, next: Change, context: ChangeContext): ChangeResult {
  const changes = fieldDiffs(current, next);
  if (changes.length === 0) return { next: current, changes };
  next.updatedAt = context.now.toISOString();
  next.updatedBy = context.actor.userId;
  next.version = current.version + 1;
  return { next, changes };
}

/**
 * Applies a PATCH to the plan. Only a draft or a change under assessment can be edited; an empty
 * change list means the patch restated the current values. An edit of a submitted change sends it
 * back to draft without its assessment: a CAB approves the plan it assessed, so the edited plan is
 * submitted again and assessed again (risk, conflicts, freezes), in a new approval round.
 */
export function applyChangePatch(current: Change, patch: ChangePatch, context: ChangeContext): ChangeResult {
  if (Object.keys(patch).length === 0) {
    throw new ChangeRuleError('NOTHING_TO_CHANGE', 'The patch names no field to change');
  }
  if (!EDITABLE_CHANGE_STATUSES.includes(current.status)) {
    throw new ChangeRuleError('NOT_EDITABLE', `A change that is ${current.status} can no longer be edited`, 'status', {
      status: current.status,
      editableStatuses: EDITABLE_CHANGE_STATUSES,
    });
  }
  const next: Change = { ...current };
  if (patch.title !== undefined) next.title = patch.title;
  if (patch.services !== undefined) next.services = [...patch.services];
  if (patch.configurationItems !== undefined) next.configurationItems = [...patch.configurationItems];
  if (patch.plannedStart !== undefined) next.plannedStart = patch.plannedStart;
  if (patch.plannedEnd !== undefined) next.plannedEnd = patch.plannedEnd;
  if (patch.outageRequired !== undefined) next.outageRequired = patch.outageRequired;
  for (const field of CLEARABLE) {
    const value = patch[field];
    if (value === null) delete next[field];
    else if (value !== undefined) next[field] = value;
  }

  if (next.plannedStart !== current.plannedStart || next.plannedEnd !== current.plannedEnd) {
    assertWindow(next.plannedStart, next.plannedEnd);
  }
  const edited = commit(current, next, context);
  if (edited.changes.length === 0 || current.status === 'draft') return edited;
  return commit(current, moveChangeTo(next, 'draft', context).next, context);
}

/**
 * A guarded move along the lifecycle. The moves that carry their own data or preconditions are
 * enforced here too, so no caller can take a shortcut: assessment needs the plans, and review
 * needs the implementation recorded, which only recordImplementation does.
 */
export function moveChangeTo(current: Change, status: ChangeStatus, context: ChangeContext): ChangeResult {
  assertChangeTransition(current.status, status);
  const next: Change = { ...current, status };
  if (status === 'assess') assertReadyForAssessment(next);
  if (status === 'draft') {
    // Whatever submission found (and an admin let through) was about the plan before the edit.
    delete next.risk;
    delete next.conflicts;
    delete next.blackoutOverride;
  }
  if (status === 'review' && next.implementation === undefined) {
    throw new ChangeRuleError('FIELD_REQUIRED', 'A change goes to review with its implementation outcome', 'implementation');
  }
  if (status === 'closed') next.closedAt = context.now.toISOString();
  if (status === 'canceled') next.canceledAt = context.now.toISOString();
  return commit(current, next, context);
}

export function submitChange(current: Change, context: ChangeContext): ChangeResult {
  return moveChangeTo(current, 'assess', context);
}

/** What submission found: the risk, the conflicts, and the workflow that will decide. */
export interface Assessment {
  risk: ChangeRisk;
  conflicts: unknown[];
  executionArn: string;
  blackoutOverride?: { reason: string };
}

/**
 * Submission: the change goes to assessment with its risk and conflicts recorded, a new approval
 * round (submissions + 1) and the workflow execution that runs it.
 */
export function recordSubmission(current: Change, assessment: Assessment, context: ChangeContext): ChangeResult {
  const moved = moveChangeTo(current, 'assess', context);
  const at = context.now.toISOString();
  const next: Change = {
    ...moved.next,
    risk: assessment.risk,
    conflicts: assessment.conflicts,
    submissions: current.submissions + 1,
    workflow: { executionArn: assessment.executionArn, state: 'Submitted', since: at },
  };
  if (assessment.blackoutOverride !== undefined) {
    next.blackoutOverride = { by: context.actor.userId, at, reason: assessment.blackoutOverride.reason };
  }
  return commit(current, next, context);
}

/** The workflow reports where it is; a report of the same state changes nothing. */
export function atWorkflowState(change: Change, state: string, now: Date): Change {
  if (change.workflow === undefined || change.workflow.state === state) return change;
  return { ...change, workflow: { ...change.workflow, state, since: now.toISOString() } };
}

/** The workflow moves the change along; `state` is where it is now, for the change's readers. */
export function advanceByWorkflow(current: Change, status: ChangeStatus, state: string, context: ChangeContext): ChangeResult {
  const moved = current.status === status ? { ...current } : moveChangeTo(current, status, context).next;
  return commit(current, atWorkflowState(moved, state, context.now), context);
}

/**
 * Approved (or pre-approved): scheduled. A standard change passes through authorization at once;
 * an emergency (or a tuned workflow) may make the review mandatory.
 */
export function markScheduled(current: Change, input: { reviewRequired: boolean; state: string }, context: ChangeContext): ChangeResult {
  let next: Change = { ...current };
  if (next.status === 'assess') next = moveChangeTo(next, 'authorize', context).next;
  if (next.status !== 'scheduled') next = moveChangeTo(next, 'scheduled', context).next;
  next = atWorkflowState({ ...next, reviewRequired: next.reviewRequired || input.reviewRequired }, input.state, context.now);
  return commit(current, next, context);
}

export function markRejected(current: Change, rejection: ChangeRejection, state: string, context: ChangeContext): ChangeResult {
  if (current.status === 'rejected') return commit(current, atWorkflowState(current, state, context.now), context);
  const moved = moveChangeTo(current, 'rejected', context).next;
  return commit(current, atWorkflowState({ ...moved, rejection }, state, context.now), context);
}

/**
 * Which of the freezes overlapping its window hold a scheduled change's start. An emergency goes
 * ahead as it did at submission; so does a change an admin let start. A freeze the change was
 * submitted into with an admin's blackoutOverride was already weighed then; any other one, declared
 * after the change was assessed, holds it.
 */
export function startBlockers(
  change: Change,
  blackouts: readonly { name: string; start: string; end: string; services?: readonly string[] }[],
): StartBlocker[] {
  if (change.type === 'emergency' || change.startOverride !== undefined) return [];
  const weighed = new Set(change.blackoutOverride === undefined ? [] : (change.conflicts ?? []).flatMap((c) => (isBlackoutConflict(c) ? [c.name] : [])));
  return findConflicts(change, [], blackouts).flatMap((c) =>
    c.kind === 'blackout' && !weighed.has(c.name) ? [{ kind: 'blackout' as const, name: c.name, window: c.window }] : [],
  );
}

const isBlackoutConflict = (value: unknown): value is { kind: 'blackout'; name: string } =>
  typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'blackout' && typeof (value as { name?: unknown }).name === 'string';

/**
 * The workflow's check before the start. Blocked: the block is recorded (its first instant kept
 * while the same freezes hold it) and the workflow waits in `state`. Clear again (the freezes were
 * lifted or moved): the block is removed. An empty change list means nothing new to record.
 */
export function recordStartCheck(current: Change, blockers: readonly StartBlocker[], state: string, context: ChangeContext): ChangeResult {
  if (current.status !== 'scheduled') {
    throw new ChangeRuleError('INVALID_TRANSITION', `Only a scheduled change waits for its start; this one is ${current.status}`, 'status', {
      from: current.status,
      to: 'implement',
    });
  }
  const next: Change = { ...current };
  // Overridden: the block stays on record beside the override that lifted it.
  if (current.startOverride !== undefined) return commit(current, next, context);
  if (blockers.length === 0) {
    delete next.startBlocked;
    return commit(current, next, context);
  }
  const same = current.startBlocked !== undefined && JSON.stringify(current.startBlocked.blackouts) === JSON.stringify(blockers);
  next.startBlocked = same ? current.startBlocked : { at: context.now.toISOString(), blackouts: [...blockers] };
  return commit(current, atWorkflowState(next, state, context.now), context);
}

/** An admin lets a held change start: recorded, once, while it is held. */
export function overrideStart(current: Change, input: { reason: string }, context: ChangeContext): ChangeResult {
  if (current.status !== 'scheduled' || current.startBlocked === undefined || current.startOverride !== undefined) {
    throw new ChangeRuleError(
      'NOT_BLOCKED',
      `${current.number} is ${current.status} and its start is not held by a freeze: there is nothing to override`,
      'status',
      {
        status: current.status,
      },
    );
  }
  const next: Change = { ...current, startOverride: { by: context.actor.userId, at: context.now.toISOString(), reason: input.reason } };
  return commit(current, next, context);
}

/** The post-implementation review closes the change. */
export function completeReview(current: Change, input: { summary: string }, context: ChangeContext): ChangeResult {
  const moved = moveChangeTo(current, 'closed', context).next;
  const next: Change = { ...moved, review: { summary: input.summary, at: context.now.toISOString(), by: context.actor.userId } };
  return commit(current, next, context);
}

/**
 * The implementers' report: the outcome is recorded and the change goes to review, or, when it
 * owes none (a success that is not an emergency), closes in the same write.
 */
export function reportImplementation(current: Change, input: { outcome: ImplementationOutcome; notes: string }, context: ChangeContext): ChangeResult {
  const implemented = recordImplementation(current, input, context).next;
  return commit(current, implemented.reviewRequired ? implemented : moveChangeTo(implemented, 'closed', context).next, context);
}

/** Ends implementation with its outcome; anything short of success owes a review. */
export function recordImplementation(current: Change, input: { outcome: ImplementationOutcome; notes: string }, context: ChangeContext): ChangeResult {
  assertChangeTransition(current.status, 'review');
  const next: Change = {
    ...current,
    status: 'review',
    implementation: { outcome: input.outcome, notes: input.notes, at: context.now.toISOString(), by: context.actor.userId },
    reviewRequired: current.reviewRequired || input.outcome !== 'successful',
  };
  return commit(current, next, context);
}

export function closeChange(current: Change, context: ChangeContext): ChangeResult {
  return moveChangeTo(current, 'closed', context);
}

export function cancelChange(current: Change, context: ChangeContext): ChangeResult {
  return moveChangeTo(current, 'canceled', context);
}
