import { notFound } from '../../shared/errors.ts';
import { httpHandler } from '../../shared/http/handler.ts';

// Placeholder of the skeleton (issue 16): the slice that builds this route replaces it.
export const handler = httpHandler(async () => {
  throw notFound('This route');
});
