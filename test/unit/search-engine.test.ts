import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  excerptOf,
  indexChange,
  plainText,
  removalChange,
  type SearchChange,
  type SearchDocument,
  searchDocumentId,
} from '../../functions/shared/search/documents.ts';
import { SearchEngine, type SearchHit, type SearchSnapshot, searchTerms } from '../../functions/shared/search/engine.ts';

/*
 * The search engine (functions/shared/search/engine.ts) in memory: what a query finds (a word's
 * other forms, a word begun, a misspelled word), what the caller may see, the order of changes,
 * and the snapshot's round trip.
 */

let sequence = 0;
function article(fields: Partial<SearchDocument> & Pick<SearchDocument, 'title' | 'text'>): SearchDocument {
  const n = ++sequence;
  const recordId = `01JARTICLE${String(n).padStart(16, '0')}`;
  return {
    id: searchDocumentId('article', recordId),
    kind: 'article',
    recordId,
    number: `KB${String(n).padStart(7, '0')}`,
    keywords: [],
    status: 'published',
    services: [],
    audience: 'public',
    updatedAt: '2030-01-01T00:00:00.000Z',
    version: 1,
    ...fields,
  };
}

const spooler = article({
  title: 'Restart the print spooler',
  text: 'When jobs pile up in the printer queue, restart the spooler service on the print server.',
  services: ['printing'],
});
const vpn = article({
  title: 'VPN client rejects the login',
  text: 'After the gateway update the VPN client asks again for the authentication code and refuses it.',
  keywords: ['remote access', 'tunnel'],
  services: ['vpn'],
  audience: 'internal',
});
const reset = article({
  title: 'Reset a forgotten password',
  text: 'Use the self-service portal: you receive a link by e-mail to choose a new password.',
  services: ['identity'],
});
const teams = article({
  title: 'Teams meeting has no sound',
  text: 'Check the headset is the default audio device, then rejoin the meeting.',
  services: ['collaboration'],
});
const incident: SearchDocument = {
  id: searchDocumentId('incident', '01JINCIDENT000000000000001'),
  kind: 'incident',
  recordId: '01JINCIDENT000000000000001',
  number: 'INC0001001',
  title: 'Printer on floor 3 does not print',
  text: 'The printer shows offline since this morning.',
  keywords: [],
  status: 'new',
  services: [],
  audience: 'internal',
  requester: 'alice',
  updatedAt: '2030-01-01T00:00:00.000Z',
  version: 1,
};
const otherIncident: SearchDocument = {
  ...incident,
  id: searchDocumentId('incident', '01JINCIDENT000000000000002'),
  recordId: '01JINCIDENT000000000000002',
  number: 'INC0001002',
  requester: 'bob',
};

const engine = SearchEngine.fromDocuments([spooler, vpn, reset, teams, incident, otherIncident]);
const numbers = (query: string, options?: Parameters<SearchEngine['search']>[1]) => engine.search(query, options).map((hit) => hit.document.number);

