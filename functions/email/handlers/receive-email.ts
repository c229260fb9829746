import type { SESEvent, SESEventRecord } from 'aws-lambda';
import { findUserByEmail } from '../../directory/store/users.ts';
import { addIncidentNoteFromEmail, openIncidentFromEmail } from '../../incidents/operations.ts';
import { addRequestNote, type RequestPrincipal, submitRequest } from '../../requests/operations.ts';
import { findRequest, getRequestConfig } from '../../requests/reads.ts';
import { getObject } from '../../shared/aws/s3.ts';
import { optionalEnv, requireEnv } from '../../shared/env.ts';
import { HttpError } from '../../shared/errors.ts';
import { log } from '../../shared/log.ts';
import { type IdempotencyClaim, serverIdempotencyClaim } from '../../shared/store/idempotency.ts';
import { bodyText, withoutQuotedReply } from '../domain/body.ts';
import {
  bareAddress,
  classify,
  cleanSubject,
  type InboundOutcome,
  kindForRecipients,
  type MailHeader,
  overSenderRate,
  senderWindow,
  threadCandidates,
} from '../domain/inbound.ts';
import { incidentReceivedMail } from '../domain/incident-mail.ts';
import { parseMail } from '../domain/mime.ts';
import { sendingOn, sendMail } from '../ses-mail.ts';
import { countSenderMessage, findOutbound, recordInbound, recordOutbound, recordOutcome, type TicketReference } from '../store/mail-store.ts';
import { claimSend, releaseSend } from '../store/send-claims.ts';

/*
 * SES's receipt rule stored the message in the inbound bucket and invokes this function
 * asynchronously with its receipt event (envelope, headers, verdicts; not the body). Each message
 * is recorded once by SES's message id, then dropped for a reason, added to the ticket it answers
 * as a public note by its sender, or opened as a new request or incident. What became of it is
 * written on its record (GET /inbound-emails). A failure (DynamoDB, S3) throws: Lambda retries the
 * asynchronous invocation, and the record, still `received`, lets the retry process it. The ticket
 * write itself is idempotent on the message id (`email:<messageId>`, the shared idempotency record
 * in the write's own transaction): a retry after the ticket was written but before the outcome was
 * recorded finds the same ticket or note instead of writing a second one.
 */

const BUCKET = requireEnv('INBOUND_EMAIL_BUCKET');
const PREFIX = optionalEnv('INBOUND_EMAIL_PREFIX', '');
/** Our own sending address (readInboundEmail provides it; empty while e-mail is off): mail from it is a loop. */
const MAIL_FROM = process.env.MAIL_FROM ?? '';

/** The summary a request takes at most, and the text a note or description takes at most. */
const MAX_SUMMARY = 200;
const MAX_TEXT = 20_000;
const clip = (text: string, length: number) => (text.length <= length ? text : `${text.slice(0, length - 1)}…`);

interface Outcome {
  outcome: InboundOutcome;
  ticket?: TicketReference;
  noteId?: string;
  sender?: string;
  detail?: string;
}

/**
 * Tells the sender of mail that opened an incident its number ("Received"), with a message to reply
 * to: once per received message (a send claim keyed on SES's message id), so that a retry after
 * the send sends nothing twice. A failed send releases the claim and throws, before the outcome is
 * recorded: Lambda's retry opens no second incident (the write is idempotent on the message id)
 * and sends the acknowledgement then. Requests need none of this: their `Request Submitted`
 * event brings the requester a "Received" mail through sendEmail.
 */
async function acknowledgeIncident(input: {
  messageId: string;
  sender: { id: string; displayName?: string };
  address: string;
  incident: { id: string; number: string };
  title: string;
}): Promise<void> {
  if (!sendingOn()) return;
  const claim = `received:${input.messageId}`;
  const now = new Date();
  if (!(await claimSend(claim, input.sender.id, now))) return;
  const mail = incidentReceivedMail({ to: input.sender.id, displayName: input.sender.displayName, number: input.incident.number, title: input.title });
  let sentId: string | undefined;
  try {
    sentId = await sendMail(mail, input.address);
  } catch (error) {
    await releaseSend(claim, input.sender.id);
    throw error;
  }
  // Refused for good (e.g. the SES sandbox): the incident stands, the claim stays, nothing is retried.
  if (sentId === undefined) return;
  await recordOutbound({
    messageId: sentId,
    ticket: { kind: 'incident', id: input.incident.id, number: input.incident.number },
    to: input.sender.id,
    eventType: 'Incident Opened By Email',
    at: now,
  });
  log.info('e-mail sent', { eventType: 'Incident Opened By Email', incident: input.incident.number, userId: input.sender.id, messageId: sentId });
}

/** E-mail proves an address, not a role: its sender acts as a requester. */
const asRequester = (userId: string): RequestPrincipal => ({ userId, isAgent: false, isAdmin: false });

async function readMessage(messageId: string): Promise<Uint8Array> {
  return (await getObject({ Bucket: BUCKET, Key: `${PREFIX}${messageId}` })).Body;
}

/** What a 4xx of a ticket write means here: not found is a number that is not the sender's; anything else refused. */
function refusal(error: unknown, ticket?: TicketReference): Outcome | undefined {
  if (!(error instanceof HttpError) || error.status >= 500) return undefined;
  if (error.status === 404 && ticket !== undefined) return { outcome: 'unknown-ticket', detail: `${ticket.number} is not found or not the sender's` };
  return { outcome: 'refused', detail: `${error.status} ${error.slug}: ${error.title}` };
}

