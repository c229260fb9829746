import MiniSearch, { type Options, type Query } from 'minisearch';
import { stemmer } from 'stemmer';
import { excerptOf, MAX_TEXT_CHARS, type SearchChange, type SearchDocument, type SearchKind, type StoredSearchDocument } from './documents.ts';

/**
 * The search engine (issue 16): MiniSearch over SearchDocuments, in the function's memory. Pure:
 * where its snapshot and changes come from is ./snapshot.ts and ./change-log.ts, and ./reader.ts
 * keeps one per index per Lambda instance.
 *
 * Terms: lowercase, accents dropped, split on anything but letters and digits, a short English
 * stop list out, and each word indexed twice: as written and as its Porter stem (`restarting` and
 * `restart`), so that a query finds a word's other forms through the stem and a word begun
 * (`authenti`) through a prefix of the word as written (a stem is no prefix of it: `authent`).
 * Fields: title (boost 3), keywords (boost 2), text.
 *
 * A query (mode `query`): each of its terms matches its stem exactly, or the word as written by
 * prefix (from 3 characters); the terms are combined with AND. When that finds nothing, typos are
 * allowed too (the word as written within 1 edit for 4 to 6 characters, 2 from 7: `recieve` is two
 * edits from `receive`), still with AND; when that finds nothing either, the terms are combined
 * with OR (the best partial matches first: a score is multiplied by the number of query terms
 * matched). Typos only when the words as typed find nothing: a word the index holds is not
 * diluted with its neighbours (`printer` with `pointer`), and the common case pays no fuzzy walk.
 *
 * A long text (mode `text`, suggestions): OR of its distinct stems, no prefix, no typos, the
 * rarest 16 that the index holds, without the stems in more than a fifth of a large index's
 * documents; BM25 ranks the documents sharing its rarest words first.
 *
 * The filter (what the caller may read) applies before the limit, to the best results only; the
 * engine keeps the best `limit` itself rather than MiniSearch's every match (MiniSearchInternals).
 */

/** A short English stop list: words too common to tell documents apart. */
const STOP_WORDS = new Set(
  (
    'a an and are as at be been but by can could did do does for from had has have how i if in into is it its me my no not of on or our ' +
    'she so than that the their them then there these they this to too us was we were what when where which while who why will with ' +
    'would you your'
  ).split(' '),
);

const boosts = { title: 3, keywords: 2 };
const FIELDS = ['title', 'keywords', 'text'];
/** What a hit carries (StoredSearchDocument, but `id`, which MiniSearch keeps as the document's id). */
const STORED_FIELDS = [
  'kind',
  'recordId',
  'number',
  'title',
  'keywords',
  'status',
  'services',
  'audience',
  'requester',
  'category',
  'updatedAt',
  'version',
  'excerpt',
] as const satisfies readonly (keyof StoredSearchDocument)[];

/** What the index is given: the stored fields and the text, clipped. */
type IndexedDocument = StoredSearchDocument & { readonly text: string };

const MARKS = /\p{M}+/gu;
const SEPARATORS = /[^\p{L}\p{N}]+/u;
const LETTERS = /^[a-z]+$/;

/** Anything beyond ASCII: only such a text needs Unicode normalization (accents dropped). */
const NON_ASCII = /[\u0080-\uffff]/;

/** Lowercase words, accents dropped, in the order of the text (empty strings possible). */
const tokenize = (text: string): string[] => (NON_ASCII.test(text) ? text.normalize('NFKD').replace(MARKS, '') : text).toLowerCase().split(SEPARATORS);

const isTerm = (word: string): boolean => word.length > 0 && !STOP_WORDS.has(word) && (word.length > 1 || /\d/.test(word));
/** Stems already computed: the stemmer is a cascade of regular expressions, and words repeat. */
const stems = new Map<string, string>();
const MAX_REMEMBERED_STEMS = 100_000;
function stemOf(word: string): string {
  let stem = stems.get(word);
  if (stem === undefined) {
    stem = LETTERS.test(word) ? stemmer(word) : word;
    if (stems.size >= MAX_REMEMBERED_STEMS) stems.clear();
    stems.set(word, stem);
  }
  return stem;
}

