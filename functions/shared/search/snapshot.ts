import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import { getObject, NoSuchKey, putObject } from '../aws/s3.ts';
import { requireEnv } from '../env.ts';
import type { SearchIndexName } from './documents.ts';
import type { SearchSnapshot } from './engine.ts';

/**
 * The search indexes' snapshots in S3 (issue 16): one object per index, `search/<index>.json.gz`,
 * the gzip of the engine's snapshot JSON (engine.ts SearchSnapshot: MiniSearch's JSON, the
 * documents' versions, recent removals, and `asOf`). The rebuild writes it from the table, the
 * indexer refreshes it (writeSearchIndex); every reader loads it at its first search and follows
 * the change log from its `asOf` (readSearchIndex). Gzip because the JSON of 10,000 articles is
 * ~15 MB and its gzip about a fifth of that: less to transfer at a cold start, for a few ms of
 * gunzip (docs/knowledge.md has the measurements).
 *
 * The bucket is SEARCH_INDEX_BUCKET, read at the first call (a module importing this one but never
 * calling it needs no bucket). The S3 endpoint comes from the environment, read at every call
 * (AWS_ENDPOINT_URL_S3 locally), so a process that starts several local stacks in turn
 * (test/local/start-and-bind.test.ts) reaches each stack's own.
 */

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

export const snapshotKey = (index: SearchIndexName): string => `search/${index}.json.gz`;

const bucket = (): string => requireEnv('SEARCH_INDEX_BUCKET');

/** The index's snapshot, or undefined when none was saved yet. */
export async function loadSnapshot(index: SearchIndexName): Promise<SearchSnapshot | undefined> {
  let bytes: Uint8Array;
  try {
    bytes = (await getObject({ Bucket: bucket(), Key: snapshotKey(index) })).Body;
  } catch (error) {
    if (error instanceof NoSuchKey) return undefined;
    throw error;
  }
  const json = (await gunzipAsync(bytes)).toString('utf8');
  return JSON.parse(json) as SearchSnapshot;
}

/** Stores the index's snapshot (replacing the previous one); answers its size in bytes as stored. */
export async function saveSnapshot(index: SearchIndexName, snapshot: SearchSnapshot): Promise<{ bytes: number }> {
  const body = await gzipAsync(JSON.stringify(snapshot));
  await putObject({
    Bucket: bucket(),
    Key: snapshotKey(index),
    Body: body,
    ContentType: 'application/gzip',
    Metadata: { 'as-of': snapshot.asOf, documents: String(Object.keys(snapshot.versions).length) },
  });
  return { bytes: body.length };
}
