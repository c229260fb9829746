import { db, type Item, TABLE_NAME } from '../../shared/store/db.ts';
import { QueryCommand } from '../../shared/store/dynamodb.ts';
import type { Problem } from '../domain/problem.ts';

/*
 * Which problems a change request fixes: a sparse index on the problem item (gsi7, written by
 * problem-store.ts toItem with every write of the problem, so it follows `fix.change` as it is set,
 * moved or cleared):
 *   problem  gsi7 PROBLEM#FIX-CHANGE#<changeId> / <number>
 * When a change request ends, the reaction (functions/problems/handlers/problem-reactions.ts)
 * finds its problems with one Query, never a scan.
 */

const FIX_CHANGE_INDEX = 'gsi7';
const fixChangePartition = (changeId: string) => `PROBLEM#FIX-CHANGE#${changeId}`;

/** The index attributes of a problem item: present only while its fix names a change request. */
export function fixChangeIndexAttributes(problem: Problem): Item {
  const changeId = problem.fix?.change?.id;
  return changeId === undefined ? {} : { [`${FIX_CHANGE_INDEX}pk`]: fixChangePartition(changeId), [`${FIX_CHANGE_INDEX}sk`]: problem.number };
}

/** The ids of the problems whose fix names the change (eventually consistent: read each one again before writing it). */
export async function problemIdsFixedByChange(changeId: string): Promise<string[]> {
  const ids: string[] = [];
  let startKey: Item | undefined;
  do {
    const result = await db.send(
      new QueryCommand({
        TableName: TABLE_NAME,
        IndexName: FIX_CHANGE_INDEX,
        KeyConditionExpression: `${FIX_CHANGE_INDEX}pk = :pk`,
        ExpressionAttributeValues: { ':pk': fixChangePartition(changeId) },
        ProjectionExpression: 'id',
        ExclusiveStartKey: startKey,
      }),
    );
    ids.push(...(result.Items ?? []).map((item) => item.id as string));
    startKey = result.LastEvaluatedKey;
  } while (startKey !== undefined);
  return ids;
}
