import { plainText } from '../../shared/search/documents.ts';

/** Several Markdown texts of one record (a problem's description, root cause, workaround) as one plain text, blank ones left out. */
export const joinedText = (parts: readonly (string | undefined)[]): string =>
  plainText(parts.filter((part): part is string => part !== undefined && part.trim() !== '').join('\n\n'));
