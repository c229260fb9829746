import { GROUPS, recordFromItem } from '../../directory/store/records.ts';
import { batchGetAll } from '../../shared/store/batch-get.ts';
import { TABLE_NAME, type TransactItem } from '../../shared/store/db.ts';
import { type NamedItem, named } from '../../shared/store/transaction.ts';
import { askedKey, catalogItemKey } from './keys.ts';

/*
 * The checks a request's placement carries in its transaction: the catalog item is still the
 * version whose form accepted the answers, and, for an item only one group may order, the
 * requester is still a member. Refusals are found by these names.
 */

export const CATALOG_VERSION_CHECK = 'catalog-item-version';
export const ORDERING_GROUP_CHECK = 'ordering-group';

/** The item is still active at `version`: an edit (or deactivation) in between refuses the order. */
export function catalogVersionCheck(item: { id: string; version: number }): NamedItem {
  return named(CATALOG_VERSION_CHECK, {
    ConditionCheck: {
      TableName: TABLE_NAME,
      Key: catalogItemKey(item.id),
      ConditionExpression: 'version = :version AND active = :active',
      ExpressionAttributeValues: { ':version': item.version, ':active': true },
    },
  } satisfies TransactItem);
}

/** `userId` is among the members of `group` when the order commits (one group: no read needed). */
export function groupMemberCheck(group: string, userId: string): NamedItem {
  return named(ORDERING_GROUP_CHECK, {
    ConditionCheck: {
      TableName: TABLE_NAME,
      Key: GROUPS.key(group),
      ConditionExpression: 'contains(members, :user)',
      ExpressionAttributeValues: { ':user': userId },
    },
  } satisfies TransactItem);
}

/** Which of `groups` list `userId` among their members: one BatchGet (eventually consistent, as membership reads are). */
export async function groupsHolding(groups: readonly string[], userId: string): Promise<string[]> {
  const items = await batchGetAll(groups.map((group) => GROUPS.key(group)));
  return items.flatMap((item, i) => {
    if (item === undefined) return [];
    const { members } = recordFromItem<{ members?: string[] }>(GROUPS, item);
    return members?.includes(userId) === true ? [groups[i] as string] : [];
  });
}

/** The asked-approver items of a stage (its "awaiting my decision" entries): deleted when the request stops waiting on it. */
export function askedDeletes(requestId: string, stage: number, approvers: readonly string[]): TransactItem[] {
  return approvers.map((userId) => ({ Delete: { TableName: TABLE_NAME, Key: askedKey(requestId, stage, userId) } }));
}
