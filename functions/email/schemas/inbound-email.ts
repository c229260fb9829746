import * as z from 'zod';
import { cursorParam, isoTimestamp, limitParam } from '../../shared/schemas/common.ts';
import { INBOUND_OUTCOMES } from '../domain/inbound.ts';

export const listInboundEmailsQuery = z
  .strictObject({
    limit: limitParam,
    cursor: cursorParam.optional(),
    outcome: z
      .enum(['received', ...INBOUND_OUTCOMES])
      .optional()
      .describe('Only messages with this outcome (`received`: still being processed, or failed and waiting for a retry)'),
  })
  .meta({ id: 'ListInboundEmailsQuery' });

const ticket = z.object({ kind: z.enum(['request', 'incident']), id: z.string(), number: z.string() });

export const inboundEmailSchema = z
  .object({
    id: z.string().describe("SES's message id: the key of the stored message in the inbound bucket, after its prefix"),
    receivedAt: isoTimestamp,
    from: z.string().describe("The From header's address"),
    returnPath: z.string().describe('The envelope sender (SMTP MAIL FROM); empty for a bounce'),
    recipients: z.array(z.string()),
    subject: z.string(),
    outcome: z
      .enum(['received', ...INBOUND_OUTCOMES])
      .describe(
        'What became of it: `opened-request`, `opened-incident`, `noted` (a reply, added as a public note), `refused` (the ticket write refused it; see detail), or why it was dropped: `unknown-sender`, `unknown-ticket`, `auto-reply`, `bounce`, `loop`, `spam`, `unauthenticated` (the domain of the From address did not vouch for it: neither DMARC PASS nor SPF PASS for a return path in the From domain). `received` while it is processed',
      ),
    ticket: ticket.optional().describe('The ticket it opened or was added to'),
    noteId: z.string().optional(),
    sender: z.string().optional().describe('The user the From address belongs to'),
    detail: z.string().optional(),
    processedAt: isoTimestamp.optional(),
  })
  .meta({ id: 'InboundEmail' });
