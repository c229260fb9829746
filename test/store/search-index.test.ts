import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import type { SearchDocument } from '../../functions/shared/search/documents.ts';
import { startAwsEndpoint } from '../../local/aws-endpoint.ts';
import { createLocalS3 } from '../../local/s3.ts';
import { freshTable } from '../support/table.ts';

/*
 * The search index store against DynamoDB Local and the local S3: the change log in the table
 * (batches, order, the overlap, the expiry), the snapshots in the bucket (gzip, absent), and the
 * reader that puts them together (snapshot then change log, at most one read per REFRESH_MS, one
 * read in flight shared, a rebuild's snapshot loaded again when the change log marks it) and saves
 * them again.
 */

// The environment first, then the store modules (their clients are built at load or first use).
const table = await freshTable();
const BUCKET = 'itsm-local-search-index';
const dir = mkdtempSync(join(tmpdir(), 'search-s3-'));
const s3 = createLocalS3({ dir, buckets: [BUCKET] });
const endpoint = await startAwsEndpoint({ port: 0, services: [], handlers: [s3.handler] });
Object.assign(process.env, { AWS_ENDPOINT_URL_S3: endpoint.url, SEARCH_INDEX_BUCKET: BUCKET });
const { readSearchChanges, readSearchLog, writeSearchChanges, writeSnapshotMarker, SEARCH_CHANGE_OVERLAP_MS } = await import(
  '../../functions/shared/search/change-log.ts'
);
const { indexChange, removalChange, searchDocumentId } = await import('../../functions/shared/search/documents.ts');
const { loadSnapshot, saveSnapshot, snapshotKey } = await import('../../functions/shared/search/snapshot.ts');
const { SearchEngine } = await import('../../functions/shared/search/engine.ts');
const { openSearchIndex, REFRESH_MS, saveSearchIndex } = await import('../../functions/shared/search/reader.ts');
const { suggestArticles } = await import('../../functions/shared/search/suggest.ts');
afterAll(async () => {
  await endpoint.stop();
  await table.stop();
  rmSync(dir, { recursive: true, force: true });
});

let sequence = 0;
function ticket(title: string, fields: Partial<SearchDocument> = {}): SearchDocument {
  const n = ++sequence;
  const recordId = `01JTICKET${String(n).padStart(17, '0')}`;
  return {
    id: searchDocumentId('incident', recordId),
    kind: 'incident',
    recordId,
    number: `INC${String(n).padStart(7, '0')}`,
    title,
    text: `${title}: reported by a user.`,
    keywords: [],
    status: 'new',
    services: [],
    audience: 'internal',
    requester: 'alice',
    updatedAt: new Date().toISOString(),
    version: 1,
    ...fields,
  };
}
const iso = (ms: number) => new Date(ms).toISOString();
/** The snapshot's instant in the tests below: a minute ago (changes are read from it, less the overlap). */
const snapshotAsOf = iso(Date.now() - 60_000);
const queries = () => table.counter.operations().filter((operation) => operation.startsWith('Query')).length;

describe('the change log', () => {
  it('writes more than a batch, reads them back oldest first with their expiry, and reads from an instant less the overlap', async () => {
    // The articles partition: no other test of this file writes it before this one.
    const base = Date.parse('2030-01-01T00:00:00.000Z');
    const documents = Array.from({ length: 30 }, (_, i) => ticket(`Change ${i}`, { kind: 'article', id: `article:${i}` }));
    const changes = documents.map((document, i) => indexChange(document, iso(base + i * 1000)));
    table.counter.reset();
    await writeSearchChanges('articles', changes);
    expect(table.counter.operations()).toEqual(['BatchWriteItem', 'BatchWriteItem']);
    const all = await readSearchChanges('articles');
    expect(all).toEqual(changes);
    const items = await table.partition('SEARCH#articles');
    expect(items[0]).toMatchObject({
      sk: `CHANGE#${changes[0]?.at}#article:0#${changes[0]?.version}`,
      entity: 'searchChange',
      expiresAt: base / 1000 + 30 * 24 * 3600,
    });
    // From 20 s after the first: the overlap (15 s) brings back what was written from 5 s on (that instant included).
    const since = await readSearchChanges('articles', iso(base + 20_000));
    expect(since.map((change) => change.at)).toEqual(
      changes.filter((change) => Date.parse(change.at) >= base + 20_000 - SEARCH_CHANGE_OVERLAP_MS).map((c) => c.at),
    );
    expect(since[0]?.at).toBe(iso(base + 5000));
  });

  it('keeps a removal as a removal', async () => {
    // An hour ago: before the snapshot below, so the reader never reads it.
    const removal = removalChange('incident:gone', 3, iso(Date.now() - 3_600_000));
    await writeSearchChanges('tickets', [removal]);
    expect(await readSearchChanges('tickets')).toEqual([removal]);
  });
});