describe('what a query finds', () => {
  it('finds a word by another of its forms (stems)', () => {
    expect(numbers('restarting')).toEqual([spooler.number]);
    expect(numbers('printers', { kinds: ['article'] })).toEqual([spooler.number]);
    expect(numbers('rejected logins')).toEqual([vpn.number]);
  });

  it('finds a word begun (prefix of the word as written, which its stem is not)', () => {
    expect(numbers('vpn authenti')).toEqual([vpn.number]);
    expect(numbers('spoo')).toEqual([spooler.number]);
  });

  it('finds a misspelled word (typo tolerance by length: one edit from 4 letters, two from 7)', () => {
    expect(numbers('pasword')).toEqual([reset.number]);
    expect(numbers('recieve')).toEqual([reset.number]);
    expect(numbers('meetng sound')).toEqual([teams.number]);
  });

  it('combines the words with AND, and falls back to OR (most words first) when no document has them all', () => {
    expect(numbers('restart spooler')).toEqual([spooler.number]);
    // No document speaks of both: the OR fallback ranks each.
    const fallback = numbers('spooler headset', { kinds: ['article'] });
    expect(fallback.sort()).toEqual([spooler.number, teams.number].sort());
    // Only stop words and nothing searchable: nothing.
    expect(numbers('the and of')).toEqual([]);
    expect(numbers('')).toEqual([]);
  });

  it('ranks a title match above a body match (title boost)', () => {
    const queue = article({ title: 'Printer queue management', text: 'How jobs are ordered.' });
    const body = article({ title: 'Server housekeeping', text: 'Clean the printer queue weekly.' });
    const small = SearchEngine.fromDocuments([queue, body]);
    expect(small.search('queue').map((hit) => hit.document.number)).toEqual([queue.number, body.number]);
  });

  it('searches keywords', () => {
    expect(numbers('tunnel')).toEqual([vpn.number]);
  });

  it('answers each hit with its stored fields and an excerpt, never the text', () => {
    const [hit] = engine.search('spooler');
    expect(hit?.document).toMatchObject({
      id: spooler.id,
      kind: 'article',
      recordId: spooler.recordId,
      number: spooler.number,
      title: spooler.title,
      services: ['printing'],
    });
    expect(hit?.document.excerpt).toBe(spooler.text);
    expect(hit?.document).not.toHaveProperty('text');
    expect(hit?.score).toBeGreaterThan(0);
  });

  it('a long text (suggestions) finds by its shared words, without prefix or typos', () => {
    const hits = engine.search('My headset gives no sound when I join a meeting in Teams, what should I check?', { mode: 'text', kinds: ['article'] });
    expect(hits[0]?.document.number).toBe(teams.number);
    expect(engine.search('spoo pasword', { mode: 'text' })).toEqual([]);
  });
});

describe('what the caller may see', () => {
  it('filters before the limit: a requester finds public articles only', () => {
    const publicOnly = (document: { audience: string }) => document.audience === 'public';
    expect(numbers('vpn', { filter: publicOnly })).toEqual([]);
    expect(numbers('password', { filter: publicOnly })).toEqual([reset.number]);
  });

  it('a requester finds only their own tickets', () => {
    const alice = (document: { kind: string; requester?: string }) => document.kind === 'article' || document.requester === 'alice';
    expect(numbers('printer offline', { filter: alice })).toEqual([incident.number]);
    expect(numbers('printer offline')).toHaveLength(2);
  });

  it('kinds and limit', () => {
    expect(numbers('printer', { kinds: ['incident'] }).sort()).toEqual([incident.number, otherIncident.number]);
    expect(numbers('printer', { limit: 1 })).toHaveLength(1);
  });

  it('boost multiplies a document’s score', () => {
    const a = article({ title: 'Mailbox full', text: 'Archive old mail.', services: ['email'] });
    const b = article({ title: 'Mailbox full', text: 'Archive old mail.', services: ['exchange'] });
    const small = SearchEngine.fromDocuments([a, b]);
    expect(small.search('mailbox', { boost: (d) => (d.services.includes('exchange') ? 2 : 1) })[0]?.document.number).toBe(b.number);
    expect(small.search('mailbox', { boost: (d) => (d.services.includes('email') ? 2 : 1) })[0]?.document.number).toBe(a.number);
  });

  it('a document keeps every service it names: a filter or a boost on its second one finds it', () => {
    const both = article({ title: 'Shared drive is slow', text: 'Map the drive again.', services: ['storage', 'network'] });
    const storage = article({ title: 'Shared drive is slow', text: 'Map the drive again.', services: ['storage'] });
    const small = SearchEngine.fromDocuments([both, storage]);
    const ofNetwork = (d: { services: readonly string[] }) => d.services.includes('network');
    expect(small.search('drive', { filter: ofNetwork }).map((hit) => hit.document.number)).toEqual([both.number]);
    const boosted = small.search('drive', { boost: (d) => (ofNetwork(d) ? 1.5 : 1) });
    expect(boosted.map((hit) => hit.document.number)).toEqual([both.number, storage.number]);
    expect(boosted[0]?.score).toBeCloseTo((boosted[1]?.score ?? 0) * 1.5, 9);
    expect(boosted[0]?.document.services).toEqual(['storage', 'network']);
  });
});

