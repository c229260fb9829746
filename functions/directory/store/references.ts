import { fieldError, type FieldError } from '../../shared/errors.ts';
import { TABLE_NAME, type TransactItem, type TransactionRefused } from '../../shared/store/db.ts';
import { groupKey, serviceKey, userKey } from './keys.ts';
import { RETIRING_ATTRIBUTE } from './records.ts';

export interface References {
  service?: string | undefined;
  assignmentGroup?: string | undefined;
  assignee?: string | undefined;
}

export interface ReferenceChecks {
  readonly items: TransactItem[];
  /**
   * For each item, the body field it vouches for and what to say when it fails. `fieldIfExists`
   * names the field at fault when the record exists but the condition failed (a group that exists
   * without the assignee as a member: the assignee is wrong, not the group).
   */
  readonly failures: {
    field: string;
    fieldIfExists?: string;
    /** The record exists but is being deleted: the field itself is at fault, not `fieldIfExists`. */
    retiring?: (old: Record<string, unknown> | undefined) => boolean;
    message: (old: Record<string, unknown> | undefined) => string;
  }[];
}

/** A record whose delete is checking what names it (records.ts retireRecord) may not be named anew. */
const LIVE = `attribute_exists(pk) AND (attribute_not_exists(#retiring) OR #retiring < :now)`;
const isRetiring = (old: Record<string, unknown> | undefined, now: string): boolean =>
  typeof old?.[RETIRING_ATTRIBUTE] === 'string' && (old[RETIRING_ATTRIBUTE] as string) >= now;

function liveCheck(key: { pk: string; sk: string }, now: string, extra?: { expression: string; values: Record<string, unknown> }): TransactItem {
  return {
    ConditionCheck: {
      TableName: TABLE_NAME,
      Key: key,
      ConditionExpression: extra === undefined ? LIVE : `${LIVE} AND ${extra.expression}`,
      ExpressionAttributeNames: { '#retiring': RETIRING_ATTRIBUTE },
      ExpressionAttributeValues: { ':now': now, ...extra?.values },
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    },
  };
}

/**
 * For any write that names a directory record: "it exists and is not being deleted", to travel in
 * the write's transaction. Fails like a missing record while a delete looks for what names it.
 */
export const directoryRecordLive = (
  key: { pk: string; sk: string },
  now = new Date().toISOString(),
  also?: { expression: string; values: Record<string, unknown> },
): TransactItem => liveCheck(key, now, also);

/** Whether a record as read is marked as being deleted at `now` (a write naming it would be refused). */
export const isBeingDeleted = (item: Record<string, unknown>, now = new Date().toISOString()): boolean => isRetiring(item, now);

/**
 * Condition checks that travel in the same transaction as the write, so a reference is valid at the
 * instant of commit (no read-then-write window) and costs no extra round trip. A record being
 * deleted counts as gone, so that its delete cannot miss a reference made while it looked.
 * An assignee given with a group must be a member of that group.
 */
export function referenceChecks(refs: References, now = new Date().toISOString()): ReferenceChecks {
  const items: TransactItem[] = [];
  const failures: ReferenceChecks['failures'] = [];
  const gone = (missing: string, retiring: string) => (old: Record<string, unknown> | undefined) => (old === undefined ? missing : retiring);
  if (refs.service !== undefined) {
    items.push(liveCheck(serviceKey(refs.service), now));
    failures.push({ field: 'service', message: gone(`There is no service named '${refs.service}'`, `Service '${refs.service}' is being deleted`) });
  }
  if (refs.assignmentGroup !== undefined) {
    const group = refs.assignmentGroup;
    items.push(
      liveCheck(
        groupKey(group),
        now,
        refs.assignee === undefined ? undefined : { expression: 'contains(members, :assignee)', values: { ':assignee': refs.assignee } },
      ),
    );
    failures.push({
      field: 'assignmentGroup',
      fieldIfExists: 'assignee',
      retiring: (old) => isRetiring(old, now),
      message: (old) =>
        old === undefined
          ? `There is no group named '${group}'`
          : isRetiring(old, now)
            ? `Group '${group}' is being deleted`
            : `'${refs.assignee}' is not a member of group '${group}'`,
    });
  }
  if (refs.assignee !== undefined) {
    items.push(liveCheck(userKey(refs.assignee), now));
    failures.push({ field: 'assignee', message: gone(`There is no user '${refs.assignee}'`, `User '${refs.assignee}' is being deleted`) });
  }
  return { items, failures };
}

/**
 * Field errors for the reference checks that failed; `offset` is where the checks sat in the
 * transaction. One error per field: a later check (the assignee does not exist at all) says more
 * than an earlier one (the assignee is not a member).
 */
export function referenceErrors(refused: TransactionRefused, checks: ReferenceChecks, offset: number): FieldError[] {
  const byField = new Map<string, FieldError>();
  checks.failures.forEach((failure, i) => {
    const reason = refused.failedAt(offset + i);
    if (reason === undefined) return;
    const blameOther = reason.item !== undefined && failure.fieldIfExists !== undefined && failure.retiring?.(reason.item) !== true;
    const field = blameOther ? (failure.fieldIfExists as string) : failure.field;
    byField.set(field, fieldError('body', [field], failure.message(reason.item)));
  });
  return [...byField.values()];
}