/**
 * The distinct terms of the document being added (SearchEngine.#add sets it around MiniSearch's
 * synchronous add, which calls indexTerms for each of its words), so that it can be removed
 * exactly later on.
 */
let collecting: Set<string> | undefined;

/** At index time: a word as written and its stem (once when they are the same), stop words out. */
function indexTerms(word: string): string | string[] | null {
  if (!isTerm(word)) return null;
  const stem = stemOf(word);
  const terms = stem === word ? word : [word, stem];
  if (collecting !== undefined) {
    collecting.add(word);
    collecting.add(stem);
  }
  return terms;
}

/** The distinct terms of a text as a query sees them: lowercase words, stop words out (not stemmed). */
export function searchTerms(text: string): string[] {
  return [...new Set(tokenize(text).filter(isTerm))];
}

const MINISEARCH_OPTIONS: Options<IndexedDocument> = {
  idField: 'id',
  fields: FIELDS,
  storeFields: [...STORED_FIELDS],
  tokenize,
  processTerm: indexTerms,
  searchOptions: { boost: boosts },
  // The engine removes a document's postings itself (SearchEngine.#remove): nothing to vacuum.
  autoVacuum: false,
};

/** The query terms a query takes at most; the rest are ignored. */
const MAX_QUERY_TERMS = 12;
/** The distinct stems a long text (mode `text`) takes at most: the rarest in the index. */
const MAX_TEXT_TERMS = 16;
/** A stem in more than this share of the documents is too common to search a long text by... */
const COMMON_TERM_SHARE = 0.2;
/** ...in an index of at least this many documents (in a small one every word may count). */
const COMMON_TERM_MIN_DOCUMENTS = 200;
/** Prefix matching from this many characters. */
const PREFIX_FROM = 3;
/** The typo distance allowed for a word of this length. */
const typoDistance = (word: string): number => (word.length >= 7 ? 2 : word.length >= 4 ? 1 : 0);

/**
 * A query term's alternatives: the word as written (by prefix from PREFIX_FROM characters, and
 * within its typo distance when `typos`), or its stem exactly.
 */
function termGroup(word: string, typos: boolean): Query {
  const distance = typos ? typoDistance(word) : 0;
  const asWritten: Query = { queries: [word], prefix: word.length >= PREFIX_FROM, fuzzy: distance === 0 ? false : distance };
  const stem = stemOf(word);
  return stem === word ? asWritten : { combineWith: 'OR', queries: [asWritten, { queries: [stem], prefix: false, fuzzy: false }] };
}

/**
 * What the engine uses of MiniSearch beyond its documented API (7.2.0, pinned in package.json;
 * test/unit/search-engine.test.ts covers each): the raw results of a query (score and matched
 * query terms by internal id, before MiniSearch builds a result object for every match and sorts
 * them all), the stored fields and external id of an internal id, the internal id of an external
 * one, and the term index (how many documents hold a term; a removed document's postings, deleted
 * by SearchEngine.#remove). `search()` materializes every match: for a word in most of 10,000
 * documents that is most of the query's time, where the engine keeps only the best `limit`.
 */
interface MiniSearchInternals {
  executeQuery(query: Query, options: object): Map<number, { score: number; terms: string[] }>;
  readonly _documentIds: Map<number, string>;
  readonly _idToShortId: Map<string, number>;
  readonly _storedFields: Map<number, Record<string, unknown>>;
  /** Term -> field id -> internal document id -> occurrences. */
  readonly _index: {
    get(term: string): Map<number, Map<number, number>> | undefined;
    delete(term: string): void;
    [Symbol.iterator](): Iterator<[string, Map<number, Map<number, number>>]>;
  };
  /** Documents discarded whose postings are still in the index (MiniSearch's vacuum removes them). */
  _dirtCount: number;
}

/**
 * The best `limit` results that the caller may see, best first: MiniSearch's score times the
 * number of query terms matched (as its search() ranks), the filter asked only of a result that
 * would make the list.
 */
