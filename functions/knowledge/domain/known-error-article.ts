/*
 * The draft article a known error becomes (POST /known-errors/{id}/article), from its problem's
 * fields: the title; a Markdown body with three sections, Symptoms (the description), Cause (the
 * root cause) and Workaround; its category, service and configuration items; internal audience
 * (an agent decides whether requesters may read it); owned by the problem's assignment group;
 * linked to the problem and its known error. Pure.
 */

export interface KnownErrorArticleSource {
  readonly id: string;
  readonly number: string;
  readonly title: string;
  readonly description?: string;
  readonly rootCause?: string;
  readonly workaround?: string;
  readonly category?: string;
  readonly service?: string;
  readonly configurationItems?: readonly string[];
}

export interface KnownErrorArticleInput {
  readonly title: string;
  readonly body: string;
  readonly category?: string;
  readonly services: string[];
  readonly configurationItems: string[];
  readonly audience: 'internal';
  readonly keywords: string[];
  readonly ownerGroup: string;
  readonly links: { problems: string[]; knownErrors: string[]; incidents: string[] };
}

const section = (heading: string, text: string | undefined, none: string): string =>
  `## ${heading}\n\n${text === undefined || text.trim() === '' ? none : text.trim()}\n`;

/** The article's Markdown body: Symptoms, Cause, Workaround, then where it came from. */
export function knownErrorArticleBody(problem: KnownErrorArticleSource): string {
  return [
    section('Symptoms', problem.description, '_Not described._'),
    section('Cause', problem.rootCause, '_Not yet known._'),
    section('Workaround', problem.workaround, '_None documented._'),
    `_From known error ${problem.number}._\n`,
  ].join('\n');
}

export function knownErrorArticle(problem: KnownErrorArticleSource, ownerGroup: string): KnownErrorArticleInput {
  return {
    title: problem.title,
    body: knownErrorArticleBody(problem),
    ...(problem.category === undefined || problem.category.trim() === '' ? {} : { category: problem.category.trim() }),
    services: problem.service === undefined ? [] : [problem.service],
    configurationItems: [...(problem.configurationItems ?? [])],
    audience: 'internal',
    keywords: [],
    ownerGroup,
    links: { problems: [problem.id], knownErrors: [problem.id], incidents: [] },
  };
}
