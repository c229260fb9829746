/**
 * What becomes of a received e-mail, decided from its envelope and headers alone (pure: the
 * sender's directory record, the rate window and the tickets are looked up by the handler).
 * The rules are the contract's: mail that a person did not write to the service desk (bounces,
 * auto-replies, our own notifications coming back, a loop between two robots) is recorded and
 * dropped, never ticketed.
 */

/** A header as SES and the parser give it: its name as written, its value unfolded. */
export interface MailHeader {
  readonly name: string;
  readonly value: string;
}

export const DROP_REASONS = ['spam', 'bounce', 'unauthenticated', 'loop', 'auto-reply', 'unknown-sender', 'unknown-ticket'] as const;
export type DropReason = (typeof DROP_REASONS)[number];

/** Everything an inbound record may say became of the message. */
export const INBOUND_OUTCOMES = ['opened-request', 'opened-incident', 'noted', 'refused', ...DROP_REASONS] as const;
export type InboundOutcome = (typeof INBOUND_OUTCOMES)[number];

/** The header `X-ITSM-Loop` our own mail carries: mail that has it came from us. */
export const LOOP_HEADER = 'X-ITSM-Loop';
export const LOOP_HEADER_VALUE = 'open-itsm';
/** More mail than this from one address within an hour is a loop with some robot. */
export const MAX_MESSAGES_PER_SENDER_HOUR = 20;

export interface Envelope {
  /** The return path (SMTP MAIL FROM); empty for a bounce. */
  readonly returnPath: string;
  /** The From header's address (what the sender is known by). */
  readonly from: string;
  /** SES's verdicts; anything but FAIL lets the message through. */
  readonly spamVerdict?: string;
  readonly virusVerdict?: string;
  /** SES's sender authentication verdicts (PASS, FAIL, GRAY, PROCESSING_FAILED): see `authenticated`. */
  readonly spfVerdict?: string;
  readonly dkimVerdict?: string;
  readonly dmarcVerdict?: string;
}

const header = (headers: readonly MailHeader[], name: string): string | undefined =>
  headers.find((h) => h.name.toLowerCase() === name.toLowerCase())?.value.trim();

const localPart = (address: string) => address.toLowerCase().split('@')[0] ?? '';

/** The address inside `Name <address>`, or the text itself, lower-cased. */
export function bareAddress(value: string): string {
  const angle = /<([^>]*)>/.exec(value);
  return (angle === null ? value : (angle[1] as string)).trim().toLowerCase();
}

const domainOf = (address: string) => bareAddress(address).split('@').at(-1) ?? '';

/**
 * Whether the From address is the sender's own, so that the message may act as its user: anyone
 * can write any From header, and a message acts as the user whose address it names. The domain
 * of the From address must have vouched for it: DMARC PASS (SPF or DKIM passed for a domain aligned
 * with the From domain), or else SPF PASS for an envelope sender (return path) whose domain is the
 * From domain itself (alignment checked here, since SES's SPF verdict is about the return path).
 * DKIM PASS alone is not enough: SES's verdict does not say which domain signed, and any domain
 * can sign its own mail with a forged From. GRAY (no policy published) and PROCESSING_FAILED are
 * not PASS.
 */
export function authenticated(envelope: Envelope): boolean {
  if (envelope.dmarcVerdict === 'PASS') return true;
  const fromDomain = domainOf(envelope.from);
  return envelope.spfVerdict === 'PASS' && fromDomain !== '' && domainOf(envelope.returnPath) === fromDomain;
}

/**
 * Why the message must be dropped, checked in this order: spam or virus, bounce, a From address
 * its domain did not vouch for (`unauthenticated`), loop (our own mail), auto-reply; or `ok`.
 * `ourAddress` is what the product sends from (MAIL_FROM).
 */
export function classify(headers: readonly MailHeader[], envelope: Envelope, ourAddress: string | undefined): DropReason | 'ok' {
  if (envelope.spamVerdict === 'FAIL' || envelope.virusVerdict === 'FAIL') return 'spam';
  const returnPath = bareAddress(envelope.returnPath);
  const contentType = header(headers, 'content-type')?.toLowerCase() ?? '';
  if (
    returnPath === '' ||
    ['mailer-daemon', 'postmaster'].includes(localPart(returnPath)) ||
    ['mailer-daemon', 'postmaster'].includes(localPart(envelope.from))
  ) {
    return 'bounce';
  }
  if (/^multipart\/report\b/.test(contentType)) return 'bounce';
  if (!authenticated(envelope)) return 'unauthenticated';
  if (header(headers, LOOP_HEADER) !== undefined) return 'loop';
  if (ourAddress !== undefined && ourAddress !== '' && bareAddress(envelope.from) === bareAddress(ourAddress)) return 'loop';
  const autoSubmitted = header(headers, 'auto-submitted')?.toLowerCase();
  if (autoSubmitted !== undefined && autoSubmitted.split(';')[0]?.trim() !== 'no') return 'auto-reply';
  const precedence = header(headers, 'precedence')?.toLowerCase();
  if (precedence !== undefined && ['bulk', 'junk', 'list', 'auto_reply'].includes(precedence)) return 'auto-reply';
  if (header(headers, 'x-autoreply') !== undefined || header(headers, 'x-autorespond') !== undefined) return 'auto-reply';
  return 'ok';
}

/** True once a sender has written more than the hourly allowance (count includes this message). */
export const overSenderRate = (messagesThisHour: number): boolean => messagesThisHour > MAX_MESSAGES_PER_SENDER_HOUR;

/** The rate window a message falls in: its hour, `2026-12-07T04`. */
export const senderWindow = (receivedAt: Date): string => receivedAt.toISOString().slice(0, 13);

export type TicketKind = 'request' | 'incident';

/** Mail to incident@ or incidents@ (any domain) opens an incident; anything else a request. */
export function kindForRecipients(recipients: readonly string[]): TicketKind {
  return recipients.some((r) => ['incident', 'incidents'].includes(localPart(bareAddress(r)))) ? 'incident' : 'request';
}

export interface ThreadCandidates {
  /** Our SES message ids (the part before `@`) from In-Reply-To, then References, newest first. */
  readonly messageIds: string[];
  /** The first ticket number named in the subject, if any. */
  readonly number?: { kind: TicketKind; number: string };
}

/**
 * What a message may be a reply to: the message ids it answers (In-Reply-To, then References from
 * the last, the most recent, backwards) and the ticket number in its subject. Never a guess from
 * the wording: without either it is new mail.
 */
export function threadCandidates(headers: readonly MailHeader[], subject: string): ThreadCandidates {
  const ids = (value: string | undefined) => [...(value ?? '').matchAll(/<([^<>@\s]+)@[^<>\s]*>/g)].map((m) => m[1] as string);
  const messageIds = [...ids(header(headers, 'in-reply-to')), ...ids(header(headers, 'references')).reverse()];
  const unique = [...new Set(messageIds)];
  const match = /\b(REQ|INC)(\d{7})\b/i.exec(subject);
  if (match === null) return { messageIds: unique };
  const prefix = (match[1] as string).toUpperCase();
  return { messageIds: unique, number: { kind: prefix === 'INC' ? 'incident' : 'request', number: `${prefix}${match[2]}` } };
}

/** The subject without reply and forward markers (`Re:`, `Fwd:`, `AW:`), for a new ticket's summary. */
export function cleanSubject(subject: string): string {
  return subject.replace(/^\s*((re|fwd?|aw|wg|sv|antw)\s*(\[\d+\])?\s*:\s*)+/i, '').trim();
}
