import { micromark } from 'micromark';

/*
 * An article's Markdown body rendered to HTML once, at write time (the record and its version keep
 * both), so a read renders nothing. micromark's defaults are the safety (CommonMark, no extension):
 * raw HTML in the Markdown is escaped, never passed through (`<script>` arrives as text), and a
 * link's or an image's URL whose protocol is not a safe one (http, https, mailto, irc, ircs, xmpp
 * for links; http, https for images) is dropped (`javascript:`, `vbscript:`, `data:` become an
 * empty href or src). Never pass `allowDangerousHtml` or `allowDangerousProtocol`.
 */
export function renderMarkdown(markdown: string): string {
  return micromark(markdown);
}

/**
 * The most UTF-8 bytes a body's rendered HTML may take. DynamoDB refuses an item over 400 KB (a
 * 500), and the article record and each version item hold the body and its HTML, beside a few KB
 * of lists and names; a history record holds the body twice (from, to), never the HTML. The body
 * comes in a request of at most 64 KiB (shared/http/request.ts MAX_BODY_BYTES), so it takes at most that; but
 * Markdown can multiply itself when rendered (one reference link with a long URL used thousands
 * of times renders megabytes; a `"` becomes `&quot;`). 160 KiB leaves ordinary text all the room it
 * needs (its HTML is about its size) and keeps each item under ~250 KB; more is refused, 400 naming
 * `body`, before anything is written (no article number is taken).
 */
export const MAX_BODY_HTML_BYTES = 160 * 1024;