function topHits(
  internals: MiniSearchInternals,
  results: Map<number, { score: number; terms: string[] }>,
  limit: number,
  admits: (stored: StoredSearchDocument) => boolean,
): SearchHit[] {
  const best: { shortId: number; score: number; document: StoredSearchDocument }[] = [];
  for (const [shortId, { score: raw, terms }] of results) {
    const score = raw * (terms.length || 1);
    if (best.length === limit && score <= (best[limit - 1] as { score: number }).score) continue;
    const stored = internals._storedFields.get(shortId);
    const id = internals._documentIds.get(shortId);
    if (stored === undefined || id === undefined) continue;
    const document = { id, ...stored } as unknown as StoredSearchDocument;
    if (!admits(document)) continue;
    let at = best.length;
    while (at > 0 && (best[at - 1] as { score: number }).score < score) at -= 1;
    best.splice(at, 0, { shortId, score, document });
    if (best.length > limit) best.pop();
  }
  return best.map(({ document, score }) => ({ document, score }));
}

export interface SearchOptions {
  /** Hits at most: default 10, at most 100. */
  readonly limit?: number;
  /** Only documents of these kinds. */
  readonly kinds?: readonly SearchKind[];
  /** Whether the caller may see a document; applied inside the engine, before the limit. */
  readonly filter?: (document: StoredSearchDocument) => boolean;
  /** A factor on a document's score (e.g. 1.5 for the caller's service); 1 by default. */
  readonly boost?: (document: StoredSearchDocument) => number;
  /**
   * `query` (default): a few words typed in a search box: AND of the terms (stem, prefix, typos),
   * OR when AND finds nothing. `text`: a long free text (a ticket's title and description): OR of
   * its distinct stems, no prefix, no typos.
   */
  readonly mode?: 'query' | 'text';
}

export interface SearchHit {
  readonly document: StoredSearchDocument;
  readonly score: number;
}

/**
 * An index as S3 holds it (./snapshot.ts): the engine's state at `asOf`, the start of the last
 * change-log read it reflects (a reader then reads the change log from there, less an overlap).
 */
export interface SearchSnapshot {
  readonly format: 1;
  readonly asOf: string;
  /** The version of each document indexed, by document id. */
  readonly versions: Readonly<Record<string, number>>;
  /** Documents removed, kept a while (the change log's lifetime) so that an older change never brings them back. */
  readonly removed: Readonly<Record<string, { readonly version: number; readonly at: string }>>;
  /** MiniSearch's own JSON (toJSON), loaded with the same options. */
  readonly index: unknown;
}

interface DocumentState {
  readonly version: number;
  readonly at: string;
  readonly removed: boolean;
}

/** How long a removal is remembered: a little over the change log's 7 days. */
const TOMBSTONE_MS = 8 * 24 * 60 * 60 * 1000;
const DEFAULT_LIMIT = 10;
const MAX_LIMIT = 100;

/** Whether a change replaces what the index holds of its document (see SearchChange). */
function supersedes(change: SearchChange, current: DocumentState | undefined): boolean {
  if (current === undefined) return true;
  if (change.version !== current.version) return change.version > current.version;
  const removed = change.removed === true;
  if (removed !== current.removed) return removed;
  return change.at > current.at;
}

/** What the index is given of a document. */
const toIndexed = (document: SearchDocument): IndexedDocument => {
  const text = document.text.length > MAX_TEXT_CHARS ? document.text.slice(0, MAX_TEXT_CHARS) : document.text;
  const { text: _text, ...stored } = document;
  return { ...stored, excerpt: excerptOf(text), text };
};

/** A term of the index and its postings by field: the very Map that MiniSearch's term index holds. */
interface TermPostings {
  readonly term: string;
  readonly fields: Map<number, Map<number, number>>;
}

/**
 * The terms each document of an index holds, so that its postings can be removed with it: each
 * term once (its postings, found by a hash lookup, where MiniSearch's term index is a radix tree),
 * and each document's list of them. Kept in step with MiniSearch's term index by SearchEngine,
 * the only one to add to it or remove from it (no vacuum: autoVacuum is off, and nothing is left
 * to vacuum).
 */
