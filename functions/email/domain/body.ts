/**
 * The words a person wrote, out of a parsed message: the text part, or the HTML part turned into
 * plain text crudely but safely (tags dropped, never interpreted), and, for a reply, without the
 * message it quotes. Pure.
 */

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', '#39': "'" };

/** HTML as text: scripts and styles removed with their content, block ends become line breaks, other tags vanish. */
export function htmlToText(html: string): string {
  return html
    .replace(/<(script|style|head)\b[\s\S]*?<\/\1\s*>/gi, '')
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/(p|div|li|tr|h[1-6]|blockquote)\s*>/gi, '\n')
    .replace(/<[^>]*>/g, '')
    .replace(/&(#\d+|#x[0-9a-f]+|[a-z]+\d*);/gi, (entity, name: string) => {
      const lower = name.toLowerCase();
      if (lower.startsWith('#x')) return String.fromCodePoint(Number.parseInt(lower.slice(2), 16) || 32);
      if (lower.startsWith('#')) return ENTITIES[lower] ?? String.fromCodePoint(Number.parseInt(lower.slice(1), 10) || 32);
      return ENTITIES[lower] ?? entity;
    })
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** The text part if there is one, else the HTML part as text, else nothing. */
export function bodyText(parts: { text?: string | undefined; html?: string | undefined }): string {
  if (parts.text !== undefined && parts.text.trim() !== '') return parts.text.replace(/\r\n/g, '\n').trim();
  if (parts.html !== undefined) return htmlToText(parts.html);
  return '';
}

/** Lines that start the quoted message in the common clients' replies. */
const QUOTE_INTRODUCTIONS = [
  /^On .+wrote:\s*$/i,
  /^Am .+schrieb .+:\s*$/i,
  /^Le .+a écrit\s*:\s*$/i,
  /^-{2,}\s*Original Message\s*-{2,}\s*$/i,
  // Outlook's separator above the quoted message's From/Sent/To block.
  /^_{10,}\s*$/,
];

/**
 * What a reply adds: the text above the quoted message (an "On ... wrote:" line, also when the
 * client wrapped it over two lines, or an "Original Message" separator), without lines quoted
 * with `>`. A reply that is all quote keeps its text, so nothing is lost.
 */
export function withoutQuotedReply(text: string): string {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  let end = lines.length;
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] as string).trim();
    const joined = `${line} ${(lines[i + 1] ?? '').trim()}`;
    if (QUOTE_INTRODUCTIONS.some((pattern) => pattern.test(line))) {
      end = i;
      break;
    }
    // "On Mon, 7 Dec 2026 at 10:00, Service Desk <x@y>\nwrote:" as clients wrap it.
    if (/^On\s/i.test(line) && /wrote:\s*$/i.test(joined) && !/wrote:\s*$/i.test(line)) {
      end = i;
      break;
    }
  }
  const kept = lines
    .slice(0, end)
    .filter((line) => !line.trimStart().startsWith('>'))
    .join('\n')
    .trim();
  return kept === '' ? text.trim() : kept;
}
