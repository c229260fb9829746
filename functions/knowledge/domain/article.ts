import type { FieldDiff } from '../../shared/domain/audit.ts';

/*
 * Knowledge articles (issue 16) and their lifecycle, as pure rules: no clock, no store.
 *
 * An article is a record (what readers see) and its content versions (VERSION#n, every one kept).
 * The record's content is the version readers see: the published one once there is one, else the
 * draft (or the version in review) of an article never published. Its status says where the
 * article is: `draft` -> `review` -> `published` -> `retired`; a rejected review goes back to
 * `draft`; an edit of an article in review returns it to `draft`.
 *
 * A published article edited becomes a new content version n+1 in draft (the record's
 * `pendingVersion`), while the record keeps the published content: readers go on seeing it until
 * the new version is approved. The pending version goes through review as a never-published
 * article does (submit, approve or reject); its approval publishes it and supersedes the previous
 * published version.
 */

export const ARTICLE_STATUSES = ['draft', 'review', 'published', 'retired'] as const;
export type ArticleStatus = (typeof ARTICLE_STATUSES)[number];

export const VERSION_STATUSES = ['draft', 'review', 'published', 'superseded', 'retired'] as const;
export type VersionStatus = (typeof VERSION_STATUSES)[number];

export const ARTICLE_AUDIENCES = ['public', 'internal'] as const;
export type ArticleAudience = (typeof ARTICLE_AUDIENCES)[number];

export const REVIEW_DECISIONS = ['approve', 'reject'] as const;
export type ReviewDecision = (typeof REVIEW_DECISIONS)[number];

/** The records an article came from, by id or number as given (not checked: incidents and problems are not the knowledge area's to read). */
export interface ArticleLinks {
  problems: string[];
  knownErrors: string[];
  incidents: string[];
}

/** What a content version holds, and the record shows of the version readers see. */
export interface ArticleContent {
  title: string;
  /** Markdown, as written. */
  body: string;
  /** The body rendered at write time (render.ts): no raw HTML, no unsafe URLs. */
  bodyHtml: string;
  category?: string;
  services: string[];
  configurationItems: string[];
  audience: ArticleAudience;
  keywords: string[];
  ownerGroup: string;
  links: ArticleLinks;
}

/** The content fields, in the documented order (history diffs, version items). */
export const CONTENT_FIELDS = [
  'title',
  'body',
  'bodyHtml',
  'category',
  'services',
  'configurationItems',
  'audience',
  'keywords',
  'ownerGroup',
  'links',
] as const satisfies readonly (keyof ArticleContent)[];

/** The edit of a published article in progress: the version after the published one. */
export interface PendingVersion {
  version: number;
  status: 'draft' | 'review';
  author: string;
  updatedAt: string;
  submittedAt?: string;
}

export interface Article extends ArticleContent {
  id: string;
  number: string;
  status: ArticleStatus;
  /** The content version the record's content is: the published one, else the draft (or the one in review). */
  contentVersion: number;
  /** The highest content version written. */
  latestVersion: number;
  publishedVersion?: number;
  pendingVersion?: PendingVersion;
  /** The known error it was written from (POST /known-errors/{id}/article). */
  knownError?: { id: string; number: string };
  author: string;
  createdAt: string;
  updatedAt: string;
  updatedBy: string;
  submittedAt?: string;
  /** When the version readers see was published. */
  publishedAt?: string;
  /** The last approval. */
  reviewedAt?: string;
  retiredAt?: string;
  /** The record's version: the ETag. */
  version: number;
}

export interface ArticleVersion extends ArticleContent {
  articleId: string;
  version: number;
  status: VersionStatus;
  /** Who started the version. */
  author: string;
  /** Everyone who wrote its content (the author first): none of them may approve it. */
  contributors: string[];
  createdAt: string;
  updatedAt: string;
  submittedAt?: string;
  reviewedBy?: string;
  reviewedAt?: string;
  reviewComment?: string;
  publishedAt?: string;
  retiredAt?: string;
}

export type ArticleRuleCode = 'RETIRED' | 'NOT_EDITABLE' | 'NOTHING_TO_SUBMIT' | 'NOT_IN_REVIEW' | 'OWN_VERSION';

