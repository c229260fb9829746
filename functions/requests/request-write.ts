import type { FieldDiff } from '../shared/domain/audit.ts';
import type { NoteReference, Recipients } from '../shared/domain/outbox.ts';
import { isUnchangedWrite } from '../shared/domain/version.ts';
import { newId, writeHistoryDraft } from '../shared/store/audit.ts';
import { named, type TransactionEntry } from '../shared/store/transaction.ts';
import { type RequestEventType, requestEventRecord, requestRecordEventType, type StageReference } from './domain/events.ts';
import type { ServiceRequest } from './domain/request.ts';
import { requestOutboxPut } from './store/request-outbox.ts';
import { requestCreate, requestHistoryPut, requestReplace, requestUnchanged } from './store/request-store.ts';

/*
 * Every write of a service request goes through here, whoever makes it (the requester's order,
 * close, cancel or note; an approver's vote; the fulfilment workflow's steps; a task closing the
 * last of its request's tasks): the request at its version, its history record and one outbox
 * record, as the items of ONE transaction. The request's item is named REQUEST_ITEM: callers map
 * its refused condition (412 on If-Match, 409 or a retry otherwise) by that name, and add their own
 * items (a note, stage, vote or task, a ConditionCheck) to the same transaction.
 */

/** The name of the request's own item in its write's transaction. */
export const REQUEST_ITEM = 'request';

export interface RequestWrite {
  /** Undefined when the request is being created. */
  before?: ServiceRequest;
  /** The request after the domain rules ran; `before` itself (same version) when nothing of it changes, as for a note. */
  after: ServiceRequest;
  actor: string;
  /** Field changes of the request: the content of the history record and of the event. */
  changes: FieldDiff[];
  now: Date;
  /** Defaults: created without `before`, else updated. */
  action?: 'created' | 'updated' | 'note_added';
  /** The note's visibility, recorded in the history of a note_added write. */
  noteVisibility?: 'public' | 'work';
  /**
   * Overrides the event derived from the write (Request Submitted, Request Updated, or the event of
   * the status reached: Request Approved, Request Canceled, ...) and its recipients (the requester;
   * the approvers asked, for approval requests and reminders).
   */
  event?: { type: RequestEventType; recipients?: Recipients; stage?: StageReference; note?: NoteReference };
}

export function requestWrite(input: RequestWrite): TransactionEntry[] {
  const { before, after, now } = input;
  const unchanged = isUnchangedWrite(before, after, input.changes);
  const record = requestEventRecord(input.event?.type ?? requestRecordEventType(before, after), after, {
    eventId: newId(),
    actor: input.actor,
    occurredAt: now.toISOString(),
    ...(input.event?.recipients === undefined ? {} : { recipients: input.event.recipients }),
    ...(before === undefined || unchanged ? {} : { changes: input.changes }),
    ...(input.event?.stage === undefined ? {} : { stage: input.event.stage }),
    ...(input.event?.note === undefined ? {} : { note: input.event.note }),
  });
  return [
    // A write that leaves the request as it was (a note) checks its version instead of rewriting it: its ETag does not move.
    named(REQUEST_ITEM, before === undefined ? requestCreate(after) : unchanged ? requestUnchanged(before) : requestReplace(after, before.version)),
    requestHistoryPut(after.id, writeHistoryDraft(input)),
    requestOutboxPut(record, now),
  ];
}
