/**
 * The e-mail area's API description. Loaded by the OpenAPI build only (scripts/openapi/), never by a handler.
 */
import { defineApi } from '../shared/api/operation.ts';

export default defineApi({
  tags: {
    'E-mail':
      'Requests and incidents opened by e-mail, replies threaded into them as public notes, and what was dropped (unknown senders, auto-replies, bounces, loops)',
  },
  responseSchemas: {},
  operations: {},
});
