/**
 * The platform area's API description: its tag, its two public operations and their components.
 * Loaded by the OpenAPI build only (scripts/openapi/), never by a handler.
 */
import * as z from 'zod';
import { defineApi } from '../shared/api/operation.ts';

const health = z.object({ status: z.literal('ok') });

/** The answer of GET /openapi.json: this document (described loosely, not by itself). */
const openApiDocument = z
  .looseObject({ openapi: z.string(), info: z.looseObject({ title: z.string(), version: z.string() }), paths: z.looseObject({}) })
  .describe('An OpenAPI 3.1 document');

export default defineApi({
  tags: {
    Platform: 'Health and this description (public)',
  },
  responseSchemas: {
    Health: health,
    OpenApiDocument: openApiDocument,
  },
  operations: {
    'GET /health': {
      operationId: 'getHealth',
      summary: 'Check health',
      tag: 'Platform',
      audience: 'public',
      description: 'Healthy means the function runs and its table answers a key read; nothing about the data is revealed.',
      responses: { 200: { description: 'Healthy', schema: 'Health', headers: ['Cache-Control'] } },
      errorTypes: ['unavailable'],
      notes: { 503: 'The table did not answer: down, not a bug. Not cached.' },
    },
    'GET /openapi.json': {
      operationId: 'getOpenApiDocument',
      summary: 'Get this API description',
      tag: 'Platform',
      audience: 'public',
      description:
        "This OpenAPI 3.1 document, generated from the zod schemas the functions validate with. Sent gzip-compressed (`Content-Encoding: gzip`, `Vary: Accept-Encoding`) when the request's `Accept-Encoding` takes gzip (browsers and most HTTP libraries send it), as plain JSON otherwise (`curl` without `--compressed`).",
      responses: { 200: { description: 'The document', schema: 'OpenApiDocument', headers: ['Cache-Control'] } },
    },
  },
});