describe('changes', () => {
  const at = (second: number) => `2030-01-01T00:00:${String(second).padStart(2, '0')}.000Z`;
  const doc = article({ title: 'Docking station firmware', text: 'Update the dock firmware.', version: 2 });
  const v1 = { ...doc, title: 'Docking station drivers', version: 1 };
  const v3 = { ...doc, title: 'Docking station monitors', version: 3 };

  it('keeps the highest version whatever the order, and applying twice changes nothing', () => {
    const changes = [indexChange(doc, at(2)), indexChange(v1, at(1)), indexChange(v3, at(3))];
    const forward = SearchEngine.empty();
    expect(forward.apply(changes)).toBe(2);
    const backward = SearchEngine.empty();
    backward.apply([...changes].reverse());
    for (const e of [forward, backward]) {
      expect(e.search('monitors').map((hit) => hit.document.title)).toEqual(['Docking station monitors']);
      expect(e.search('drivers')).toEqual([]);
      expect(e.version(doc.id)).toBe(3);
      expect(e.size).toBe(1);
    }
    expect(forward.apply(changes)).toBe(0);
    // An older version arriving late never replaces the newer one.
    expect(forward.apply([indexChange(v1, at(9))])).toBe(0);
    expect(forward.search('drivers')).toEqual([]);
  });

  it('removes a document; an older change does not bring it back, a newer one does', () => {
    const e = SearchEngine.empty();
    e.apply([indexChange(doc, at(1))]);
    expect(e.apply([removalChange(doc.id, 3, at(2))])).toBe(1);
    expect(e.search('docking')).toEqual([]);
    expect(e.has(doc.id)).toBe(false);
    expect(e.apply([indexChange(doc, at(3)), indexChange(v3, at(4))])).toBe(0);
    expect(e.search('docking')).toEqual([]);
    expect(e.apply([indexChange({ ...v3, version: 4 }, at(5))])).toBe(1);
    expect(e.search('docking')).toHaveLength(1);
  });

  it('at one version, a removal wins over a document, and otherwise the later change', () => {
    const e = SearchEngine.empty();
    e.apply([removalChange(doc.id, 2, at(1)), indexChange(doc, at(2))]);
    expect(e.has(doc.id)).toBe(false);
    const later = SearchEngine.empty();
    later.apply([indexChange({ ...doc, title: 'Later title' }, at(5)), indexChange({ ...doc, title: 'Earlier title' }, at(4))]);
    expect(later.search('title').map((hit) => hit.document.title)).toEqual(['Later title']);
  });
});