class DocumentTerms {
  readonly #internals: MiniSearchInternals;
  readonly #byTerm = new Map<string, TermPostings>();
  readonly #byDocument = new Map<number, TermPostings[]>();

  constructor(internals: MiniSearchInternals) {
    this.#internals = internals;
  }

  /**
   * Those of a loaded index: one walk through its term index (0.15 to 0.3 s for 10,000 articles on
   * a busy machine), which also removes the postings of documents discarded and not vacuumed before
   * the snapshot was taken (as snapshots saved before this engine removed them hold).
   */
  static of(internals: MiniSearchInternals): DocumentTerms {
    const terms = new DocumentTerms(internals);
    const emptied: string[] = [];
    for (const [term, fields] of internals._index) {
      const entry: TermPostings = { term, fields };
      for (const [fieldId, postings] of fields) {
        for (const shortId of postings.keys()) {
          if (!internals._documentIds.has(shortId)) {
            postings.delete(shortId);
            continue;
          }
          const list = terms.#byDocument.get(shortId);
          if (list === undefined) terms.#byDocument.set(shortId, [entry]);
          else if (list[list.length - 1] !== entry) list.push(entry);
        }
        if (postings.size === 0) fields.delete(fieldId);
      }
      if (fields.size === 0) emptied.push(term);
      else terms.#byTerm.set(term, entry);
    }
    for (const term of emptied) internals._index.delete(term);
    internals._dirtCount = 0;
    // Lists grown by push hold spare room (up to half their length): copied to their size.
    for (const [shortId, list] of terms.#byDocument) terms.#byDocument.set(shortId, list.slice());
    return terms;
  }

  /** MiniSearch has just added this document with these (distinct) terms. */
  added(shortId: number, terms: ReadonlySet<string>): void {
    const list = new Array<TermPostings>(terms.size);
    let length = 0;
    for (const term of terms) {
      let entry = this.#byTerm.get(term);
      if (entry === undefined) {
        const fields = this.#internals._index.get(term);
        if (fields === undefined) continue;
        entry = { term, fields };
        this.#byTerm.set(term, entry);
      }
      list[length++] = entry;
    }
    list.length = length;
    this.#byDocument.set(shortId, list);
  }

  /** MiniSearch has just discarded this document: removes its postings (and the terms no other document holds). */
  discarded(shortId: number): void {
    const list = this.#byDocument.get(shortId);
    this.#byDocument.delete(shortId);
    for (const entry of list ?? this.#byTerm.values()) {
      for (const [fieldId, postings] of entry.fields) if (postings.delete(shortId) && postings.size === 0) entry.fields.delete(fieldId);
      if (entry.fields.size === 0) {
        this.#internals._index.delete(entry.term);
        this.#byTerm.delete(entry.term);
      }
    }
    this.#internals._dirtCount = Math.max(0, this.#internals._dirtCount - 1);
  }
}

/**
 * Changing a document removes its old postings at once, so that the index after any changes is the
 * index built afresh of the same documents, scores included. MiniSearch's `discard` (and so its
 * `replace`) leaves them in the term index until a vacuum (asynchronous, and by default only once
 * 20 documents and a tenth of the index are discarded), and until then they still count in the
 * term statistics (BM25's document frequency): the other documents sharing their words score
 * lower, below zero once a word seems to be in more documents than the index has. Its `remove`
 * needs the document's indexed text, which the engine does not keep. So the engine keeps each
 * document's distinct terms (DocumentTerms: +9.5 MB for 10,000 articles of ~160 words, against
 * ~52 MB for the index), and removes a document with `discard` (ids, stored fields, field lengths,
 * count) and then its postings, term by term. Measured at 10,000 articles (CPU, busy 2-vCPU
 * machine): queries unchanged; applying 1 change 0.3-0.5 ms (was 0.2-0.3), 100 changes 37-42 ms
 * (was 18-31); a loaded index's first removal walks it once (0.2-0.3 s). A vacuum after each
 * batch instead (a walk through the term index) costs 18 ms for 1 change and 58 ms for 100.
 */
export class SearchEngine {
  readonly #index: MiniSearch<IndexedDocument>;
  readonly #states: Map<string, DocumentState>;
  /** Not yet known of a loaded index until it first removes a document (DocumentTerms.of, when needed). */
  #terms: DocumentTerms | undefined;

