import { type References, referenceChecks } from '../directory/store/references.ts';
import { knownErrorEntries } from '../known-errors/store/known-error-store.ts';
import type { NoteReference, Recipients } from '../shared/domain/outbox.ts';
import { isUnchangedWrite } from '../shared/domain/version.ts';
import { newId, writeHistoryDraft } from '../shared/store/audit.ts';
import type { FieldCheck } from '../shared/store/field-checks.ts';
import { named, type TransactionEntry } from '../shared/store/transaction.ts';
import { type ProblemEventType, problemOutboxRecord, problemRecordEventType, problemRecordRecipients } from './domain/events.ts';
import type { FieldDiff, Problem } from './domain/problem.ts';
import { problemOutboxPut } from './store/problem-outbox.ts';
import { problemCreate, problemHistoryPut, problemReplace, problemUnchanged } from './store/problem-store.ts';
import { problemReportEntries } from './store/report-store.ts';

/*
 * Every write of a problem goes through here, whoever makes it (an agent's create, PATCH or note;
 * the reactions to linked incidents and to the fix's change request): the problem at its version,
 * its history record and one outbox record, plus whatever DERIVED_ENTRIES build from the problem
 * before and after, as the items of ONE transaction. The problem's item is named PROBLEM_ITEM:
 * callers map its refused condition (412, or a retry) by that name, and add their own items
 * (reference checks, a note, a link) to the same transaction.
 */

/** The name of the problem's own item in its write's transaction. */
export const PROBLEM_ITEM = 'problem';

export interface ProblemWrite {
  /** Undefined when the problem is being created. */
  before?: Problem;
  /** The problem after the domain rules ran; `before` itself (same version) when nothing of it changes, as for a note. */
  after: Problem;
  actor: string;
  /** Field changes of the problem: the content of the history record and of the event. */
  changes: FieldDiff[];
  now: Date;
  /** Defaults: created without `before`, else updated. */
  action?: 'created' | 'updated' | 'note_added' | 'incident_linked' | 'incident_unlinked';
  /** Overrides the event derived from the write (problemRecordEventType) and its recipients. */
  event?: { type: ProblemEventType; recipients: Recipients; note?: NoteReference; incident?: { id: string; number: string } };
}

/**
 * Items every write of a problem carries besides its own, each built from the problem as it was
 * (undefined on creation) and as it will be: the known-error projection, the report counters.
 * Add one line per concern; each returns [] when the write does not touch it.
 */
type DerivedEntries = (before: Problem | undefined, after: Problem, now: Date) => TransactionEntry[];
const DERIVED_ENTRIES: readonly DerivedEntries[] = [problemReportEntries, knownErrorEntries];

export function problemWrite(input: ProblemWrite): TransactionEntry[] {
  const { before, after, now } = input;
  const unchanged = isUnchangedWrite(before, after, input.changes);
  const type = input.event?.type ?? problemRecordEventType(before, after);
  const record = problemOutboxRecord({
    eventId: newId(),
    type,
    problem: after,
    actor: input.actor,
    occurredAt: now.toISOString(),
    recipients: input.event?.recipients ?? problemRecordRecipients(type, after),
    ...(before === undefined || unchanged ? {} : { changes: input.changes }),
    ...(input.event?.note === undefined ? {} : { note: input.event.note }),
    ...(input.event?.incident === undefined ? {} : { incident: input.event.incident }),
  });
  return [
    // A write that leaves the problem as it was (a note) checks its version instead of rewriting it: its ETag does not move.
    named(PROBLEM_ITEM, before === undefined ? problemCreate(after) : unchanged ? problemUnchanged(before) : problemReplace(after, before.version)),
    problemHistoryPut(after.id, writeHistoryDraft(input)),
    problemOutboxPut(record, now),
    ...(unchanged ? [] : DERIVED_ENTRIES.flatMap((entries) => entries(before, after, now))),
  ];
}

/**
 * The directory records a write names anew (service, group, assignee), checked in its transaction:
 * only what `after` adds over `before`, so a service deleted since does not block an unrelated
 * edit. An assignee with a group must belong to it, so a new assignee checks the group too.
 */
export function problemReferenceChecks(before: Problem | undefined, after: Problem): FieldCheck[] {
  const refs: References = {};
  if (after.service !== undefined && after.service !== before?.service) refs.service = after.service;
  const assigneeChanged = after.assignee !== before?.assignee;
  const groupChanged = after.assignmentGroup !== before?.assignmentGroup;
  if (after.assignee !== undefined && assigneeChanged) refs.assignee = after.assignee;
  if (after.assignmentGroup !== undefined && (groupChanged || (assigneeChanged && after.assignee !== undefined))) {
    refs.assignmentGroup = after.assignmentGroup;
    if (after.assignee !== undefined) refs.assignee = after.assignee;
  }
  return referenceChecks(refs);
}
