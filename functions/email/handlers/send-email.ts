import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { getUsers } from '../../directory/store/users.ts';
import { findRequest } from '../../requests/reads.ts';
import { log } from '../../shared/log.ts';
import { isRequestMailEvent, requestMails } from '../domain/outgoing.ts';
import { sendingOn, sendMail } from '../ses-mail.ts';
import { recordOutbound } from '../store/mail-store.ts';
import { claimSend, releaseSend } from '../store/send-claims.ts';

/*
 * The RequestEmail bus rule's queue: request events that call for mail (received, please decide,
 * approved, rejected, fulfilled). Each event's mail goes once to each recipient (a claim per event
 * id and recipient, released if the send fails), through SES; each message sent is remembered by
 * its MessageId, so a reply to it (In-Reply-To) finds its request. Without MAIL_FROM (no
 * emailDomain configured) sending is off: the batch is acknowledged and one line says so.
 * Recipients are logged by user id, never by address.
 */

interface BusEvent {
  id: string;
  'detail-type': string;
  detail: { request?: { id?: string }; stage?: { approvers?: string[] } };
}

async function mailFor(message: SQSRecord): Promise<void> {
  const event = JSON.parse(message.body) as BusEvent;
  const type = event['detail-type'];
  const requestId = event.detail.request?.id;
  if (!isRequestMailEvent(type) || requestId === undefined) return;
  const request = await findRequest(requestId);
  if (request === undefined) {
    log.warn('request of an e-mail event not found; nothing sent', { eventId: event.id, requestId });
    return;
  }
  const approvers = event.detail.stage?.approvers ?? [];
  const userIds = [...new Set([request.requester, ...approvers])];
  const users = await getUsers(userIds);
  const byId = new Map(userIds.map((id, i) => [id, users[i]]));
  const names = Object.fromEntries([...byId].flatMap(([id, user]) => (user === undefined ? [] : [[id, user.displayName]])));
  const now = new Date();
  for (const mail of requestMails({ type, request, approvers, names })) {
    const user = byId.get(mail.to);
    if (user?.email === undefined || !user.active) {
      log.warn('recipient has no e-mail address or is inactive; not sent', { eventId: event.id, requestId, userId: mail.to });
      continue;
    }
    if (!(await claimSend(event.id, mail.to, now))) continue;
    let messageId: string | undefined;
    try {
      messageId = await sendMail(mail, user.email);
    } catch (error) {
      await releaseSend(event.id, mail.to);
      throw error;
    }
    // Refused for good: the claim stays, so a redelivery does not try again.
    if (messageId === undefined) continue;
    await recordOutbound({ messageId, ticket: { kind: 'request', id: request.id, number: request.number }, to: mail.to, eventType: type, at: now });
    log.info('e-mail sent', { eventId: event.id, eventType: type, requestId, userId: mail.to, messageId });
  }
}

export const handler = async (event: SQSEvent): Promise<SQSBatchResponse> => {
  if (!sendingOn()) {
    log.info('sending e-mail is off (no MAIL_FROM: emailDomain is not configured); events acknowledged unsent', { messages: event.Records.length });
    return { batchItemFailures: [] };
  }
  const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
  for (const message of event.Records) {
    try {
      await mailFor(message);
    } catch (error) {
      log.error('e-mail not sent; the event is retried', { messageId: message.messageId, error: String(error) });
      batchItemFailures.push({ itemIdentifier: message.messageId });
    }
  }
  return { batchItemFailures };
};
