/**
 * E-mail in and out (issue 15): requesters open a request or an incident by writing to the
 * service desk, and add public notes by replying; requesters and approvers are told by e-mail what
 * happened to their requests. In AWS, SES receives (a receipt rule stores the message in S3 and
 * invokes receiveEmail) and sends; locally, an SMTP listener and a mail catcher stand in (local/smtp.ts,
 * local/ses.ts). As the registry (functions/areas.ts) assembles it; its API description is ./api.ts.
 *
 * A reaction: it opens and annotates incidents and requests through their exported operations,
 * and neither of them knows it exists.
 */
import { defineArea, jwtRoute } from '../shared/area.ts';
import { REQUEST_MAIL_EVENT_TYPES } from './domain/outgoing.ts';

export default defineArea({
  name: 'email',
  stack: 'ItsmRequests',
  functions: {
    receiveEmail: {
      entry: 'functions/email/handlers/receive-email.ts',
      description:
        'Reads a received e-mail (stored by SES in S3) and opens a request or incident, or adds a reply as a public note; drops and records the rest',
      tableAccess: 'readWrite',
      timeoutSeconds: 30,
      // sendEmail: the "Received" acknowledgement of an incident opened by mail (SendEmail on the sending identity only).
      capabilities: ['readInboundEmail', 'startRequestFulfilment', 'sendEmail'],
    },
    sendEmail: {
      entry: 'functions/email/handlers/send-email.ts',
      description: 'Sends requesters and approvers the e-mail their requests call for (received, please decide, approved, fulfilled), through SES',
      tableAccess: 'readWrite',
      timeoutSeconds: 30,
      capabilities: ['sendEmail'],
    },
    inboundEmails: {
      entry: 'functions/email/handlers/inbound-emails.ts',
      description: 'GET /inbound-emails: what e-mail arrived and what became of it (admins)',
      tableAccess: 'read',
    },
  },
  routes: [jwtRoute('GET', '/inbound-emails', 'inboundEmails')],
  consumers: [
    {
      functionId: 'receiveEmail',
      source: { kind: 'emailReceipt', replay: { group: 'email', what: 'received e-mail receiveEmail failed to process after its retries' } },
    },
    {
      functionId: 'sendEmail',
      source: {
        kind: 'ingestionBusRule',
        ruleId: 'RequestEmail',
        description: 'Request events that call for an e-mail to the requester or the approvers',
        pattern: {
          source: ['open-itsm'],
          'detail-type': [...REQUEST_MAIL_EVENT_TYPES],
        },
        maxConcurrency: 2,
        replay: { group: 'email', what: 'request events whose e-mail could not be sent' },
      },
    },
  ],
  api: () => import('./api.ts'),
});
