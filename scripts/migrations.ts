import { db, TABLE_NAME } from '../functions/shared/store/db.ts';
import { GetCommand, UpdateCommand } from '../functions/shared/store/dynamodb.ts';
import { backfillOpenedSortKeys } from './backfill-incident-sort-keys.ts';
import { backfillIntegrationKeys } from './backfill-integration-keys.ts';
import { backfillUserEmails } from './backfill-user-emails.ts';
import { countUncountedRecords } from './queue-counts.ts';

/*
 * Data migrations: one-off upgrades of items an earlier version wrote. Each is safe to repeat; a
 * table records the ones done in one marker item (pk MIGRATIONS, sk APPLIED, a string set of
 * names), so asking what is pending is one GetItem. `npm start` runs the pending ones on an
 * existing data folder before it serves; in AWS, `npm run migrate -- --table <name>` does
 * (scripts/migrate.ts). They read the whole table (Scans), which no Lambda function is granted:
 * they run with the operator's credentials, never on a request path.
 */

export interface Migration {
  /** Recorded in the marker once done: never renamed, never reused for another upgrade. */
  readonly name: string;
  /** Upgrades the table, and says in a few words what it did. */
  run(): Promise<string>;
}

/** In the order they run. */
export const MIGRATIONS: readonly Migration[] = [
  {
    name: 'incident-opened-sort-keys',
    run: async () => {
      const { examined, updated } = await backfillOpenedSortKeys();
      return `${examined} incidents examined, ${updated} updated`;
    },
  },
  {
    name: 'integration-key-ids',
    run: async () => {
      const { examined, updated } = await backfillIntegrationKeys();
      return `${examined} integration keys examined, ${updated} updated`;
    },
  },
  {
    name: 'user-email-index',
    run: async () => {
      const { examined, indexed, conflicts } = await backfillUserEmails();
      return `${examined} users examined, ${indexed} e-mail addresses indexed, ${conflicts} held by another user`;
    },
  },
  {
    name: 'queue-counts',
    run: async () => (await countUncountedRecords()).map(({ kind, examined, counted }) => `${kind}: ${examined} examined, ${counted} counted`).join('; '),
  },
];

const MARKER_KEY = { pk: 'MIGRATIONS', sk: 'APPLIED' };

/** The names of the migrations this table has had: one GetItem. */
export async function appliedMigrations(): Promise<ReadonlySet<string>> {
  const result = await db.send(new GetCommand({ TableName: TABLE_NAME, Key: MARKER_KEY, ConsistentRead: true }));
  return (result.Item?.applied as Set<string> | undefined) ?? new Set();
}

export async function pendingMigrations(): Promise<Migration[]> {
  const applied = await appliedMigrations();
  return MIGRATIONS.filter((migration) => !applied.has(migration.name));
}

// ADD to a set: recording a name twice (two runs at once) leaves one entry.
async function recordApplied(names: readonly string[]): Promise<void> {
  if (names.length === 0) return;
  await db.send(
    new UpdateCommand({
      TableName: TABLE_NAME,
      Key: MARKER_KEY,
      UpdateExpression: 'ADD applied :names SET entity = :entity, updatedAt = :at',
      ExpressionAttributeValues: { ':names': new Set(names), ':entity': 'migrations', ':at': new Date().toISOString() },
    }),
  );
}

/** A table this version created holds nothing older to upgrade: every migration counts as done. */
export const recordAllApplied = (): Promise<void> => recordApplied(MIGRATIONS.map((migration) => migration.name));

export interface MigrationRun {
  readonly name: string;
  readonly summary: string;
  readonly ms: number;
}

/**
 * Runs the pending migrations in order, each recorded as soon as it is done (a run stopped halfway
 * resumes with the next one); `onDone` hears of each. Nothing pending: one GetItem.
 */
export async function runPendingMigrations(onDone?: (run: MigrationRun) => void): Promise<MigrationRun[]> {
  const runs: MigrationRun[] = [];
  for (const migration of await pendingMigrations()) {
    const started = performance.now();
    const summary = await migration.run();
    await recordApplied([migration.name]);
    const run = { name: migration.name, summary, ms: performance.now() - started };
    runs.push(run);
    onDone?.(run);
  }
  return runs;
}
