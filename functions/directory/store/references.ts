import { type Item, TABLE_NAME, type TransactItem } from '../../shared/store/db.ts';
import type { FieldCheck } from '../../shared/store/field-checks.ts';
import { groupKey, serviceKey, userKey } from './keys.ts';
import { RETIRING_ATTRIBUTE } from './records.ts';

export interface References {
  service?: string | undefined;
  assignmentGroup?: string | undefined;
  assignee?: string | undefined;
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
 * An assignee given with a group must be a member of that group: when the group exists (and is
 * not being deleted), its refusal blames the assignee.
 */
export function referenceChecks(refs: References, now = new Date().toISOString()): FieldCheck[] {
  const checks: FieldCheck[] = [];
  const gone = (field: string, missing: string, retiring: string) => (old: Item | undefined) => ({
    path: [field],
    message: old === undefined ? missing : retiring,
  });
  if (refs.service !== undefined) {
    checks.push({
      item: liveCheck(serviceKey(refs.service), now),
      refusal: gone('service', `There is no service named '${refs.service}'`, `Service '${refs.service}' is being deleted`),
    });
  }
  if (refs.assignmentGroup !== undefined) {
    const group = refs.assignmentGroup;
    checks.push({
      item: liveCheck(
        groupKey(group),
        now,
        refs.assignee === undefined ? undefined : { expression: 'contains(members, :assignee)', values: { ':assignee': refs.assignee } },
      ),
      refusal: (old) =>
        old === undefined
          ? { path: ['assignmentGroup'], message: `There is no group named '${group}'` }
          : isRetiring(old, now)
            ? { path: ['assignmentGroup'], message: `Group '${group}' is being deleted` }
            : { path: ['assignee'], message: `'${refs.assignee}' is not a member of group '${group}'` },
    });
  }
  if (refs.assignee !== undefined) {
    checks.push({
      item: liveCheck(userKey(refs.assignee), now),
      refusal: gone('assignee', `There is no user '${refs.assignee}'`, `User '${refs.assignee}' is being deleted`),
    });
  }
  return checks;
}