describe('snapshots', () => {
  it('answers undefined before any is saved, and round-trips a saved one as the gzip of its JSON under search/', async () => {
    expect(await loadSnapshot('tickets')).toBeUndefined();
    const engine = SearchEngine.fromDocuments([ticket('Scanner jams on every page')]);
    const snapshot = engine.toSnapshot(snapshotAsOf);
    const { bytes } = await saveSnapshot('tickets', snapshot);
    expect(snapshotKey('tickets')).toBe('search/tickets.json.gz');
    const [file] = readdirSync(join(dir, BUCKET)).filter((name) => name === encodeURIComponent('search/tickets.json.gz'));
    expect(file).toBeDefined();
    const stored = readFileSync(join(dir, BUCKET, file as string));
    expect(stored.length).toBe(bytes);
    expect(JSON.parse(gunzipSync(stored).toString('utf8'))).toEqual(JSON.parse(JSON.stringify(snapshot)));
    const loaded = await loadSnapshot('tickets');
    expect(loaded).toEqual(JSON.parse(JSON.stringify(snapshot)));
    expect(
      SearchEngine.fromSnapshot(loaded!)
        .search('scaner jams')
        .map((hit) => hit.document.title),
    ).toEqual(['Scanner jams on every page']);
  });
});

describe('the reader', () => {
  it('loads the snapshot, then follows the change log: at most one read per REFRESH_MS, one read in flight shared', async () => {
    // The snapshot above (a minute ago) holds the scanner; a change after it adds a printer.
    const printer = ticket('Printer prints blank pages');
    await writeSearchChanges('tickets', [indexChange(printer, iso(Date.parse(snapshotAsOf) + 10_000))]);
    const index = openSearchIndex('tickets');
    expect(index.search('printer')).toEqual([]);
    table.counter.reset();
    await Promise.all([index.refresh(), index.refresh(), index.refresh()]);
    expect(queries()).toBe(1);
    expect(index.search('scanner').map((hit) => hit.document.title)).toEqual(['Scanner jams on every page']);
    expect(index.search('printing blank').map((hit) => hit.document.number)).toEqual([printer.number]);

    // Written now: not read again within REFRESH_MS, read once it has passed (or when forced).
    const router = ticket('Router reboots at night');
    await writeSearchChanges('tickets', [indexChange(router)]);
    table.counter.reset();
    await index.refresh();
    expect(queries()).toBe(0);
    expect(index.search('router')).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, REFRESH_MS + 50));
    await index.refresh();
    expect(queries()).toBe(1);
    expect(index.search('router').map((hit) => hit.document.number)).toEqual([router.number]);

    // A newer version, then its removal: each within one forced refresh.
    await writeSearchChanges('tickets', [indexChange({ ...router, title: 'Router reboots every night', version: 2 })]);
    await index.refresh({ force: true });
    expect(index.search('router').map((hit) => hit.document.title)).toEqual(['Router reboots every night']);
    await writeSearchChanges('tickets', [removalChange(router.id, 3)]);
    await index.refresh({ force: true });
    expect(index.search('router')).toEqual([]);
    expect(index.size).toBe(2);
  });

  it('saves what it has as the snapshot: a cold reader finds the same, and the change log from its asOf', async () => {
    const saved = await saveSearchIndex('tickets');
    expect(saved.size).toBe(2);
    const snapshot = await loadSnapshot('tickets');
    expect(Date.parse(snapshot!.asOf)).toBeGreaterThan(Date.now() - 60_000);
    // The router's removal is remembered (the one of an hour ago was never read).
    expect(Object.keys(snapshot!.removed)).toHaveLength(1);
    const cold = SearchEngine.fromSnapshot(snapshot!);
    cold.apply(await readSearchChanges('tickets', snapshot!.asOf));
    for (const query of ['scanner', 'printer', 'router']) {
      expect(
        cold.search(query).map((hit) => hit.document.id),
        query,
      ).toEqual(
        openSearchIndex('tickets')
          .search(query)
          .map((hit) => hit.document.id),
      );
    }
  });
});

