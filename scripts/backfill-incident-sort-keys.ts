import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { OPENED_SORTED_INDEXES, openedSortKey } from '../functions/incidents/store/incident-store.ts';
import { db, TABLE_NAME } from '../functions/shared/store/db.ts';
import { UpdateCommand } from '../functions/shared/store/dynamodb.ts';
import { scanEntities } from './scan-entities.ts';

/**
 * `npx tsx scripts/backfill-incident-sort-keys.ts`, with TABLE_NAME set (and, for the local
 * runtime, its DynamoDB endpoint: docs/operations.md shows both)
 *
 * Incident lists are sorted, and ranged by opening time, on `<createdAt>#<number>` in the filter
 * indexes (gsi2..gsi7). Incidents written by a version that used the number there are upgraded
 * by this one pass; until then they sort above every other incident of a filtered list and fall
 * outside opening-time ranges.
 */

/**
 * Upgrade step, not a request path: incidents written before the filter indexes were sorted by
 * opening time carry the number as their sort key there. Rewrites those keys in place (only the
 * keys, only while the incident is at the version read: a newer write has the right keys already).
 * Reads the whole table once (a Scan, which no Lambda function is allowed); safe to repeat.
 */
export async function backfillOpenedSortKeys(): Promise<{ examined: number; updated: number }> {
  let examined = 0;
  let updated = 0;
  for await (const item of scanEntities('incident')) {
    examined++;
    const wanted = openedSortKey({ createdAt: String(item.createdAt), number: String(item.number) });
    const stale = OPENED_SORTED_INDEXES.filter((index) => item[`${index}pk`] !== undefined && item[`${index}sk`] !== wanted);
    if (stale.length === 0) continue;
    try {
      await db.send(
        new UpdateCommand({
          TableName: TABLE_NAME,
          Key: { pk: item.pk, sk: item.sk },
          UpdateExpression: `SET ${stale.map((index) => `#${index} = :sk`).join(', ')}`,
          ConditionExpression: '#version = :version',
          ExpressionAttributeNames: { '#version': 'version', ...Object.fromEntries(stale.map((index) => [`#${index}`, `${index}sk`])) },
          ExpressionAttributeValues: { ':sk': wanted, ':version': item.version },
        }),
      );
      updated++;
    } catch (error) {
      if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
    }
  }
  return { examined, updated };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  parseArgs({ options: {}, strict: true });
  const { examined, updated } = await backfillOpenedSortKeys();
  console.log(`${TABLE_NAME}: ${examined} incidents examined, ${updated} updated`);
}