  private constructor(index: MiniSearch<IndexedDocument>, states: Map<string, DocumentState>, terms: DocumentTerms | undefined) {
    this.#index = index;
    this.#states = states;
    this.#terms = terms;
  }

  static empty(): SearchEngine {
    const index = new MiniSearch(MINISEARCH_OPTIONS);
    return new SearchEngine(index, new Map(), new DocumentTerms(index as unknown as MiniSearchInternals));
  }

  /** The engine as a snapshot holds it: its documents are taken as of the snapshot's `asOf`. */
  static fromSnapshot(snapshot: SearchSnapshot): SearchEngine {
    if (snapshot.format !== 1) throw new Error(`Unknown search snapshot format ${String(snapshot.format)}`);
    const index = MiniSearch.loadJS(snapshot.index as Parameters<typeof MiniSearch.loadJS>[0], MINISEARCH_OPTIONS) as MiniSearch<IndexedDocument>;
    const states = new Map<string, DocumentState>();
    for (const [docId, version] of Object.entries(snapshot.versions)) states.set(docId, { version, at: snapshot.asOf, removed: false });
    for (const [docId, { version, at }] of Object.entries(snapshot.removed)) states.set(docId, { version, at, removed: true });
    // The documents' terms are found when the engine first removes one (a walk through the index:
    // a reader of an index that is only added to never pays it), or now if the snapshot holds
    // postings of discarded documents, to remove them before they count in a score.
    const internals = index as unknown as MiniSearchInternals;
    return new SearchEngine(index, states, internals._dirtCount > 0 ? DocumentTerms.of(internals) : undefined);
  }

  /** A fresh engine of these documents (the rebuild); a document id given twice keeps its higher version. */
  static fromDocuments(documents: Iterable<SearchDocument>, at: string = new Date().toISOString()): SearchEngine {
    const latest = new Map<string, SearchDocument>();
    for (const document of documents) {
      const seen = latest.get(document.id);
      if (seen === undefined || document.version >= seen.version) latest.set(document.id, document);
    }
    const engine = SearchEngine.empty();
    for (const document of latest.values()) {
      engine.#add(document);
      engine.#states.set(document.id, { version: document.version, at, removed: false });
    }
    return engine;
  }

  /** Documents indexed. */
  get size(): number {
    return this.#index.documentCount;
  }

  has(docId: string): boolean {
    return this.#index.has(docId);
  }

  /** The version the index holds of a document (a removed one's too), if it knows it. */
  version(docId: string): number | undefined {
    return this.#states.get(docId)?.version;
  }

  /**
   * Applies changes in any order, any number of times: per document, the highest version wins
   * (ties: a removal, then the later `at`). Returns how many changed the index.
   */
  apply(changes: readonly SearchChange[]): number {
    let applied = 0;
    for (const change of changes) {
      const current = this.#states.get(change.docId);
      if (!supersedes(change, current)) continue;
      if (change.removed === true) {
        this.#remove(change.docId);
        this.#states.set(change.docId, { version: change.version, at: change.at, removed: true });
      } else {
        if (change.document === undefined) continue;
        this.#remove(change.docId);
        this.#add({ ...change.document, id: change.docId });
        this.#states.set(change.docId, { version: change.version, at: change.at, removed: false });
      }
      applied += 1;
    }
    return applied;
  }

  /** Indexes a document (not indexed yet), keeping its distinct terms. */
  #add(document: SearchDocument): void {
    const terms = new Set<string>();
    collecting = terms;
    try {
      this.#index.add(toIndexed(document));
    } finally {
      collecting = undefined;
    }
    const shortId = (this.#index as unknown as MiniSearchInternals)._idToShortId.get(document.id);
    if (shortId !== undefined) this.#terms?.added(shortId, terms);
  }

