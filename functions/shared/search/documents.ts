/**
 * What the search indexes hold (issue 16): generic documents that know no area. Each area maps its
 * records to SearchDocuments (the search area's indexer, knowledge for articles); the engine
 * (./engine.ts) indexes them and the change log (./change-log.ts) carries them from the table's
 * writes to every reader.
 *
 * Types and pure helpers only: no AWS client, nothing that weighs on a bundle.
 */

/** What a document is the search document of. */
export type SearchKind = 'article' | 'incident' | 'problem' | 'knownError';

/** `articles`: published articles only; `tickets`: incidents, problems and known errors (agents search them). */
export type SearchIndexName = 'articles' | 'tickets';

export const SEARCH_INDEX_NAMES: readonly SearchIndexName[] = ['articles', 'tickets'];

export interface SearchDocument {
  /** `${kind}:${recordId}`, unique in its index (searchDocumentId). */
  readonly id: string;
  readonly kind: SearchKind;
  /** The record's id (ULID). */
  readonly recordId: string;
  /** KB..., INC..., PRB... */
  readonly number: string;
  readonly title: string;
  /** Body or description as plain text (plainText strips the Markdown), at most ~20 KB. */
  readonly text: string;
  readonly keywords: readonly string[];
  readonly status: string;
  /**
   * The services it concerns, each once: an article's services, an incident's service, a problem's
   * service and the services it impacts. Empty when it names none.
   */
  readonly services: readonly string[];
  /** Articles: their audience; tickets: `internal`. */
  readonly audience: 'public' | 'internal';
  /** Tickets: the user id whose ticket it is (a requester finds only theirs). */
  readonly requester?: string;
  readonly category?: string;
  readonly updatedAt: string;
  /** The record's version: a change with a lower version never replaces a higher one. */
  readonly version: number;
}

/** What a hit carries: every field but `text` (the index does not store it), and the text's opening. */
export type StoredSearchDocument = Omit<SearchDocument, 'text'> & { readonly excerpt: string };

/**
 * One change of an index: a document (added or replaced) or its removal, at the record version it
 * reflects. Applying changes is idempotent and order-insensitive per document: the highest version
 * wins (ties: the later `at`; a removal at the same version wins over a document).
 */
export interface SearchChange {
  readonly docId: string;
  readonly version: number;
  /** When the change was written (ISO 8601); the change log is ordered by it. */
  readonly at: string;
  readonly document?: SearchDocument;
  readonly removed?: true;
}

/** The most text a document carries: enough to find it, small enough for a change-log item. */
export const MAX_TEXT_CHARS = 20_000;
/** The most an excerpt takes. */
export const EXCERPT_CHARS = 200;

export const searchDocumentId = (kind: SearchKind, recordId: string): string => `${kind}:${recordId}`;

/** The change that indexes (or re-indexes) a document. */
export const indexChange = (document: SearchDocument, at: string = new Date().toISOString()): SearchChange => ({
  docId: document.id,
  version: document.version,
  at,
  document,
});

/** The change that takes a document out of its index (a retired article, a deleted record). */
export const removalChange = (docId: string, version: number, at: string = new Date().toISOString()): SearchChange => ({
  docId,
  version,
  at,
  removed: true,
});

const clip = (text: string, max: number): string => (text.length <= max ? text : text.slice(0, max));

/**
 * Markdown as the plain words a reader sees, for indexing: code fences' markers, images, link
 * targets, emphasis and heading marks, HTML tags and entities go; link texts and code stay. Not a
 * renderer: what it leaves is only ever tokenized, never shown as HTML.
 */
export function plainText(markdown: string, max: number = MAX_TEXT_CHARS): string {
  const text = markdown
    .replace(/```[^\n]*\n?/g, ' ')
    .replace(/!\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/\[([^\]]*)\]\[[^\]]*\]/g, '$1')
    .replace(/^\s{0,3}\[[^\]]+\]:\s*\S+.*$/gm, ' ')
    .replace(/<[^>\n]{1,200}>/g, ' ')
    .replace(/&[a-z]+;|&#\d+;/gi, ' ')
    .replace(/^\s{0,3}(#{1,6}|>|[-*+]|\d+[.)])\s+/gm, '')
    .replace(/[*_~`|]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return clip(text, max);
}

/** The opening of a text, cut at a word, for a hit to show. */
export function excerptOf(text: string, max: number = EXCERPT_CHARS): string {
  if (text.length <= max) return text;
  const cut = text.lastIndexOf(' ', max - 1);
  return `${text.slice(0, cut > max / 2 ? cut : max - 1)}…`;
}