export class ArticleRuleError extends Error {
  constructor(
    readonly code: ArticleRuleCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'ArticleRuleError';
  }
}

export const ARTICLE_NUMBER_PATTERN = /^KB\d{7,}$/;

/** JSON with object members sorted: maps read back from the table come in no particular order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

const sameValue = (a: unknown, b: unknown): boolean => canonical(a) === canonical(b);

/** The content fields that differ, for the history. The rendered body is derived from the body: not a change of its own. */
export function contentChanges(before: Partial<ArticleContent>, after: ArticleContent): FieldDiff[] {
  return CONTENT_FIELDS.filter((field) => field !== 'bodyHtml' && !sameValue(before[field], after[field])).map((field) => ({
    field,
    from: before[field] ?? null,
    to: after[field] ?? null,
  }));
}

export const contentOf = (source: ArticleContent): ArticleContent => ({
  title: source.title,
  body: source.body,
  bodyHtml: source.bodyHtml,
  ...(source.category === undefined ? {} : { category: source.category }),
  services: source.services,
  configurationItems: source.configurationItems,
  audience: source.audience,
  keywords: source.keywords,
  ownerGroup: source.ownerGroup,
  links: source.links,
});

/** Replaces the content fields of a record or a version (a missing category clears it). */
function withContent<T extends ArticleContent>(target: T, content: ArticleContent): T {
  const { category: _dropped, ...rest } = target;
  return { ...(rest as T), ...contentOf(content) };
}

function withoutKey<T extends object, K extends keyof T>(value: T, key: K): T {
  const { [key]: _dropped, ...rest } = value;
  return rest as T;
}

/** The version being written (a draft, or one in review), if any: what submit and review act on. */
export function activeVersionNumber(article: Article): number | undefined {
  if (article.pendingVersion !== undefined) return article.pendingVersion.version;
  if (article.status === 'draft' || article.status === 'review') return article.contentVersion;
  return undefined;
}

/** The status of the version being written, if any. */
export function activeVersionStatus(article: Article): 'draft' | 'review' | undefined {
  if (article.pendingVersion !== undefined) return article.pendingVersion.status;
  if (article.status === 'draft' || article.status === 'review') return article.status;
  return undefined;
}

export interface Transition {
  article: Article;
  /** Version items written whole. */
  versions: ArticleVersion[];
  /** Other version items whose status moves (the superseded or retired ones). */
  statusMoves: { version: number; status: VersionStatus; at: string }[];
  changes: FieldDiff[];
}

/** A new article: record and version 1, both draft. */
export function newArticle(
  content: ArticleContent,
  context: { id: string; number: string; actor: string; now: Date; knownError?: { id: string; number: string } },
): Transition {
  const at = context.now.toISOString();
  const article: Article = {
    id: context.id,
    number: context.number,
    status: 'draft',
    ...contentOf(content),
    contentVersion: 1,
    latestVersion: 1,
    ...(context.knownError === undefined ? {} : { knownError: context.knownError }),
    author: context.actor,
    createdAt: at,
    updatedAt: at,
    updatedBy: context.actor,
    version: 1,
  };
  const version: ArticleVersion = {
    articleId: context.id,
    version: 1,
    status: 'draft',
    ...contentOf(content),
    author: context.actor,
    contributors: [context.actor],
    createdAt: at,
    updatedAt: at,
  };
  return { article, versions: [version], statusMoves: [], changes: contentChanges({}, content) };
}

const touched = (article: Article, actor: string, at: string): Article => ({ ...article, updatedAt: at, updatedBy: actor, version: article.version + 1 });
const contributorsWith = (version: ArticleVersion, actor: string): string[] =>
  version.contributors.includes(actor) ? version.contributors : [...version.contributors, actor];

/**
 * An edit (PUT): the content replaces the version being written. A draft is edited; a version in
 * review returns to draft; a published article gets (or edits) its pending version n+1 while the
 * record keeps the published content. `latest` is the article's latest version item. Undefined
 * when the content is the same as the version's: nothing to write.
 */