  /** Removes a document from the index, its postings included (as if it had never been added); nothing if it is not indexed. */
  #remove(docId: string): void {
    const internals = this.#index as unknown as MiniSearchInternals;
    const shortId = internals._idToShortId.get(docId);
    if (shortId === undefined) return;
    // Known before the discard: the walk takes a discarded document's postings for dirt.
    this.#terms ??= DocumentTerms.of(internals);
    this.#index.discard(docId);
    this.#terms.discarded(shortId);
  }

  search(query: string, options: SearchOptions = {}): SearchHit[] {
    const limit = Math.min(Math.max(1, Math.trunc(options.limit ?? DEFAULT_LIMIT)), MAX_LIMIT);
    const kinds = options.kinds === undefined ? undefined : new Set<string>(options.kinds);
    const allowed = options.filter;
    const admits = (stored: StoredSearchDocument): boolean => (kinds === undefined || kinds.has(stored.kind)) && (allowed === undefined || allowed(stored));
    const boost = options.boost;
    const internals = this.#index as unknown as MiniSearchInternals;
    const searchOptions = {
      // The queries below are built of terms already processed: no second tokenizing or stemming.
      tokenize: (term: string) => [term],
      processTerm: (term: string) => term,
      ...(boost === undefined
        ? {}
        : { boostDocument: (_id: unknown, _term: string, stored?: Record<string, unknown>) => boost(stored as unknown as StoredSearchDocument) }),
    };
    const run = (query: Query): SearchHit[] => topHits(internals, internals.executeQuery(query, searchOptions), limit, admits);

    if (options.mode === 'text') {
      const terms = this.#textTerms(query);
      return terms.length === 0 ? [] : run({ combineWith: 'OR', prefix: false, fuzzy: false, queries: terms });
    }
    const words = searchTerms(query).slice(0, MAX_QUERY_TERMS);
    if (words.length === 0) return [];
    const groups = (typos: boolean) => words.map((word) => termGroup(word, typos));
    // Every word as written, begun or in another form; then, if nothing has them all, with typos; then the most of them.
    const exact = run({ combineWith: 'AND', queries: groups(false) });
    if (exact.length > 0 || !words.some((word) => typoDistance(word) > 0))
      return exact.length > 0 || words.length === 1 ? exact : run({ combineWith: 'OR', queries: groups(false) });
    const typos = run({ combineWith: 'AND', queries: groups(true) });
    if (typos.length > 0 || words.length === 1) return typos;
    return run({ combineWith: 'OR', queries: groups(true) });
  }

  /**
   * The stems a long text is searched by: those of its words the index holds, rarest first, at most
   * MAX_TEXT_TERMS, without those in more than COMMON_TERM_SHARE of a large index's documents
   * (they rank nothing, and each costs a walk through the documents holding it).
   */
  #textTerms(text: string): string[] {
    const internals = this.#index as unknown as MiniSearchInternals;
    const documents = this.#index.documentCount;
    const ceiling = documents >= COMMON_TERM_MIN_DOCUMENTS ? documents * COMMON_TERM_SHARE : Number.POSITIVE_INFINITY;
    const counted: { term: string; documents: number }[] = [];
    for (const term of new Set(searchTerms(text).map(stemOf))) {
      const fields = internals._index.get(term);
      if (fields === undefined) continue;
      let holding = 0;
      for (const postings of fields.values()) holding = Math.max(holding, postings.size);
      if (holding > 0 && holding <= ceiling) counted.push({ term, documents: holding });
    }
    return counted
      .sort((a, b) => a.documents - b.documents)
      .slice(0, MAX_TEXT_TERMS)
      .map(({ term }) => term);
  }

  /** The engine's state as a snapshot (./snapshot.ts stores it); removals older than the change log's lifetime are forgotten. */
  toSnapshot(asOf: string): SearchSnapshot {
    const versions: Record<string, number> = {};
    const removed: Record<string, { version: number; at: string }> = {};
    const forgetBefore = new Date(Date.parse(asOf) - TOMBSTONE_MS).toISOString();
    for (const [docId, state] of this.#states) {
      if (!state.removed) versions[docId] = state.version;
      else if (state.at >= forgetBefore) removed[docId] = { version: state.version, at: state.at };
    }
    return { format: 1, asOf, versions, removed, index: this.#index.toJSON() };
  }
}
