/**
 * The CMDB's API description: its tags, one operation per route of ./area.ts, the components they
 * name and the JSON Schema of its event detail. Loaded by the OpenAPI build only (scripts/openapi/),
 * never by a handler.
 */
import { defineApi } from '../shared/api/operation.ts';

export default defineApi({
  tags: {
    'Configuration items':
      "The CMDB (agents read, admins write): configuration items of every class (the directory's services are the CIs of class `service`), their typed relationships, and the impact of one CI on the others",
  },
  operations: {},
});