describe('a rebuild and the warm reader', () => {
  it('loads the snapshot a rebuild marked in the change log at its next refresh, then the change log since its asOf', async () => {
    const index = openSearchIndex('tickets');
    await index.refresh({ force: true });
    expect(index.search('scanner')).toHaveLength(1);

    // A rebuild saves a snapshot of other documents: without its mark, a warm reader keeps its own index.
    const keyboard = ticket('Keyboard types double letters');
    const asOf = new Date().toISOString();
    await saveSnapshot('tickets', SearchEngine.fromDocuments([keyboard]).toSnapshot(asOf));
    await index.refresh({ force: true });
    expect(index.search('keyboard')).toEqual([]);

    // With it, the next refresh loads the snapshot, and the changes since its asOf (less the overlap) on top.
    const mouse = ticket('Mouse pointer jumps');
    await writeSearchChanges('tickets', [indexChange(mouse)]);
    await writeSnapshotMarker('tickets', asOf);
    expect((await readSearchLog('tickets', asOf)).snapshots).toEqual([{ asOf, at: expect.any(String) }]);
    // A mark is no change: whoever reads only the changes does not see it.
    expect((await readSearchChanges('tickets', asOf)).map((change) => change.docId)).not.toContain('snapshot');
    table.counter.reset();
    await index.refresh({ force: true });
    expect(queries()).toBe(2);
    expect(index.search('keyboard').map((hit) => hit.document.number)).toEqual([keyboard.number]);
    expect(index.search('mouse').map((hit) => hit.document.number)).toEqual([mouse.number]);
    expect(index.search('scanner')).toEqual([]);
    // The mark, read again within the overlap, loads nothing again.
    table.counter.reset();
    await index.refresh({ force: true });
    expect(queries()).toBe(1);
    expect(index.search('keyboard')).toHaveLength(1);
  });

  it('the rebuild function marks both indexes once their snapshots are saved: a warm reader has the table’s documents at its next refresh', async () => {
    const index = openSearchIndex('tickets');
    await index.refresh({ force: true });
    expect(index.search('keyboard')).toHaveLength(1);
    // The table of this file holds no record: the rebuilt indexes are empty, and only the changes since (less the overlap) are on top.
    const { handler } = await import('../../functions/search/handlers/rebuild-index.ts');
    const result = await handler();
    expect(result).toMatchObject({ articles: 0, incidents: 0, problems: 0 });
    for (const name of ['articles', 'tickets'] as const) {
      expect((await readSearchLog(name, result.asOf)).snapshots.map((mark) => mark.asOf)).toContain(result.asOf);
    }
    await index.refresh({ force: true });
    expect(index.search('keyboard')).toEqual([]);
    expect(index.search('mouse')).toHaveLength(1);
  });
});

describe('suggestArticles', () => {
  it('offers published articles by the words of a need, public ones only to requesters, its own service first', async () => {
    const article = (title: string, fields: Partial<SearchDocument>) =>
      ticket(title, { kind: 'article', status: 'published', requester: undefined, ...fields });
    const vpnPublic = article('Connect to the VPN from home', {
      id: 'article:vpn-public',
      audience: 'public',
      services: ['vpn'],
      text: 'Install the VPN client and sign in with your token.',
    });
    const vpnInternal = article('VPN gateway certificate renewal', {
      id: 'article:vpn-internal',
      audience: 'internal',
      services: ['vpn'],
      text: 'Renew the VPN gateway certificate.',
    });
    const wifi = article('Connect to the office wifi', {
      id: 'article:wifi',
      audience: 'public',
      services: ['network'],
      text: 'Choose the office network and sign in.',
    });
    await writeSearchChanges('articles', [indexChange(vpnPublic), indexChange(vpnInternal), indexChange(wifi)]);
    await new Promise((resolve) => setTimeout(resolve, REFRESH_MS + 50));
    const need = { title: 'Cannot connect to the VPN', description: 'At home the VPN client will not sign in since this morning.' };
    const requester = await suggestArticles(need, { audience: 'public' });
    expect(requester.map((s) => s.number)).toContain(vpnPublic.number);
    expect(requester.map((s) => s.number)).not.toContain(vpnInternal.number);
    expect(requester[0]).toEqual({ id: vpnPublic.recordId, number: vpnPublic.number, title: vpnPublic.title, score: expect.any(Number) });
    const agent = await suggestArticles(need, { audience: 'all' });
    expect(agent.map((s) => s.number)).toContain(vpnInternal.number);
    expect(await suggestArticles(need, { audience: 'all', limit: 1 })).toHaveLength(1);
    const network = await suggestArticles({ title: 'connect and sign in', service: 'network' }, { audience: 'public' });
    expect(network[0]?.number).toBe(wifi.number);
  });

  it("boosts an article naming the need's service among others, not only first", async () => {
    const article = (title: string, fields: Partial<SearchDocument>) =>
      ticket(title, { kind: 'article', status: 'published', requester: undefined, audience: 'public', ...fields });
    const text = 'Clear the quokkafax tray and resend the page.';
    const both = article('Quokkafax jams', { id: 'article:quokkafax-both', services: ['printing', 'scanning'], text });
    const printing = article('Quokkafax jams', { id: 'article:quokkafax-printing', services: ['printing'], text });
    await writeSearchChanges('articles', [indexChange(both), indexChange(printing)]);
    await new Promise((resolve) => setTimeout(resolve, REFRESH_MS + 50));
    const suggested = await suggestArticles({ title: 'quokkafax jams', service: 'scanning' }, { audience: 'public' });
    expect(suggested.map((s) => s.number)).toEqual([both.number, printing.number]);
    expect(suggested[0]?.score).toBeCloseTo((suggested[1]?.score ?? 0) * 1.5, 2);
  });
});