describe('scores after changes (issue 16: a re-indexed document left its old copy counted)', () => {
  // Few words, shared by every document, in several forms (stems), so that each change moves the
  // term statistics of the others.
  const WORDS = ['printer', 'printing', 'prints', 'queue', 'spooler', 'vpn', 'password', 'passwords', 'reset', 'restart', 'network', 'drive', 'mapped'];
  const QUERIES = ['printer', 'printing queue', 'vpn password', 'reset', 'spool', 'pasword', 'drive mapped network', 'restarting spooler', 'prnter queue'];
  const LONG_TEXT = 'Since this morning the printer queue is stuck and printing fails; I reset my password and restarted the network drive';
  const IDS = ['article:A', 'article:B', 'article:C', 'incident:D', 'incident:E', 'incident:F'];
  const words = (min: number, max: number) => fc.array(fc.constantFrom(...WORDS), { minLength: min, maxLength: max }).map((list) => list.join(' '));
  const content = fc.record({ title: words(1, 4), text: words(0, 12), keywords: fc.array(fc.constantFrom(...WORDS), { maxLength: 2 }) });
  const step = fc.oneof(
    { weight: 3, arbitrary: fc.record({ op: fc.constant('index' as const), id: fc.nat(IDS.length - 1), version: fc.integer({ min: 1, max: 8 }), content }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('remove' as const), id: fc.nat(IDS.length - 1), version: fc.integer({ min: 1, max: 8 }) }) },
    { weight: 1, arbitrary: fc.constant({ op: 'snapshot' as const }) },
  );

  function documentOf(id: string, version: number, fields: { title: string; text: string; keywords: string[] }): SearchDocument {
    const [kind, recordId] = id.split(':') as ['article' | 'incident', string];
    return {
      id,
      kind,
      recordId,
      number: recordId,
      ...fields,
      status: 'published',
      services: [],
      audience: 'public',
      updatedAt: '2030-01-01T00:00:00.000Z',
      version,
    };
  }

  /** The hits by document id and score, best first; ties in the order of the ids (an index may order equal scores either way). */
  const ranked = (hits: SearchHit[]) =>
    hits
      .map((hit) => ({ id: hit.document.id, score: hit.score }))
      .sort((a, b) => (Math.abs(a.score - b.score) > 1e-9 ? b.score - a.score : a.id < b.id ? -1 : 1));

  it('are those of an index built afresh of the same documents, after any adds, replacements and removals, and never negative', () => {
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 40 }), (steps) => {
        let engine = SearchEngine.empty();
        // What the engine should hold: per document, the change that wins (as SearchEngine.apply documents it).
        const model = new Map<string, { version: number; document?: SearchDocument }>();
        steps.forEach((s, n) => {
          const at = new Date(Date.UTC(2030, 0, 1, 0, 0, n)).toISOString();
          if (s.op === 'snapshot') {
            // Saved and loaded again (as a reader does), of the changes so far.
            engine = SearchEngine.fromSnapshot(JSON.parse(JSON.stringify(engine.toSnapshot(at))) as SearchSnapshot);
            return;
          }
          const id = IDS[s.id] as string;
          const change: SearchChange = s.op === 'index' ? indexChange(documentOf(id, s.version, s.content), at) : removalChange(id, s.version, at);
          engine.apply([change]);
          const current = model.get(id);
          const tie = current !== undefined && s.version === current.version;
          // At one version a removal wins over a document; otherwise the later change (each step is later).
          if (current === undefined || s.version > current.version || (tie && (s.op === 'remove' || current.document !== undefined)))
            model.set(id, { version: s.version, ...(change.document === undefined ? {} : { document: change.document }) });
        });
        const live = [...model.values()].flatMap(({ document }) => (document === undefined ? [] : [document]));
        const fresh = SearchEngine.fromDocuments(live);
        expect(engine.size).toBe(fresh.size);
        for (const [query, mode] of [...QUERIES.map((q) => [q, 'query'] as const), [LONG_TEXT, 'text'] as const]) {
          const got = ranked(engine.search(query, { mode, limit: 100 }));
          const want = ranked(fresh.search(query, { mode, limit: 100 }));
          expect(
            got.map((hit) => hit.id),
            query,
          ).toEqual(want.map((hit) => hit.id));
          got.forEach((hit, i) => {
            expect(Math.abs(hit.score - (want[i]?.score ?? Number.NaN)), query).toBeLessThanOrEqual(1e-9);
            expect(hit.score, query).toBeGreaterThan(0);
          });
          // The engine's own order is best first.
          const scores = engine.search(query, { mode, limit: 100 }).map((hit) => hit.score);
          expect(scores).toEqual([...scores].sort((a, b) => b - a));
        }
      }),
      { numRuns: 200 },
    );
  });

  it('two identical documents score the same however often one is re-indexed (the walkthrough’s case)', () => {
    const twin = (id: string, version: number) =>
      documentOf(id, version, {
        title: 'VPN asks for the password again after a password change',
        text: 'The VPN client keeps the old password. Quit the VPN client. Sign in again with the new password.',
        keywords: ['vpn', 'password'],
      });
    const e = SearchEngine.fromDocuments([twin('article:KB1', 1), twin('article:KB2', 1)]);
    const before = e.search('vpn pasword')[0]?.score;
    for (let version = 2; version <= 5; version++) e.apply([indexChange(twin('article:KB1', version), `2030-01-01T00:00:0${version}.000Z`)]);
    for (const mode of ['query', 'text'] as const) {
      const hits = e.search('VPN keeps asking for my pasword', { mode });
      expect(hits).toHaveLength(2);
      expect(hits[0]?.score).toBeGreaterThan(0);
      expect(hits[0]?.score).toBeCloseTo(hits[1]?.score ?? 0, 9);
    }
    expect(e.search('vpn pasword')[0]?.score).toBeCloseTo(before ?? 0, 9);
  });

  it('a snapshot saved with discarded documents still in its term index (before this fix) loads clean', () => {
    const a = documentOf('article:A', 1, { title: 'printer queue', text: 'restart the spooler', keywords: [] });
    const b = documentOf('article:B', 1, { title: 'printer queue', text: 'restart the spooler', keywords: [] });
    const snapshot = JSON.parse(JSON.stringify(SearchEngine.fromDocuments([a, b]).toSnapshot('2030-01-01T00:00:00.000Z'))) as SearchSnapshot;
    // What MiniSearch's discard left: B gone from the documents, its postings still in the term index.
    const index = snapshot.index as {
      documentCount: number;
      documentIds: Record<string, string>;
      storedFields: Record<string, unknown>;
      fieldLength: Record<string, unknown>;
      dirtCount: number;
    };
    const [shortId] = Object.entries(index.documentIds).find(([, id]) => id === b.id) ?? [];
    delete index.documentIds[shortId as string];
    delete index.storedFields[shortId as string];
    delete index.fieldLength[shortId as string];
    index.documentCount -= 1;
    index.dirtCount = 1;
    const versions = { [a.id]: 1 };
    const loaded = SearchEngine.fromSnapshot({ ...snapshot, versions });
    const fresh = SearchEngine.fromDocuments([a]);
    for (const mode of ['query', 'text'] as const) expect(loaded.search('printer spooler', { mode })).toEqual(fresh.search('printer spooler', { mode }));
    expect(loaded.toSnapshot('2030-01-01T00:00:00.000Z').index).toMatchObject({ dirtCount: 0 });
  });
});