export function editArticle(article: Article, latest: ArticleVersion, content: ArticleContent, actor: string, now: Date): Transition | undefined {
  if (article.status === 'retired') {
    throw new ArticleRuleError('RETIRED', `${article.number} is retired: it cannot be edited`, { articleStatus: article.status });
  }
  const at = now.toISOString();
  const active = activeVersionNumber(article);
  if (active === undefined) {
    // Published, nothing pending: the edit starts version n+1 from the content given.
    const next: ArticleVersion = {
      articleId: article.id,
      version: article.latestVersion + 1,
      status: 'draft',
      ...contentOf(content),
      author: actor,
      contributors: [actor],
      createdAt: at,
      updatedAt: at,
    };
    const changes = contentChanges(article, content);
    if (changes.length === 0) return undefined;
    return {
      article: {
        ...touched(article, actor, at),
        latestVersion: next.version,
        pendingVersion: { version: next.version, status: 'draft', author: actor, updatedAt: at },
      },
      versions: [next],
      statusMoves: [],
      changes: [{ field: 'pendingVersion', from: null, to: next.version }, ...changes.map((c) => ({ ...c, field: `pendingVersion.${c.field}` }))],
    };
  }
  if (latest.version !== active) throw new Error(`${article.number}: the latest version read is ${latest.version}, the one being written ${active}`);
  const changes = contentChanges(latest, content);
  const backToDraft = latest.status === 'review';
  if (changes.length === 0 && !backToDraft) return undefined;
  const version: ArticleVersion = withoutKey(
    { ...withContent(latest, content), status: 'draft', contributors: contributorsWith(latest, actor), updatedAt: at },
    'submittedAt',
  );
  if (article.pendingVersion !== undefined) {
    const pending: PendingVersion = { version: active, status: 'draft', author: article.pendingVersion.author, updatedAt: at };
    return {
      article: { ...touched(article, actor, at), pendingVersion: pending },
      versions: [version],
      statusMoves: [],
      changes: [
        ...(backToDraft ? [{ field: 'pendingVersion.status', from: 'review', to: 'draft' }] : []),
        ...changes.map((c) => ({ ...c, field: `pendingVersion.${c.field}` })),
      ],
    };
  }
  // Never published: the record shows the draft.
  const record = withoutKey(withContent({ ...touched(article, actor, at), status: 'draft' as const }, content), 'submittedAt');
  return {
    article: record,
    versions: [version],
    statusMoves: [],
    changes: [...(backToDraft ? [{ field: 'status', from: 'review', to: 'draft' }] : []), ...changes],
  };
}

/** Sends the draft being written to review. */
export function submitArticle(article: Article, latest: ArticleVersion, actor: string, now: Date): Transition {
  if (article.status === 'retired') throw new ArticleRuleError('RETIRED', `${article.number} is retired`, { articleStatus: article.status });
  const status = activeVersionStatus(article);
  if (status !== 'draft') {
    throw new ArticleRuleError(
      'NOTHING_TO_SUBMIT',
      status === 'review'
        ? `Version ${activeVersionNumber(article)} of ${article.number} is already in review`
        : `${article.number} has no draft to submit: edit it (PUT) to start a new version`,
      { articleStatus: article.status },
    );
  }
  const at = now.toISOString();
  const version: ArticleVersion = { ...latest, status: 'review', submittedAt: at, updatedAt: at };
  if (article.pendingVersion !== undefined) {
    return {
      article: { ...touched(article, actor, at), pendingVersion: { ...article.pendingVersion, status: 'review', submittedAt: at, updatedAt: at } },
      versions: [version],
      statusMoves: [],
      changes: [{ field: 'pendingVersion.status', from: 'draft', to: 'review' }],
    };
  }
  return {
    article: { ...touched(article, actor, at), status: 'review', submittedAt: at },
    versions: [version],
    statusMoves: [],
    changes: [{ field: 'status', from: 'draft', to: 'review' }],
  };
}

/**
 * A reviewer's decision on the version in review. Nobody approves or rejects a version they wrote
 * (its contributors); whether the reviewer is in the owner group is checked by the caller (the
 * directory). Approval publishes the version: the record shows its content, the previously
 * published version is superseded. Rejection returns it to draft with the comment.
 */
