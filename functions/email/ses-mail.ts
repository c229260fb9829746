import { sendEmail } from '../shared/aws/sesv2.ts';
import { log } from '../shared/log.ts';
import { OUTGOING_HEADERS, type OutgoingMail } from './domain/outgoing.ts';

/*
 * Sending one plain-text message through SES (SESv2 SendEmail, Simple content) from MAIL_FROM with
 * Reply-To MAIL_REPLY_TO and the headers every message of ours carries (Auto-Submitted, the loop
 * header): the sendEmail capability's variables and grant. Empty MAIL_FROM: sending is off.
 */

const MAIL_FROM = process.env.MAIL_FROM ?? '';
const MAIL_REPLY_TO = process.env.MAIL_REPLY_TO ?? '';

/** False while no emailDomain is configured (MAIL_FROM empty): callers skip sending. */
export const sendingOn = (): boolean => MAIL_FROM !== '';

/**
 * SES refusals a retry cannot change: the recipient is not verified while the account is in the SES
 * sandbox, or refused as an address; the sending identity is not verified. Retrying them would only
 * fill the dead-letter queue (and, for the receiver, send a received message there, its ticket
 * already written): they are logged by name and the mail is given up.
 */
const PERMANENT_REJECTIONS = new Set(['MessageRejected', 'MailFromDomainNotVerifiedException', 'BadRequestException']);

/**
 * Sends the mail to the address; answers SES's MessageId (our Message-ID's local part, which a reply
 * names), or undefined when SES refused it for good (PERMANENT_REJECTIONS). Other failures throw: the
 * caller's retry sends it.
 */
export async function sendMail(mail: Pick<OutgoingMail, 'subject' | 'text'>, address: string): Promise<string | undefined> {
  try {
    return await sendOnce(mail, address);
  } catch (error) {
    if (!PERMANENT_REJECTIONS.has((error as Error).name)) throw error;
    log.warn('SES refused the mail for good; not retried', { error: (error as Error).name });
    return undefined;
  }
}

async function sendOnce(mail: Pick<OutgoingMail, 'subject' | 'text'>, address: string): Promise<string> {
  const result = await sendEmail({
    FromEmailAddress: MAIL_FROM,
    Destination: { ToAddresses: [address] },
    ...(MAIL_REPLY_TO === '' ? {} : { ReplyToAddresses: [MAIL_REPLY_TO] }),
    Content: {
      Simple: {
        Subject: { Data: mail.subject, Charset: 'UTF-8' },
        Body: { Text: { Data: mail.text, Charset: 'UTF-8' } },
        Headers: OUTGOING_HEADERS.map((h) => ({ Name: h.name, Value: h.value })),
      },
    },
  });
  if (result.MessageId === undefined) throw new Error('SES answered no MessageId');
  return result.MessageId;
}