describe('snapshots', () => {
  it('round-trips through JSON: the same results, versions and removals', () => {
    const e = SearchEngine.fromDocuments([spooler, vpn, reset, teams, incident, otherIncident]);
    e.apply([removalChange(teams.id, 2, '2030-01-02T00:00:00.000Z')]);
    const snapshot = JSON.parse(JSON.stringify(e.toSnapshot('2030-01-02T00:00:01.000Z'))) as SearchSnapshot;
    expect(snapshot).toMatchObject({ format: 1, asOf: '2030-01-02T00:00:01.000Z' });
    expect(snapshot.versions[spooler.id]).toBe(1);
    expect(snapshot.removed[teams.id]).toEqual({ version: 2, at: '2030-01-02T00:00:00.000Z' });
    const loaded = SearchEngine.fromSnapshot(snapshot);
    for (const query of ['restarting', 'vpn authenti', 'pasword', 'printer offline', 'headset']) expect(loaded.search(query), query).toEqual(e.search(query));
    expect(loaded.size).toBe(e.size);
    // The removal is remembered: the older document does not come back.
    expect(loaded.apply([indexChange(teams, '2030-01-02T00:00:05.000Z')])).toBe(0);
    // A change the snapshot already reflects (same version, written before its asOf) is skipped; a newer one applies.
    expect(loaded.apply([indexChange(spooler, '2030-01-01T00:00:00.000Z')])).toBe(0);
    expect(loaded.apply([indexChange({ ...spooler, title: 'Restart the print spooler service', version: 2 }, '2030-01-02T00:00:06.000Z')])).toBe(1);
  });

  it('forgets removals older than the change log keeps', () => {
    const e = SearchEngine.empty();
    e.apply([removalChange('article:old', 1, '2030-01-01T00:00:00.000Z'), removalChange('article:new', 1, '2030-01-09T00:00:00.000Z')]);
    expect(Object.keys(e.toSnapshot('2030-01-10T00:00:00.000Z').removed)).toEqual(['article:new']);
  });

  it('refuses a snapshot of an unknown format', () => {
    expect(() => SearchEngine.fromSnapshot({ format: 2 } as unknown as SearchSnapshot)).toThrow(/format/);
  });
});

describe('terms and text', () => {
  it('lowercases, drops accents and stop words, keeps numbers', () => {
    expect(searchTerms('The Café crashes on Windows 11, error 0x80070005!')).toEqual(['cafe', 'crashes', 'windows', '11', 'error', '0x80070005']);
  });

  it('plainText strips Markdown to its words; excerptOf cuts at a word', () => {
    expect(plainText('# Title\n\nSee **the** [guide](https://x.example/a) and `code`.\n\n```sh\nls -la\n```\n<b>bold</b> &amp; ![img](a.png)')).toBe(
      'Title See the guide and code . ls -la bold img',
    );
    expect(plainText('x'.repeat(30), 10)).toBe('x'.repeat(10));
    expect(excerptOf('one two three four', 10)).toBe('one two…');
  });
});
