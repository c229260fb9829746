import { notFound } from '../../shared/errors.ts';
import { httpHandler } from '../../shared/http/handler.ts';
import { listKnownErrorsQuery } from '../schemas/known-error.ts';
import { listKnownErrors } from '../store/known-error-store.ts';

/**
 * GET /known-errors: one Query per page of the projection's partition for the filter (every known
 * error without one). Agents only: workarounds are the service desk's notes and may name
 * internals. Known errors are problems, and to requesters problem management does not exist: 404,
 * as on every /problems route.
 */
export const handler = httpHandler(async (request) => {
  if (!request.principal.isAgent) throw notFound('Known errors');
  const { limit, cursor, ci, ...filters } = request.query(listKnownErrorsQuery);
  return { status: 200, body: await listKnownErrors({ ...filters, ...(ci === undefined ? {} : { configurationItems: [ci] }) }, limit, cursor) };
});
