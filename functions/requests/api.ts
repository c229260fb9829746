/**
 * The requests area's API description: its tags, the operations of its routes and the components
 * they name. Loaded by the OpenAPI build only (scripts/openapi/), never by a handler.
 */
import { defineApi } from '../shared/api/operation.ts';
import { approvalOperations, approvalRequestSchemas, approvalResponseSchemas } from './approval-api.ts';
import { catalogOperations, catalogRequestSchemas, catalogResponseSchemas, catalogSharedSchemas } from './catalog-api.ts';
import { requestEventSchemas, requestOperations, requestPublishedEvents, requestRequestSchemas, requestResponseSchemas } from './request-api.ts';
import { taskOperations, taskRequestSchemas, taskResponseSchemas } from './task-api.ts';

export default defineApi({
  tags: {
    'Service catalog':
      'What can be ordered: catalog items with a form (JSON Schema), who may order them, their approval stages and fulfilment tasks, versioned',
    'Service requests': 'Orders of catalog items: answers checked against the form, approval stages, fulfilment, public and work notes',
    'Fulfilment tasks': 'The work that fulfils a request, queued by assignment group, with SLA clocks',
  },
  sharedSchemas: {
    ...catalogSharedSchemas,
  },
  requestSchemas: {
    ...catalogRequestSchemas,
    ...requestRequestSchemas,
    ...taskRequestSchemas,
    ...approvalRequestSchemas,
  },
  responseSchemas: {
    ...catalogResponseSchemas,
    ...requestResponseSchemas,
    ...taskResponseSchemas,
    ...approvalResponseSchemas,
  },
  operations: {
    ...catalogOperations,
    ...requestOperations,
    ...taskOperations,
    ...approvalOperations,
  },
  publishedEvents: requestPublishedEvents,
  eventSchemas: requestEventSchemas,
});
