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
