import { referenceChecks } from '../directory/store/references.ts';
import type { NoteReference, Recipients } from '../shared/domain/outbox.ts';
import { isUnchangedWrite } from '../shared/domain/version.ts';
import { type FieldError, fieldError } from '../shared/errors.ts';
import { writeHistoryDraft } from '../shared/store/audit.ts';
import { fieldCheckItems, fieldCheckName } from '../shared/store/field-checks.ts';
import { type NamedItem, named, type TransactionEntry, type TransactionRefused } from '../shared/store/transaction.ts';
import type { Change, FieldDiff } from './domain/change.ts';
import { type ApprovalReference, type ChangeEventType, changeOutboxRecord, changeOwners, changeRecordEventType } from './domain/events.ts';
import { changeOutboxPut } from './store/change-outbox.ts';
import { changeCreate, changeHistoryPut, changeReplace, changeServiceCopies, changeUnchanged, newId } from './store/change-store.ts';

/*
 * Every write of a change request goes through here, whoever makes it (an agent's create, PATCH,
 * note or cancel; a vote; the approval workflow's steps): the change, its service copies, its
 * history record and one outbox record, as the items of ONE transaction. The change's item is named
 * CHANGE_ITEM (callers map its refused condition to 412 or a retry); callers add their own items
 * (reference checks, approval records, a note) to the same transaction.
 */

/** The name of the change's own item in its write's transaction. */
export const CHANGE_ITEM = 'change';

export interface ChangeRequestWrite {
  /** Undefined when the change is being created. */
  before?: Change;
  /** The change after the domain rules ran; `before` itself (same version) when nothing of it changes, as for a note. */
  after: Change;
  actor: string;
  /** Field changes of the change: the content of the history record and of the event. */
  changes: FieldDiff[];
  now: Date;
  /** Defaults: created without `before`, else updated. */
  action?: 'created' | 'updated' | 'note_added';
  /**
   * Overrides the event derived from the write (Change Created, Change Updated, or the event of the
   * status reached: Change Submitted, Change Canceled, ...) and its recipients (the change's group).
   */
  event?: { type: ChangeEventType; recipients: Recipients; approval?: ApprovalReference; note?: NoteReference };
}

export function changeRequestWrite(input: ChangeRequestWrite): TransactionEntry[] {
  const { before, after, now } = input;
  const unchanged = isUnchangedWrite(before, after, input.changes);
  const event = input.event ?? { type: changeRecordEventType(before, after), recipients: changeOwners(after) };
  const record = changeOutboxRecord({
    eventId: newId(),
    type: event.type,
    change: after,
    actor: input.actor,
    occurredAt: now.toISOString(),
    recipients: event.recipients,
    ...(before === undefined || unchanged ? {} : { changes: input.changes }),
    ...(event.approval === undefined ? {} : { approval: event.approval }),
    ...(event.note === undefined ? {} : { note: event.note }),
  });
  return [
    // A write that leaves the change as it was (a note) checks its version instead of rewriting it
    // and its copies: the change's ETag does not move for a note.
    named(CHANGE_ITEM, before === undefined ? changeCreate(after) : unchanged ? changeUnchanged(before) : changeReplace(after, before.version)),
    ...(unchanged ? [] : changeServiceCopies(before, after)),
    changeHistoryPut(after.id, writeHistoryDraft(input)),
    changeOutboxPut(record, now),
  ];
}

/** Condition checks that travel in the write's transaction, and the field errors when they fail. */
export interface ChangeReferenceChecks {
  readonly items: NamedItem[];
  /** Field errors for the checks that failed, found by their names. */
  errors(refused: TransactionRefused): FieldError[];
}

/**
 * The services and the group a change names must exist at the instant of commit: checks in the
 * same transaction, no extra round trip. Only what `after` adds over `before` is checked, so a
 * service deleted since does not block an unrelated edit. `blame` names the field at fault: the
 * request's own (services.2, assignmentGroup), or the template a standard change copied it from.
 */
export function changeReferenceChecks(
  before: Change | undefined,
  after: Change,
  blame: (field: 'services' | 'assignmentGroup', index?: number) => { path: (string | number)[]; message?: string } = (field, index) => ({
    path: index === undefined ? [field] : [field, index],
  }),
): ChangeReferenceChecks {
  const known = new Set(before?.services ?? []);
  const checks: { refs: ReturnType<typeof referenceChecks>; path: (string | number)[]; message?: string }[] = [];
  after.services.forEach((service, index) => {
    if (!known.has(service)) checks.push({ refs: referenceChecks({ service }), ...blame('services', index) });
  });
  if (after.assignmentGroup !== undefined && after.assignmentGroup !== before?.assignmentGroup) {
    checks.push({ refs: referenceChecks({ assignmentGroup: after.assignmentGroup }), ...blame('assignmentGroup') });
  }
  return {
    items: checks.flatMap((check) => fieldCheckItems(check.refs)),
    errors: (refused) =>
      checks.flatMap((check) => {
        const [only] = check.refs;
        if (only === undefined || !refused.has(fieldCheckName(only))) return [];
        const found = only.refusal(refused.item(fieldCheckName(only))).message;
        return [fieldError('body', check.path, check.message === undefined ? found : `${check.message}: ${found}`)];
      }),
  };
}
