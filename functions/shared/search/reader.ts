import { readSearchLog } from './change-log.ts';
import type { SearchChange, SearchIndexName } from './documents.ts';
import { SearchEngine, type SearchHit, type SearchOptions, type SearchSnapshot } from './engine.ts';
import { loadSnapshot, saveSnapshot } from './snapshot.ts';

/**
 * A search index as a function uses it (issue 16): the engine in memory, kept for the life of the
 * Lambda instance, loaded from its snapshot at the first search and brought up to date from the
 * change log before each search, at most once per REFRESH_MS. A change the indexer wrote is thus
 * searchable within about a second of its write on every warm instance; a cold one pays the
 * snapshot's load (S3 GetObject, gunzip, MiniSearch.loadJS) once. A rebuild's snapshot holds what
 * no change carries (records restored, changes lost or expired): the rebuild marks the change log
 * when it has saved it (change-log.ts writeSnapshotMarker), and a reader that reads a mark newer
 * than its own snapshot loads the snapshot again, then the change log since its asOf; so a rebuild
 * reaches warm instances at their next refresh too. (Compaction's snapshots write no mark: they are
 * the previous snapshot and the change log every reader follows anyway.)
 *
 * Needs the table (read) and readSearchIndex (SEARCH_INDEX_BUCKET); saving needs writeSearchIndex.
 */

/** How often a reader asks the change log at most (one Query); searches in between use what it has. */
export const REFRESH_MS = 1000;

export interface SearchIndex {
  /**
   * Loads the snapshot at the first call, then reads the change log since the last read: at most
   * once per REFRESH_MS unless `force`; a refresh in flight is shared by whoever asks meanwhile.
   */
  refresh(options?: { readonly force?: boolean }): Promise<void>;
  /** Searches what the last refresh brought (an index never refreshed is empty). */
  search(query: string, options?: SearchOptions): SearchHit[];
  /** Applies changes at once (a writer's own, without waiting for the change log). */
  apply(changes: readonly SearchChange[]): number;
  /** The index as a snapshot, as of the start of its last change-log read. */
  toSnapshot(): SearchSnapshot;
  /** Documents indexed. */
  readonly size: number;
}

class CachedSearchIndex implements SearchIndex {
  readonly #name: SearchIndexName;
  #engine: SearchEngine | undefined;
  /** Where the next change-log read starts: the start of the last one (the snapshot's asOf at first). */
  #since: string | undefined;
  /** The asOf of the snapshot the engine was loaded from ('' for none), or of a newer mark already seen. */
  #snapshotAsOf = '';
  #lastRead = 0;
  #inFlight: Promise<void> | undefined;

  constructor(name: SearchIndexName) {
    this.#name = name;
  }

  get size(): number {
    return this.#engine?.size ?? 0;
  }

  async refresh(options: { readonly force?: boolean } = {}): Promise<void> {
    if (this.#inFlight !== undefined) {
      await this.#inFlight;
      if (options.force !== true) return;
    }
    if (options.force !== true && this.#engine !== undefined && Date.now() - this.#lastRead < REFRESH_MS) return;
    // Another caller may have started one while this one waited.
    if (this.#inFlight !== undefined) return this.#inFlight;
    this.#inFlight = this.#read().finally(() => {
      this.#inFlight = undefined;
    });
    return this.#inFlight;
  }

  async #read(): Promise<void> {
    const startedAt = Date.now();
    let loaded = this.#engine === undefined ? await this.#load() : undefined;
    let log = await readSearchLog(this.#name, loaded?.since ?? this.#since);
    const snapshotAsOf = loaded?.snapshotAsOf ?? this.#snapshotAsOf;
    // The newest snapshot a rebuild marked (ISO instants sort as strings).
    const marked =
      log.snapshots
        .map((mark) => mark.asOf)
        .sort()
        .at(-1) ?? '';
    if (marked > snapshotAsOf) {
      // A rebuild saved a newer snapshot: load it, then the change log since its asOf.
      loaded = await this.#load();
      log = await readSearchLog(this.#name, loaded.since);
      // Never load again for this mark, should the snapshot read be older than the mark (it is not: S3 reads its writes).
      if (loaded.snapshotAsOf < marked) loaded = { ...loaded, snapshotAsOf: marked };
    }
    const engine = loaded?.engine ?? (this.#engine as SearchEngine);
    engine.apply(log.changes);
    this.#engine = engine;
    if (loaded !== undefined) this.#snapshotAsOf = loaded.snapshotAsOf;
    this.#since = new Date(startedAt).toISOString();
    this.#lastRead = startedAt;
  }

  /** The engine of the index's snapshot (empty if it has none), and where its change log starts. */
  async #load(): Promise<{ engine: SearchEngine; since: string | undefined; snapshotAsOf: string }> {
    const snapshot = await loadSnapshot(this.#name);
    return snapshot === undefined
      ? { engine: SearchEngine.empty(), since: undefined, snapshotAsOf: '' }
      : { engine: SearchEngine.fromSnapshot(snapshot), since: snapshot.asOf, snapshotAsOf: snapshot.asOf };
  }

  search(query: string, options?: SearchOptions): SearchHit[] {
    return this.#engine?.search(query, options) ?? [];
  }

  apply(changes: readonly SearchChange[]): number {
    this.#engine ??= SearchEngine.empty();
    return this.#engine.apply(changes);
  }

  toSnapshot(): SearchSnapshot {
    if (this.#engine === undefined || this.#since === undefined) throw new Error(`Search index ${this.#name} was never refreshed: nothing to snapshot`);
    return this.#engine.toSnapshot(this.#since);
  }
}

const open = new Map<SearchIndexName, SearchIndex>();

/** The index, one per name per Lambda instance (module scope). */
export function openSearchIndex(index: SearchIndexName): SearchIndex {
  let cached = open.get(index);
  if (cached === undefined) {
    cached = new CachedSearchIndex(index);
    open.set(index, cached);
  }
  return cached;
}

/**
 * Brings the index up to date and stores its snapshot (writeSearchIndex). The change log keeps a
 * change SEARCH_CHANGE_TTL_DAYS only, so a snapshot must be saved more often than that: the indexer
 * saves after writing changes (throttled), the rebuild after each deployment.
 */
export async function saveSearchIndex(index: SearchIndexName): Promise<{ size: number; bytes: number }> {
  const reader = openSearchIndex(index);
  await reader.refresh({ force: true });
  const { bytes } = await saveSnapshot(index, reader.toSnapshot());
  return { size: reader.size, bytes };
}
