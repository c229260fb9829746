/**
 * The e-mail area's items in the single table (docs/data-model.md): what arrived and what became
 * of it, what was sent (so replies find their ticket), the send claims that keep a redelivered
 * event from mailing twice, and the per-sender windows of the loop guard.
 */

/** A received message, by SES's message id; listed newest first on gsi1. */
export const inboundKey = (messageId: string) => ({ pk: `EMAIL#IN#${messageId}`, sk: 'EMAIL' });
export const INBOUND_LIST = 'EMAIL#IN';
export const inboundIndexes = (record: { id: string; receivedAt: string }) => ({ gsi1pk: INBOUND_LIST, gsi1sk: `${record.receivedAt}#${record.id}` });

/** A message we sent, by SES's MessageId (the part of its Message-ID before `@`): which ticket it was about. */
export const outboundKey = (messageId: string) => ({ pk: `EMAIL#OUT#${messageId}`, sk: 'EMAIL' });

/** One event's mail to one recipient, claimed before it is sent. */
export const sendClaimKey = (eventId: string, recipient: string) => ({ pk: `EMAIL#SENT#${eventId}`, sk: recipient });

/** How many messages one sender address sent within an hour (`2026-12-07T04`). */
export const senderWindowKey = (address: string, hour: string) => ({ pk: `EMAIL#SENDER#${address.toLowerCase()}`, sk: `WINDOW#${hour}` });
