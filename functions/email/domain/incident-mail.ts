import type { OutgoingMail } from './outgoing.ts';

/**
 * The acknowledgement of an incident opened by e-mail (pure): its sender learns the number, and
 * has a message to reply to (its Message-ID threads the reply; the number in the subject does too,
 * should a client drop In-Reply-To). Requests are told by their `Request Submitted` event instead
 * (sendEmail); incidents have no such mail, so the receiver sends this one itself.
 */
export function incidentReceivedMail(input: {
  /** The sender (user id). */
  readonly to: string;
  readonly displayName?: string;
  readonly number: string;
  /** The incident's title: the mail's subject, cleaned. */
  readonly title: string;
}): OutgoingMail {
  const { number } = input;
  return {
    to: input.to,
    subject: `[${number}] Received: ${input.title}`,
    text:
      `Hello ${input.displayName ?? input.to},\n\n` +
      `your e-mail opened incident ${number}: ${input.title}\n` +
      'The service desk will look into it; you will hear from them.' +
      `\n\nReply to this e-mail to add a note to ${number}; keep ${number} in the subject.`,
  };
}
