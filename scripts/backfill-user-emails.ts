import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { indexUserEmail } from '../functions/directory/store/users.ts';
import { TABLE_NAME } from '../functions/shared/store/db.ts';
import { scanEntities } from './scan-entities.ts';

/**
 * `npx tsx scripts/backfill-user-emails.ts`, with TABLE_NAME set (and, for the local runtime, its
 * DynamoDB endpoint: docs/operations.md shows both). `npm run migrate` runs it, once.
 *
 * Users written before e-mail addresses were unique have no e-mail index item
 * (USEREMAIL#<lowercased email>), so findUserByEmail would not find them and another user could
 * take their address. This one pass writes the missing items, so every lookup stays one GetItem.
 * Two such users sharing an address (possible before) cannot both hold it: the first one indexed
 * keeps it, the other is counted as a conflict for an admin to resolve (PUT /users/{id}).
 */
export async function backfillUserEmails(): Promise<{ examined: number; indexed: number; conflicts: number }> {
  let examined = 0;
  let indexed = 0;
  let conflicts = 0;
  for await (const user of scanEntities('user')) {
    examined++;
    const outcome = await indexUserEmail(user);
    if (outcome === 'indexed') indexed++;
    if (outcome === 'held-by-another') conflicts++;
  }
  return { examined, indexed, conflicts };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  parseArgs({ options: {}, strict: true });
  const { examined, indexed, conflicts } = await backfillUserEmails();
  console.log(`${TABLE_NAME}: ${examined} users examined, ${indexed} e-mail addresses indexed, ${conflicts} held by another user`);
}
