/**
 * The e-mail area's API description. Loaded by the OpenAPI build only (scripts/openapi/), never by a handler.
 */
import { defineApi, PAGE_NOTE } from '../shared/api/operation.ts';
import { listEnvelope } from '../shared/schemas/common.ts';
import { MAX_MESSAGES_PER_SENDER_HOUR } from './domain/inbound.ts';
import { inboundEmailSchema, listInboundEmailsQuery } from './schemas/inbound-email.ts';

export default defineApi({
  tags: {
    'E-mail':
      'Requests and incidents opened by e-mail, replies threaded into them as public notes, and what was dropped (unknown senders, auto-replies, bounces, loops)',
  },
  responseSchemas: {
    InboundEmail: inboundEmailSchema,
    InboundEmailPage: listEnvelope(inboundEmailSchema),
  },
  operations: {
    'GET /inbound-emails': {
      operationId: 'listInboundEmails',
      summary: 'List received e-mail and what became of it',
      tag: 'E-mail',
      audience: 'admin',
      description: [
        "Every message SES received for the service desk (locally: the SMTP listener), newest first, with its outcome. Mail from a known, active user opens a request of the request configuration's `emailDefaultItem` (to `incident@` or `incidents@`: an incident), or, when it answers one of our messages (In-Reply-To or References) or names a ticket number (REQ or INC + 7 digits) in its subject, adds a public note to that ticket by the sender. A number that is not found, or whose ticket is not the sender's, is `unknown-ticket`: never a new ticket.",
        `Dropped and recorded: an unknown or inactive sender (\`unknown-sender\`); \`Auto-Submitted\` other than \`no\`, \`Precedence: bulk|junk|list|auto_reply\`, \`X-Autoreply\` or \`X-Autorespond\` (\`auto-reply\`); an empty return path, MAILER-DAEMON or postmaster, or a \`multipart/report\` (\`bounce\`); our own \`X-ITSM-Loop\` header, mail from our own address, or more than ${MAX_MESSAGES_PER_SENDER_HOUR} messages from one sender in an hour (\`loop\`); SES's spam or virus verdict FAIL (\`spam\`).`,
        'A message is recorded once by its id: a redelivery is not processed again.',
        PAGE_NOTE,
        'Others than admins get 404.',
      ].join('\n\n'),
      query: listInboundEmailsQuery,
      responses: { 200: { description: 'One page of received messages', schema: 'InboundEmailPage' } },
      errorTypes: ['not-found'],
    },
  },
});
