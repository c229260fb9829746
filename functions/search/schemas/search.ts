import * as z from 'zod';
import { oneOrMore, slug } from '../../shared/schemas/common.ts';

/** What GET /search finds: published articles and, for agents, incidents, problems and known errors. */
export const SEARCH_KINDS = ['article', 'incident', 'problem', 'knownError'] as const;
export type SearchResultKind = (typeof SEARCH_KINDS)[number];

export const MAX_QUERY_CHARS = 200;
export const DEFAULT_SEARCH_LIMIT = 20;
export const MAX_SEARCH_LIMIT = 50;

export const searchQuery = z
  .strictObject({
    q: z
      .string()
      .trim()
      .min(1, 'Say what to search for')
      .max(MAX_QUERY_CHARS)
      .describe(
        `The words to find (1 to ${MAX_QUERY_CHARS} characters): each matches its other forms (stemming: \`restarting\` finds \`restart\`), as a prefix from 3 letters and with a typo from 4 letters`,
      ),
    kinds: oneOrMore(z.enum(SEARCH_KINDS))
      .optional()
      .describe('Only these kinds, comma-separated (default: every kind the caller may read; requesters read articles and their own incidents)'),
    service: slug
      .optional()
      .describe(
        'Only what concerns this service: an article naming it among its services, an incident or problem of it, a problem or known error whose impacted services include it',
      ),
    limit: z.coerce.number().int().min(1).max(MAX_SEARCH_LIMIT).default(DEFAULT_SEARCH_LIMIT).describe('Most results'),
  })
  .meta({ id: 'SearchQuery', description: 'A ranked full-text search' });

export const searchResultSchema = z
  .object({
    kind: z.enum(SEARCH_KINDS),
    id: z.string().describe('The record id (a known error: its problem id)'),
    number: z.string().describe('KB..., INC... or PRB... (a known error: its problem number)'),
    title: z.string(),
    status: z.string().describe("The record's status (an article: published)"),
    services: z
      .array(z.string())
      .describe(
        'The services it concerns (an article: its services; an incident: its service; a problem or known error: its service and the services it impacts); empty when none',
      ),
    score: z.number().describe('Relevance: higher is better; comparable within one answer only'),
    url: z.string().describe('Where the API serves the record, e.g. /articles/{id}; a known error is its problem, /problems/{id}'),
  })
  .meta({ id: 'SearchResult', description: 'One record found, best first' });

export const searchResponseSchema = z
  .object({
    query: z.string().describe('The query as searched (trimmed)'),
    items: z.array(searchResultSchema),
    took: z.number().int().optional().describe('Milliseconds the search took in the function (refresh of the index included)'),
  })
  .meta({ id: 'SearchResults', description: 'What a search found, best first' });

export type SearchResult = z.output<typeof searchResultSchema>;