export function reviewArticle(
  article: Article,
  inReview: ArticleVersion,
  decision: { decision: ReviewDecision; comment?: string },
  actor: string,
  now: Date,
): Transition {
  if (article.status === 'retired') throw new ArticleRuleError('RETIRED', `${article.number} is retired`, { articleStatus: article.status });
  if (activeVersionStatus(article) !== 'review' || inReview.version !== activeVersionNumber(article)) {
    throw new ArticleRuleError('NOT_IN_REVIEW', `${article.number} has no version in review: submit it first`, { articleStatus: article.status });
  }
  if (inReview.contributors.includes(actor)) {
    throw new ArticleRuleError(
      'OWN_VERSION',
      `You wrote version ${inReview.version} of ${article.number}: someone else of group '${inReview.ownerGroup}' (its owner group) reviews it`,
    );
  }
  const at = now.toISOString();
  // A comment of an earlier review does not carry over to this one.
  const base = withoutKey(inReview, 'reviewComment');
  const reviewed = {
    reviewedBy: actor,
    reviewedAt: at,
    ...(decision.comment === undefined ? {} : { reviewComment: decision.comment }),
  };
  if (decision.decision === 'reject') {
    const cleaned: ArticleVersion = withoutKey({ ...base, status: 'draft', updatedAt: at, ...reviewed }, 'submittedAt');
    if (article.pendingVersion !== undefined) {
      return {
        article: {
          ...touched(article, actor, at),
          pendingVersion: withoutKey<PendingVersion, 'submittedAt'>({ ...article.pendingVersion, status: 'draft', updatedAt: at }, 'submittedAt'),
        },
        versions: [cleaned],
        statusMoves: [],
        changes: [{ field: 'pendingVersion.status', from: 'review', to: 'draft' }],
      };
    }
    return {
      article: withoutKey({ ...touched(article, actor, at), status: 'draft' as const }, 'submittedAt'),
      versions: [cleaned],
      statusMoves: [],
      changes: [{ field: 'status', from: 'review', to: 'draft' }],
    };
  }
  const published: ArticleVersion = { ...base, status: 'published', updatedAt: at, publishedAt: at, ...reviewed };
  const record: Article = withoutKey(
    withoutKey(
      withContent(
        {
          ...touched(article, actor, at),
          status: 'published' as const,
          contentVersion: inReview.version,
          publishedVersion: inReview.version,
          publishedAt: at,
          reviewedAt: at,
        },
        inReview,
      ),
      'pendingVersion',
    ),
    'submittedAt',
  );
  const changes: FieldDiff[] = [
    ...(article.status === 'published' ? [] : [{ field: 'status', from: article.status, to: 'published' }]),
    { field: 'publishedVersion', from: article.publishedVersion ?? null, to: inReview.version },
    ...(article.pendingVersion === undefined ? [] : [{ field: 'pendingVersion', from: article.pendingVersion.version, to: null }]),
    ...contentChanges(article, inReview),
  ];
  return {
    article: record,
    versions: [published],
    statusMoves: article.publishedVersion === undefined ? [] : [{ version: article.publishedVersion, status: 'superseded', at }],
    changes,
  };
}

/** Retires an article: readers no longer see it; its published version and any version being written are retired too. */
export function retireArticle(article: Article, actor: string, now: Date): Transition {
  if (article.status === 'retired') throw new ArticleRuleError('RETIRED', `${article.number} is already retired`, { articleStatus: article.status });
  const at = now.toISOString();
  const moved = [...new Set([article.publishedVersion, activeVersionNumber(article)].filter((v): v is number => v !== undefined))];
  return {
    article: withoutKey({ ...touched(article, actor, at), status: 'retired' as const, retiredAt: at }, 'pendingVersion'),
    versions: [],
    statusMoves: moved.map((version) => ({ version, status: 'retired' as const, at })),
    changes: [
      { field: 'status', from: article.status, to: 'retired' },
      ...(article.pendingVersion === undefined ? [] : [{ field: 'pendingVersion', from: article.pendingVersion.version, to: null }]),
    ],
  };
}

/** What a requester may read: a published public article. */
export const isReadableByRequester = (article: Pick<Article, 'status' | 'audience'>): boolean =>
  article.status === 'published' && article.audience === 'public';
