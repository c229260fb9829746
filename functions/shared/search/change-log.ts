import { db, TABLE_NAME } from '../store/db.ts';
import { BatchWriteCommand, type BatchWriteCommandInput, PutCommand } from '../store/dynamodb.ts';
import { queryAll } from '../store/pagination.ts';
import { TTL_ATTRIBUTE } from '../store/table-design.ts';
import type { SearchChange, SearchIndexName } from './documents.ts';

/**
 * The search indexes' change log, in the table (issue 16): how every reader's in-memory index
 * (./reader.ts) follows the records between two snapshots (./snapshot.ts). The indexer writes a
 * change per indexed record write (a document, or its removal); a reader Queries the changes since
 * its last read. One partition per index:
 *
 *   pk `SEARCH#<index>`  sk `CHANGE#<at ISO>#<docId>#<version>[#removed]`  {entity 'searchChange', docId, version, at,
 *   document? | removed, expiresAt (30 days: the table's TTL attribute)}
 *
 * A change's `at` is its writer's clock; a read starts SEARCH_CHANGE_OVERLAP_MS before the last
 * one, so that a change written with an `at` just before that read but committed after it is
 * still seen. Changes read twice are harmless: applying them is idempotent (engine.ts).
 *
 * A rebuild marks the log too, once it has saved an index's snapshot:
 *
 *   pk `SEARCH#<index>`  sk `CHANGE#<at ISO>#snapshot`  {entity 'searchSnapshot', at, asOf (the
 *   snapshot's), expiresAt}
 *
 * so that a warm reader, whose snapshot is older, loads the new one (reader.ts): a rebuild holds
 * what no change carries (records restored, changes lost or expired, removals).
 */

/** How far before the asked instant a read starts: clock skew and write latency between writers. */
export const SEARCH_CHANGE_OVERLAP_MS = 15_000;
/** How long the table keeps a change; a snapshot must be saved more often than this. */
export const SEARCH_CHANGE_TTL_DAYS = 30;

const ENTITY = 'searchChange';
const SNAPSHOT_ENTITY = 'searchSnapshot';
/** BatchWriteItem takes at most 25 puts. */
const BATCH = 25;
/** Rounds of retrying unprocessed items before giving up (throws: the caller's retry writes them again). */
const MAX_ROUNDS = 8;

export const searchChangePartition = (index: SearchIndexName): string => `SEARCH#${index}`;
// The version (and a removal's mark) is part of the key: two indexer instances writing the same record in the same
// millisecond would otherwise overwrite each other's change, and the one kept could be the older.
const changeKey = (change: SearchChange): string => `CHANGE#${change.at}#${change.docId}#${change.version}${change.removed === true ? '#removed' : ''}`;

type WriteRequests = NonNullable<BatchWriteCommandInput['RequestItems']>[string];

const expiresAt = (at: string): number => Math.floor(Date.parse(at) / 1000) + SEARCH_CHANGE_TTL_DAYS * 24 * 60 * 60;

/** A rebuild's mark in the change log: it saved the index's snapshot as of `asOf`, at `at`. */
export interface SearchSnapshotMarker {
  readonly asOf: string;
  readonly at: string;
}

/** What the change log holds since an instant: the changes, and the snapshots rebuilds saved (oldest first). */
export interface SearchLog {
  readonly changes: SearchChange[];
  readonly snapshots: SearchSnapshotMarker[];
}

/**
 * Marks the change log: a snapshot of the index as of `asOf` was saved (one PutItem). Written by the
 * rebuild after it saved the snapshot, so that warm readers load it.
 */
export async function writeSnapshotMarker(index: SearchIndexName, asOf: string, at: string = new Date().toISOString()): Promise<void> {
  await db.send(
    new PutCommand({
      TableName: TABLE_NAME,
      Item: { pk: searchChangePartition(index), sk: `CHANGE#${at}#snapshot`, entity: SNAPSHOT_ENTITY, at, asOf, [TTL_ATTRIBUTE]: expiresAt(at) },
    }),
  );
}

/** Writes the changes of an index (25 to a BatchWriteItem), retrying what DynamoDB leaves unprocessed with a backoff. */
export async function writeSearchChanges(index: SearchIndexName, changes: readonly SearchChange[]): Promise<void> {
  const pk = searchChangePartition(index);
  for (let start = 0; start < changes.length; start += BATCH) {
    let requests: WriteRequests = changes.slice(start, start + BATCH).map((change) => ({
      PutRequest: {
        Item: {
          pk,
          sk: changeKey(change),
          entity: ENTITY,
          docId: change.docId,
          version: change.version,
          at: change.at,
          ...(change.removed === true ? { removed: true } : { document: change.document }),
          [TTL_ATTRIBUTE]: expiresAt(change.at),
        },
      },
    }));
    for (let round = 1; requests.length > 0; round++) {
      if (round > MAX_ROUNDS) throw new Error(`Search change log: ${requests.length} changes of ${index} left unprocessed after ${MAX_ROUNDS} rounds`);
      if (round > 1) await new Promise((resolve) => setTimeout(resolve, 25 * 2 ** (round - 2) + Math.random() * 25));
      const result = await db.send(new BatchWriteCommand({ RequestItems: { [TABLE_NAME]: requests } }));
      requests = result.UnprocessedItems?.[TABLE_NAME] ?? [];
    }
  }
}

/**
 * The changes of an index written since `sinceIso`, less SEARCH_CHANGE_OVERLAP_MS (every change the
 * table still keeps without it), oldest first: a consistent Query, every page.
 */
export async function readSearchChanges(index: SearchIndexName, sinceIso?: string): Promise<SearchChange[]> {
  return (await readSearchLog(index, sinceIso)).changes;
}

/** As readSearchChanges, with the snapshot markers read on the way. */
export async function readSearchLog(index: SearchIndexName, sinceIso?: string): Promise<SearchLog> {
  const from = sinceIso === undefined ? '' : new Date(Date.parse(sinceIso) - SEARCH_CHANGE_OVERLAP_MS).toISOString();
  const items = await queryAll({
    TableName: TABLE_NAME,
    KeyConditionExpression: 'pk = :pk AND sk > :from',
    ExpressionAttributeValues: { ':pk': searchChangePartition(index), ':from': `CHANGE#${from}` },
    ConsistentRead: true,
  });
  const changes: SearchChange[] = [];
  const snapshots: SearchSnapshotMarker[] = [];
  for (const item of items) {
    if (item.entity === SNAPSHOT_ENTITY) {
      snapshots.push({ asOf: item.asOf as string, at: item.at as string });
      continue;
    }
    const { docId, version, at, document, removed } = item as {
      docId: string;
      version: number;
      at: string;
      document?: SearchChange['document'];
      removed?: boolean;
    };
    changes.push(removed === true ? { docId, version, at, removed: true } : { docId, version, at, ...(document === undefined ? {} : { document }) });
  }
  return { changes, snapshots };
}
