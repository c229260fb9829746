import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { upgradeLegacyKey } from '../functions/ingestion/store/integration-store.ts';
import { TABLE_NAME } from '../functions/shared/store/db.ts';
import { scanEntities } from './scan-entities.ts';

/**
 * `npx tsx scripts/backfill-integration-keys.ts`, with TABLE_NAME set (and, for the local
 * runtime, its DynamoDB endpoint: docs/operations.md shows both). `npm run migrate` runs it, once.
 *
 * Integration keys created before keys had an id item, a per-service live count and an entry in
 * the live index (gsi3) are found by a Query of their service's keys when revoked or when their
 * service is deleted, and are missing from the live index. This one pass gives each such key what
 * creating it writes now, so every later lookup is a GetItem.
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
  for await (const item of scanEntities('integration')) {
    examined++;
    if (item.gsi3pk !== undefined) continue;
    if (await upgradeLegacyKey(item)) updated++;
  }
  return { examined, updated };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  parseArgs({ options: {}, strict: true });
  const { examined, updated } = await backfillIntegrationKeys();
  console.log(`${TABLE_NAME}: ${examined} integration keys examined, ${updated} updated`);
}
