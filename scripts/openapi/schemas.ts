/**
 * The zod schemas the API description is made of, each under the name it gets in
 * `components/schemas`. Request schemas are converted as zod *input* (what a client may send:
 * defaults make fields optional, coerced query values), response schemas as zod *output* (what the
 * API answers). Schemas that exist only to describe an answer (list pages, the matrix with its
 * version, API Gateway's own error body) are defined here, from the functions' schemas.
 */
import * as z from 'zod';
import {
  createGroupBody,
  createServiceBody,
  groupSchema,
  putUserBody,
  replaceGroupBody,
  replaceServiceBody,
  serviceSchema,
  userSchema,
} from '../../functions/directory/schemas/directory.ts';
import {
  addNoteBody,
  createIncidentBody,
  historyRecordSchema,
  incidentSchema,
  noteSchema,
  priorityMatrixBody,
  updateIncidentBody,
} from '../../functions/incidents/schemas/incident.ts';
import { isoTimestamp, listEnvelope, problemSchema, slug, userId } from '../../functions/shared/schemas/common.ts';

const fieldError = problemSchema.shape.errors.unwrap().element.shape;

/**
 * The problem schema with its members described (here rather than in common.ts, whose schemas are
 * bundled into every function), and the members some types add (see functions/shared/errors.ts).
 */
export const problem = problemSchema
  .extend({
    type: problemSchema.shape.type.describe('`tag:open-itsm,2026:problem/<slug>`; the slugs are listed with each response'),
    title: problemSchema.shape.title.describe('Short, the same for every occurrence of the type'),
    status: problemSchema.shape.status.describe('The HTTP status code'),
    detail: problemSchema.shape.detail.describe('What went wrong this time, for people'),
    instance: problemSchema.shape.instance.describe('The request path'),
    errors: z
      .array(
        z.object({
          location: fieldError.location.describe('Where the field lives: body, query, path or header'),
          path: fieldError.path.describe('Dotted path, e.g. `members.2`; empty for the whole part'),
          pointer: fieldError.pointer.describe('RFC 6901 JSON pointer into that part, e.g. `#/members/2`'),
          message: fieldError.message,
        }),
      )
      .optional()
      .describe('One entry per offending field (validation-error, forbidden-field, invalid-cursor)'),
    currentEtag: z.string().optional().describe('precondition-failed: the ETag the resource has now, when known'),
    from: z.string().optional().describe('invalid-transition: the status the incident is in'),
    to: z.string().optional().describe('invalid-transition: the status asked for'),
    allowedTransitions: z.array(z.string()).optional().describe('invalid-transition: the statuses it may move to'),
    requestId: z.string().optional().describe('internal-error: quote it when reporting the failure'),
  })
  .loose()
  .describe('RFC 9457 problem details; further members may be added to any type');

/** What API Gateway itself answers when a request never reaches a function (401, 413, 429, ...). */
export const gatewayError = z
  .object({ message: z.string().describe('e.g. `Unauthorized`, `Too Many Requests`') })
  .describe("API Gateway's own error body (not problem+json)");

export const priorityMatrixConfig = priorityMatrixBody
  .extend({ version: z.number().int().describe('Also sent as the ETag; 0 until the matrix is first changed') })
  .describe('The matrix in force and its version');

export const health = z.object({ status: z.literal('ok') });

/** The answer of GET /openapi.json: this document (described loosely, not by itself). */
export const openApiDocument = z
  .looseObject({ openapi: z.string(), info: z.looseObject({ title: z.string(), version: z.string() }), paths: z.looseObject({}) })
  .describe('An OpenAPI 3.1 document');

/** Parts of requests and responses alike: converted both ways, which must agree. */
export const SHARED_SCHEMAS = {
  PriorityMatrixRow: priorityMatrixBody.shape.matrix.shape['1'],
} as const satisfies Record<string, z.ZodType>;

/** Request bodies: converted with `io: 'input'`. */
export const REQUEST_SCHEMAS = {
  CreateIncident: createIncidentBody,
  UpdateIncident: updateIncidentBody,
  AddNote: addNoteBody,
  PriorityMatrix: priorityMatrixBody,
  CreateGroup: createGroupBody,
  ReplaceGroup: replaceGroupBody,
  CreateService: createServiceBody,
  ReplaceService: replaceServiceBody,
  PutUser: putUserBody,
} as const satisfies Record<string, z.ZodType>;

/** Response bodies: converted with `io: 'output'`. */
export const RESPONSE_SCHEMAS = {
  Incident: incidentSchema,
  IncidentPage: listEnvelope(incidentSchema),
  Note: noteSchema,
  NotePage: listEnvelope(noteSchema),
  HistoryRecord: historyRecordSchema,
  HistoryPage: listEnvelope(historyRecordSchema),
  Group: groupSchema,
  GroupPage: listEnvelope(groupSchema),
  Service: serviceSchema,
  ServicePage: listEnvelope(serviceSchema),
  User: userSchema,
  UserPage: listEnvelope(userSchema),
  PriorityMatrixConfig: priorityMatrixConfig,
  Health: health,
  OpenApiDocument: openApiDocument,
  Problem: problem,
  GatewayError: gatewayError,
  Timestamp: isoTimestamp,
} as const satisfies Record<string, z.ZodType>;

/** Path parameters by name, as they appear in the route table's paths. */
export const PATH_PARAMETERS: Record<string, { schema: z.ZodType; description: string }> = {
  id: {
    schema: z.string().min(1),
    description: 'The incident id (a ULID) or its number (INC0001001); anything else is 404',
  },
  name: { schema: slug, description: 'The name (a lowercase slug) the record was created with' },
  userId: { schema: userId, description: 'The user id: the token subject (`sub`) of the identity provider' },
};
