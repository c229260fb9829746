import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { dirname } from 'node:path';
import { addressOf, parseMail } from '../functions/email/domain/mime.ts';
import type { RawHandler } from './aws-endpoint.ts';

/**
 * SES, locally, as much as sending needs: SESv2 SendEmail (`POST /v2/email/outbound-emails`, REST
 * JSON, Simple or Raw content), answered with a MessageId as SES does. Nothing leaves the machine:
 * each message is kept (the mail catcher) and listed at `GET /local/mail`, oldest first, with the
 * Message-ID header SES gives it (`<MessageId@email.amazonses.com>`), so that a reply to it threads
 * as it would in AWS. `DELETE /local/mail` empties the catcher. Signatures are not checked.
 */

/** A message as it would have been sent. */
export interface CaughtMail {
  readonly messageId: string;
  readonly at: string;
  readonly from: string;
  readonly to: readonly string[];
  readonly cc: readonly string[];
  readonly replyTo: readonly string[];
  readonly subject: string;
  /** The headers the message carries, Message-ID included, by lower-cased name. */
  readonly headers: Readonly<Record<string, string>>;
  readonly text: string;
}

export interface LocalSes {
  readonly handler: RawHandler;
  /** Oldest first. */
  list(): readonly CaughtMail[];
  clear(): void;
}

/** Enough for any test or demo; the oldest go first past it. */
const KEPT = 1000;
const SEND_PATH = '/v2/email/outbound-emails';

/** What SES's message ids look like (hex, dashes), long enough never to collide. */
const sesMessageId = () => {
  const hex = randomBytes(30).toString('hex');
  return `${hex.slice(0, 16)}-${hex.slice(16, 24)}-${hex.slice(24, 28)}-${hex.slice(28, 32)}-${hex.slice(32, 44)}-${hex.slice(44, 50)}-000000`;
};

function sesError(response: ServerResponse, status: number, code: string, message: string): void {
  const text = JSON.stringify({ message });
  response.writeHead(status, { 'content-type': 'application/json', 'x-amzn-errortype': code, 'content-length': String(Buffer.byteLength(text)) });
  response.end(text);
}

const strings = (value: unknown): string[] => (Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []);
const record = (value: unknown): Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
const dataOf = (value: unknown): string => {
  const data = record(value).Data;
  return typeof data === 'string' ? data : '';
};

/** The message a SendEmail body describes, or why SES would refuse it. */
function messageOf(input: Record<string, unknown>, messageId: string, at: string): CaughtMail | string {
  const destination = record(input.Destination);
  const content = record(input.Content);
  const simple = content.Simple === undefined ? undefined : record(content.Simple);
  const raw = content.Raw === undefined ? undefined : record(content.Raw);
  const messageIdHeader = `<${messageId}@email.amazonses.com>`;
  if (simple !== undefined) {
    if (typeof input.FromEmailAddress !== 'string' || input.FromEmailAddress === '') return 'FromEmailAddress is required with Simple content';
    const to = strings(destination.ToAddresses);
    const cc = strings(destination.CcAddresses);
    if (to.length + cc.length + strings(destination.BccAddresses).length === 0) return 'Destination needs at least one address';
    const replyTo = strings(input.ReplyToAddresses);
    const subject = dataOf(simple.Subject);
    const headers: Record<string, string> = {};
    for (const header of Array.isArray(simple.Headers) ? simple.Headers : []) {
      const { Name, Value } = record(header);
      if (typeof Name === 'string' && typeof Value === 'string') headers[Name.toLowerCase()] = Value;
    }
    Object.assign(headers, {
      from: input.FromEmailAddress,
      to: to.join(', '),
      ...(cc.length > 0 ? { cc: cc.join(', ') } : {}),
      ...(replyTo.length > 0 ? { 'reply-to': replyTo.join(', ') } : {}),
      subject,
      'message-id': messageIdHeader,
    });
    const body = record(simple.Body);
    return { messageId, at, from: input.FromEmailAddress, to, cc, replyTo, subject, headers, text: dataOf(body.Text) || dataOf(body.Html) };
  }
  if (raw !== undefined) {
    // The SDK sends the raw message base64-encoded.
    const parsed = parseMail(Buffer.from(dataOf(raw), 'base64'));
    const headers: Record<string, string> = {};
    for (const header of parsed.headers) headers[header.name.toLowerCase()] = header.value;
    // An address list header as its addresses (split at commas outside angle brackets and quotes).
    const addresses = (value: string | undefined) => (value?.match(/(?:"[^"]*"|[^,])+/g) ?? []).map(addressOf).filter((a) => a !== '');
    const to = strings(destination.ToAddresses).length > 0 ? strings(destination.ToAddresses) : addresses(headers.to);
    if (to.length === 0) return 'the raw message names no recipient';
    headers['message-id'] = messageIdHeader;
    const from = typeof input.FromEmailAddress === 'string' && input.FromEmailAddress !== '' ? input.FromEmailAddress : parsed.from;
    return {
      messageId,
      at,
      from,
      to,
      cc: addresses(headers.cc),
      replyTo: addresses(headers['reply-to']),
      subject: parsed.subject,
      headers,
      text: parsed.text ?? '',
    };
  }
  return 'Content needs Simple or Raw (templates are not emulated locally)';
}

/** `file`: where the caught mail is kept across restarts (the data folder); in memory only without it. */
export function createLocalSes(options: { readonly file?: string } = {}): LocalSes {
  let caught: CaughtMail[] = [];
  if (options.file !== undefined) {
    try {
      caught = JSON.parse(readFileSync(options.file, 'utf8')) as CaughtMail[];
    } catch {
      caught = [];
    }
  }
  const save = () => {
    if (options.file === undefined) return;
    mkdirSync(dirname(options.file), { recursive: true });
    writeFileSync(`${options.file}.tmp`, JSON.stringify(caught));
    renameSync(`${options.file}.tmp`, options.file);
  };

  const handler: RawHandler = async (request, url, body, response) => {
    if (url.pathname !== SEND_PATH) return false;
    if (request.method !== 'POST') {
      sesError(response, 405, 'BadRequestException', `${request.method} ${SEND_PATH} is not an SES operation`);
      return true;
    }
    let input: unknown;
    try {
      input = JSON.parse(body.toString('utf8'));
    } catch {
      sesError(response, 400, 'BadRequestException', 'the request body is not JSON');
      return true;
    }
    const messageId = sesMessageId();
    const message = messageOf(record(input), messageId, new Date().toISOString());
    if (typeof message === 'string') {
      sesError(response, 400, 'BadRequestException', message);
      return true;
    }
    caught.push(message);
    if (caught.length > KEPT) caught = caught.slice(-KEPT);
    save();
    console.log(JSON.stringify({ level: 'info', message: 'local SES: mail caught (GET /local/mail)', messageId }));
    const text = JSON.stringify({ MessageId: messageId });
    response.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) });
    response.end(text);
    return true;
  };

  return {
    handler,
    list: () => caught,
    clear: () => {
      caught = [];
      save();
    },
  };
}