/** The ticket a reply answers: one of our messages it names (In-Reply-To, References), else the number in its subject. */
async function threadOf(headers: readonly MailHeader[], subject: string): Promise<TicketReference | { unknownNumber: string } | undefined> {
  const candidates = threadCandidates(headers, subject);
  for (const messageId of candidates.messageIds) {
    const ticket = await findOutbound(messageId);
    if (ticket !== undefined) return ticket;
  }
  const named = candidates.number;
  if (named === undefined) return undefined;
  if (named.kind === 'incident') return { kind: 'incident', id: named.number, number: named.number };
  const request = await findRequest(named.number);
  return request === undefined ? { unknownNumber: named.number } : { kind: 'request', id: request.id, number: request.number };
}

async function receive(record: SESEventRecord): Promise<void> {
  const { mail, receipt } = record.ses;
  const raw = await readMessage(mail.messageId);
  const parsed = parseMail(raw);
  const { headers } = parsed;
  const from = parsed.from || bareAddress(mail.commonHeaders.from?.[0] ?? mail.source);
  const subject = parsed.subject;
  const receivedAt = new Date(mail.timestamp);

  const fresh = await recordInbound({
    id: mail.messageId,
    receivedAt: receivedAt.toISOString(),
    from,
    returnPath: mail.source,
    // Bounded, so that no header makes the record too big to write (SES caps recipients at 50).
    recipients: receipt.recipients.slice(0, 50),
    subject: clip(subject, 1000),
    outcome: 'received',
  });
  if (!fresh) {
    log.info('inbound e-mail already processed; redelivery ignored', { messageId: mail.messageId });
    return;
  }
  const outcome = await decide({ headers, from, subject, receivedAt, record, text: bodyText(parsed) });
  await recordOutcome(mail.messageId, outcome, new Date());
  log.info('inbound e-mail processed', {
    messageId: mail.messageId,
    outcome: outcome.outcome,
    ...(outcome.ticket === undefined ? {} : { ticket: outcome.ticket.number }),
    ...(outcome.sender === undefined ? {} : { sender: outcome.sender }),
  });
}

async function decide(input: {
  headers: MailHeader[];
  from: string;
  subject: string;
  receivedAt: Date;
  record: SESEventRecord;
  text: string;
}): Promise<Outcome> {
  const { mail, receipt } = input.record.ses;
  /** What this message writes, at most once whatever the deliveries: keyed on SES's message id. */
  const once = (operation: string): IdempotencyClaim => serverIdempotencyClaim(`email:${mail.messageId}`, operation);
  const drop = classify(
    input.headers,
    {
      returnPath: mail.source,
      from: input.from,
      spamVerdict: receipt.spamVerdict?.status,
      virusVerdict: receipt.virusVerdict?.status,
      spfVerdict: receipt.spfVerdict?.status,
      dkimVerdict: receipt.dkimVerdict?.status,
      dmarcVerdict: receipt.dmarcVerdict?.status,
    },
    MAIL_FROM,
  );
  if (drop !== 'ok') return { outcome: drop };
  // Counted for every message that looks written by a person: a robot answering our answers in a loop trips it.
  if (overSenderRate(await countSenderMessage(input.from, senderWindow(input.receivedAt), input.receivedAt))) return { outcome: 'loop' };
  const user = await findUserByEmail(input.from);
  if (user === undefined || !user.active) return { outcome: 'unknown-sender' };
  const sender = user.id;

  const thread = await threadOf(input.headers, input.subject);
  if (thread !== undefined && 'unknownNumber' in thread) return { outcome: 'unknown-ticket', sender, detail: `${thread.unknownNumber} is not found` };
  if (thread !== undefined) {
    const text = clip(withoutQuotedReply(input.text), MAX_TEXT) || '(empty reply)';
    try {
      if (thread.kind === 'incident') {
        const added = await addIncidentNoteFromEmail({ incidentIdOrNumber: thread.id, author: sender, text, idempotency: once(`incident-note ${thread.id}`) });
        return { outcome: 'noted', sender, noteId: added.noteId, ticket: { ...thread, id: added.incidentId } };
      }
      const added = await addRequestNote({
        requestIdOrNumber: thread.id,
        author: asRequester(sender),
        text,
        visibility: 'public',
        source: 'email',
        idempotency: (requestId) => once(`request-note ${requestId}`),
      });
      return { outcome: 'noted', sender, noteId: added.noteId, ticket: thread };
    } catch (error) {
      const refused = refusal(error, thread);
      if (refused === undefined) throw error;
      return { ...refused, sender };
    }
  }

  const summary = clip(cleanSubject(input.subject), MAX_SUMMARY) || '(no subject)';
  const details = clip(input.text, MAX_TEXT);
  try {
    if (kindForRecipients(receipt.recipients) === 'incident') {
      const incident = await openIncidentFromEmail({ caller: sender, shortDescription: summary, description: details, idempotency: once('incident') });
      await acknowledgeIncident({
        messageId: mail.messageId,
        sender: { id: sender, ...(user.displayName === undefined ? {} : { displayName: user.displayName }) },
        address: user.email ?? input.from,
        incident,
        title: summary,
      });
      return { outcome: 'opened-incident', sender, ticket: { kind: 'incident', id: incident.id, number: incident.number } };
    }
    const config = await getRequestConfig();
    const request = await submitRequest({
      requester: asRequester(sender),
      itemId: config.emailDefaultItem,
      answers: { summary, details: details === '' ? '(no text)' : details },
      source: 'email',
      idempotency: once(`request ${config.emailDefaultItem}`),
    });
    return { outcome: 'opened-request', sender, ticket: { kind: 'request', id: request.id, number: request.number } };
  } catch (error) {
    const refused = refusal(error);
    if (refused === undefined) throw error;
    return { ...refused, sender };
  }
}

/** Each record is one message (SES sends one per invocation). */
export const handler = async (event: SESEvent): Promise<void> => {
  for (const record of event.Records) await receive(record);
};
