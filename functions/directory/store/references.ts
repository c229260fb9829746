import { fieldError, type FieldError } from '../../shared/errors.ts';
import { TABLE_NAME, type TransactItem, type TransactionRefused } from '../../shared/store/db.ts';
import { groupKey, serviceKey, userKey } from './keys.ts';

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
  readonly failures: { field: string; fieldIfExists?: string; message: (old: Record<string, unknown> | undefined) => string }[];
}

/**
 * Condition checks that travel in the same transaction as the write, so a reference is valid at the
 * instant of commit (no read-then-write window) and costs no extra round trip.
 * An assignee given with a group must be a member of that group.
 */
export function referenceChecks(refs: References): ReferenceChecks {
  const items: TransactItem[] = [];
  const failures: ReferenceChecks['failures'] = [];
  if (refs.service !== undefined) {
    items.push({ ConditionCheck: { TableName: TABLE_NAME, Key: serviceKey(refs.service), ConditionExpression: 'attribute_exists(pk)' } });
    failures.push({ field: 'service', message: () => `There is no service named '${refs.service}'` });
  }
  if (refs.assignmentGroup !== undefined) {
    const withMember = refs.assignee !== undefined;
    items.push({
      ConditionCheck: {
        TableName: TABLE_NAME,
        Key: groupKey(refs.assignmentGroup),
        ConditionExpression: withMember ? 'attribute_exists(pk) AND contains(members, :assignee)' : 'attribute_exists(pk)',
        ...(withMember ? { ExpressionAttributeValues: { ':assignee': refs.assignee } } : {}),
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      },
    });
    failures.push({
      field: 'assignmentGroup',
      fieldIfExists: 'assignee',
      message: (old) =>
        old === undefined
          ? `There is no group named '${refs.assignmentGroup}'`
          : `'${refs.assignee}' is not a member of group '${refs.assignmentGroup}'`,
    });
  }
  if (refs.assignee !== undefined) {
    items.push({ ConditionCheck: { TableName: TABLE_NAME, Key: userKey(refs.assignee), ConditionExpression: 'attribute_exists(pk)' } });
    failures.push({ field: 'assignee', message: () => `There is no user '${refs.assignee}'` });
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
    const field = reason.item !== undefined && failure.fieldIfExists !== undefined ? failure.fieldIfExists : failure.field;
    byField.set(field, fieldError('body', [field], failure.message(reason.item)));
  });
  return [...byField.values()];
}
