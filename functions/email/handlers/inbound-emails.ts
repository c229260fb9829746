import { notFound } from '../../shared/errors.ts';
import { httpHandler } from '../../shared/http/handler.ts';
import { listInboundEmailsQuery } from '../schemas/inbound-email.ts';
import { listInbound } from '../store/mail-store.ts';

/**
 * GET /inbound-emails: what arrived by e-mail and what became of it, newest first; one Query per
 * page. Admins only: it names senders' addresses and subjects; to everyone else it does not exist.
 */
export const handler = httpHandler(async (request) => {
  if (!request.principal.isAdmin) throw notFound('Inbound e-mail');
  const { limit, cursor, outcome } = request.query(listInboundEmailsQuery);
  return { status: 200, body: await listInbound(outcome === undefined ? {} : { outcome }, limit, cursor) };
});
