import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { GetCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import {
  BACKFILL_ID_ITEM,
  BACKFILL_KEY_ITEM,
  integrationBackfillItems,
  liveIndexEntry,
} from '../functions/ingestion/store/integration-store.ts';
import { db, type Item, TABLE_NAME, TransactionRefused, transactWrite } from '../functions/shared/store/db.ts';

/**
 * `npx tsx scripts/backfill-integration-keys.ts`, with TABLE_NAME set (and, for the local
 * runtime, its DynamoDB endpoint: docs/operations.md shows both). `npm run migrate` runs it, once.
 *
 * Integration keys created before keys had an id item, a per-service live count and an entry in
 * the live index (gsi3) cannot be revoked (404) and do not stop their service from being deleted.
 * This one pass gives each such key what creating it writes now.
 */

/**
 * Upgrade step, not a request path: reads every integration key once (a Scan, which no Lambda
 * function is allowed). A key already in the live index was created with everything (skipped
 * without a write); for the others the id item is written only if missing, and a live key is
 * indexed and counted in that same transaction, so no key is counted twice, however often this
 * runs or however many run at once. Keys created between the id item and the live index have the
 * id item and their count already: they get their live index entry only.
 */
export async function backfillIntegrationKeys(): Promise<{ examined: number; updated: number }> {
  let examined = 0;
  let updated = 0;
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await db.send(
      new ScanCommand({
        TableName: TABLE_NAME,
        FilterExpression: '#entity = :integration',
        ExpressionAttributeNames: { '#entity': 'entity' },
        ExpressionAttributeValues: { ':integration': 'integration' },
        ConsistentRead: true,
        ...(startKey === undefined ? {} : { ExclusiveStartKey: startKey }),
      }),
    );
    for (const item of page.Items ?? []) {
      examined++;
      if (item.gsi3pk !== undefined) continue;
      if (await upgradeKey(item)) updated++;
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey !== undefined);
  return { examined, updated };
}

/** Whether anything was written for this key. */
async function upgradeKey(read: Item): Promise<boolean> {
  let item: Item | undefined = read;
  // A refusal on the key item means it changed since it was read (revoked, or deleted): read it again.
  for (let attempt = 0; attempt < 3 && item !== undefined; attempt++) {
    try {
      await transactWrite(integrationBackfillItems(item));
      return true;
    } catch (error) {
      if (!(error instanceof TransactionRefused)) throw error;
      if (error.failedAt(BACKFILL_ID_ITEM) !== undefined) return item.revokedAt === undefined && (await indexLiveKey(item));
      if (error.failedAt(BACKFILL_KEY_ITEM) === undefined) throw error;
      const key: Item = { pk: item.pk, sk: item.sk };
      const fresh: Item | undefined = (await db.send(new GetCommand({ TableName: TABLE_NAME, Key: key, ConsistentRead: true }))).Item;
      item = fresh === undefined || fresh.gsi3pk !== undefined ? undefined : fresh;
    }
  }
  return false;
}

/** A key that has its id item (and so its count): only the live index entry may be missing. */
async function indexLiveKey(item: Item): Promise<boolean> {
  try {
    await transactWrite([liveIndexEntry(item)]);
    return true;
  } catch (error) {
    if (error instanceof TransactionRefused) return false;
    throw error;
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  parseArgs({ options: {}, strict: true });
  const { examined, updated } = await backfillIntegrationKeys();
  console.log(`${TABLE_NAME}: ${examined} integration keys examined, ${updated} updated`);
}
