/**
 * A received message read as far as the service desk needs: its headers, its From address and
 * subject (RFC 2047 encoded words decoded), and its text and HTML bodies (multipart walked,
 * base64 and quoted-printable decoded, charsets through TextDecoder). Attachments are skipped.
 * Pure and small on purpose: a full parser (postal-mime) more than doubled the receiving
 * function's bundle, mostly with HTML entity tables and address grammars it does not need.
 */

import type { MailHeader } from './inbound.ts';

export interface ParsedMail {
  /** In order, names as written, values unfolded (encoded words left as sent). */
  readonly headers: MailHeader[];
  /** The From header's address, lower-cased; empty when there is none. */
  readonly from: string;
  readonly subject: string;
  readonly text?: string;
  readonly html?: string;
}

/** Parts nested deeper than this are not read (a malicious message cannot recurse for ever). */
const MAX_DEPTH = 8;

const latin1 = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');

function decodeCharset(bytes: Uint8Array, charset: string | undefined): string {
  try {
    return new TextDecoder(charset?.trim().toLowerCase() || 'utf-8').decode(bytes);
  } catch {
    // An unknown charset: UTF-8 shows most of the text, with replacement characters for the rest.
    return new TextDecoder('utf-8').decode(bytes);
  }
}

function quotedPrintable(text: string): Uint8Array {
  const soft = text.replace(/=\r?\n/g, '');
  const bytes: number[] = [];
  for (let i = 0; i < soft.length; i++) {
    const hex = soft.slice(i + 1, i + 3);
    if (soft[i] === '=' && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(Number.parseInt(hex, 16));
      i += 2;
    } else bytes.push(soft.charCodeAt(i) & 0xff);
  }
  return Uint8Array.from(bytes);
}

/** `=?utf-8?B?...?=` and `=?iso-8859-1?Q?...?=` words, adjacent ones joined as RFC 2047 says. */
export function decodeWords(value: string): string {
  return value
    .replace(/(=\?[^?]+\?[BbQq]\?[^?]*\?=)(\s+(?==\?))/g, '$1')
    .replace(/=\?([^?*]+)(?:\*[^?]*)?\?([BbQq])\?([^?]*)\?=/g, (word, charset: string, encoding: string, data: string) => {
      const bytes = encoding.toUpperCase() === 'B' ? Uint8Array.from(Buffer.from(data, 'base64')) : quotedPrintable(data.replace(/_/g, ' '));
      return decodeCharset(bytes, charset) || word;
    });
}

/** Splits a header block into headers, unfolding continuation lines. */
export function parseHeaders(block: string): MailHeader[] {
  const headers: { name: string; value: string }[] = [];
  for (const line of block.split(/\r?\n/)) {
    const last = headers[headers.length - 1];
    if (/^[ \t]/.test(line) && last !== undefined) {
      last.value = `${last.value} ${line.trim()}`;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon > 0) headers.push({ name: line.slice(0, colon).trim(), value: line.slice(colon + 1).trim() });
  }
  return headers;
}

const headerOf = (headers: readonly MailHeader[], name: string) => headers.find((h) => h.name.toLowerCase() === name)?.value;

/** `text/plain; charset="utf-8"` as its type and parameters (names lower-cased). */
function contentType(value: string | undefined): { type: string; params: Record<string, string> } {
  const [type = 'text/plain', ...rest] = (value ?? 'text/plain').split(';');
  const params: Record<string, string> = {};
  for (const part of rest) {
    const eq = part.indexOf('=');
    if (eq > 0)
      params[part.slice(0, eq).trim().toLowerCase()] = part
        .slice(eq + 1)
        .trim()
        .replace(/^"(.*)"$/, '$1');
  }
  return { type: type.trim().toLowerCase(), params };
}

/** The address of a From header (`"Name" <a@b>`, or a bare address), lower-cased. */
export function addressOf(value: string | undefined): string {
  if (value === undefined) return '';
  const angle = /<([^<>]*)>/.exec(value);
  const bare = angle === null ? /[^\s"<>,;:]+@[^\s"<>,;:]+/.exec(value)?.[0] : angle[1];
  return (bare ?? '').trim().toLowerCase();
}

interface Bodies {
  text?: string;
  html?: string;
}

function readPart(raw: string, depth: number, bodies: Bodies): void {
  const split = /\r?\n\r?\n/.exec(raw);
  const headers = parseHeaders(split === null ? raw : raw.slice(0, split.index));
  const body = split === null ? '' : raw.slice(split.index + split[0].length);
  const { type, params } = contentType(headerOf(headers, 'content-type'));
  if (type.startsWith('multipart/')) {
    const boundary = params.boundary;
    if (boundary === undefined || depth >= MAX_DEPTH) return;
    const parts = body.split(new RegExp(`\\r?\\n?--${boundary.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?:--)?[ \\t]*(?:\\r?\\n|$)`));
    // The first piece is the preamble, the last the epilogue.
    for (const part of parts.slice(1)) if (part.trim() !== '') readPart(part, depth + 1, bodies);
    return;
  }
  if (/^attachment/i.test(headerOf(headers, 'content-disposition') ?? '')) return;
  if (type !== 'text/plain' && type !== 'text/html') return;
  const encoding = (headerOf(headers, 'content-transfer-encoding') ?? '7bit').trim().toLowerCase();
  const bytes =
    encoding === 'base64'
      ? Uint8Array.from(Buffer.from(body.replace(/\s+/g, ''), 'base64'))
      : encoding === 'quoted-printable'
        ? quotedPrintable(body)
        : Uint8Array.from(Buffer.from(body, 'latin1'));
  const text = decodeCharset(bytes, params.charset);
  if (type === 'text/plain' && bodies.text === undefined) bodies.text = text;
  if (type === 'text/html' && bodies.html === undefined) bodies.html = text;
}

/** The message's headers, From, subject and first text and HTML bodies. */
export function parseMail(raw: Uint8Array): ParsedMail {
  // Bytes as latin1 keep every byte as one character; each part's charset decodes its own body.
  const text = latin1(raw);
  const split = /\r?\n\r?\n/.exec(text);
  const headers = parseHeaders(split === null ? text : text.slice(0, split.index)).map((h) => ({
    name: h.name,
    value: decodeCharset(Uint8Array.from(Buffer.from(h.value, 'latin1')), 'utf-8'),
  }));
  const bodies: Bodies = {};
  readPart(text, 0, bodies);
  return {
    headers,
    from: addressOf(decodeWords(headerOf(headers, 'from') ?? '')),
    subject: decodeWords(headerOf(headers, 'subject') ?? ''),
    ...(bodies.text === undefined ? {} : { text: bodies.text }),
    ...(bodies.html === undefined ? {} : { html: bodies.html }),
  };
}
