import { filterFingerprint } from '../../shared/store/cursor.ts';
import { db, type Item, TABLE_NAME, type TransactItem, withoutKeys } from '../../shared/store/db.ts';
import { QueryCommand } from '../../shared/store/dynamodb.ts';
import { type Page, queryPage } from '../../shared/store/pagination.ts';
import { problemKey } from './problem-store.ts';

/*
 * Links between a problem and its incidents (docs/data-model.md):
 *   link  pk PROBLEM#<problemId>  sk INCIDENT#<incidentId>   gsi1 PROBLEM#<problemId>#INCIDENTS / <linkedAt>#<incidentNumber>
 * In the problem's partition, keyed by the incident: unlinking finds it by key, and the reaction to
 * a resolution pages them all with one Query per page. gsi1 lists them newest link first. Written
 * only in the link transaction, with the problem and the incident (functions/problems/handlers/problem-incidents.ts);
 * the incident names its problem itself (`problem` on the incident), so it needs no item here.
 */

export interface ProblemIncidentLink {
  problemId: string;
  incidentId: string;
  incidentNumber: string;
  linkedAt: string;
  linkedBy: string;
}

/** The name of the link's item in the link and unlink transactions. */
export const LINK_ITEM = 'link';

const LINK_ENTITY = 'problem-incident-link';
const LINK_FIELDS: readonly (keyof ProblemIncidentLink)[] = ['problemId', 'incidentId', 'incidentNumber', 'linkedAt', 'linkedBy'];

export const problemIncidentLinkKey = (problemId: string, incidentId: string) => ({ pk: problemKey(problemId).pk, sk: `INCIDENT#${incidentId}` });
const linksByTimePartition = (problemId: string) => `${problemKey(problemId).pk}#INCIDENTS`;

/** Creates the link: refused under LINK_ITEM if it exists. */
export function linkPut(link: ProblemIncidentLink): TransactItem {
  return {
    Put: {
      TableName: TABLE_NAME,
      Item: {
        ...problemIncidentLinkKey(link.problemId, link.incidentId),
        entity: LINK_ENTITY,
        ...link,
        gsi1pk: linksByTimePartition(link.problemId),
        gsi1sk: `${link.linkedAt}#${link.incidentNumber}`,
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  };
}

/** Deletes the link: refused under LINK_ITEM if it is not there. */
export function linkDelete(problemId: string, incidentId: string): TransactItem {
  return { Delete: { TableName: TABLE_NAME, Key: problemIncidentLinkKey(problemId, incidentId), ConditionExpression: 'attribute_exists(pk)' } };
}

const fromItem = (item: Item): ProblemIncidentLink => withoutKeys<ProblemIncidentLink>(item, LINK_FIELDS);

/** One page of a problem's links, newest link first (gsi1: eventually consistent, like every list). */
export async function listProblemIncidentLinks(problemId: string, limit: number, cursor?: string): Promise<Page<ProblemIncidentLink>> {
  const page = await queryPage(
    {
      TableName: TABLE_NAME,
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :pk',
      ExpressionAttributeValues: { ':pk': linksByTimePartition(problemId) },
      ScanIndexForward: false,
    },
    limit,
    cursor,
    filterFingerprint({ problemId, kind: 'problem-incidents' }),
  );
  return { ...page, items: page.items.map(fromItem) };
}

/**
 * Every link of a problem, page by page (strongly consistent, from the problem's own partition):
 * what the reaction to a resolution walks. `visit` gets each page before the next is read.
 */
export async function forEachProblemIncidentLink(problemId: string, visit: (links: ProblemIncidentLink[]) => Promise<void>): Promise<void> {
  let startKey: Item | undefined;
  do {
    const result = await db.send(
      new QueryCommand({
        TableName: TABLE_NAME,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :incident)',
        ExpressionAttributeValues: { ':pk': problemKey(problemId).pk, ':incident': 'INCIDENT#' },
        ConsistentRead: true,
        ExclusiveStartKey: startKey,
        Limit: 100,
      }),
    );
    const links = (result.Items ?? []).filter((item) => item.entity === LINK_ENTITY).map(fromItem);
    if (links.length > 0) await visit(links);
    startKey = result.LastEvaluatedKey;
  } while (startKey !== undefined);
}
