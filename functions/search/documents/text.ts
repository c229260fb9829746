import { plainText } from '../../shared/search/documents.ts';

/** Several Markdown texts of one record (a problem's description, root cause, workaround) as one plain text, blank ones left out. */
export const joinedText = (parts: readonly (string | undefined)[]): string =>
  plainText(parts.filter((part): part is string => part !== undefined && part.trim() !== '').join('\n\n'));

/**
 * A record's keywords with its number (KB…, INC…, PRB…) first, once: agents paste numbers into
 * search, and the engine keeps a word of letters and digits whole (`kb0000001`).
 */
export const withNumber = (number: string, keywords: readonly string[]): string[] => [number, ...keywords.filter((keyword) => keyword !== number)];
