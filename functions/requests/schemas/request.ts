import * as z from 'zod';
import { countParam, cursorParam, limitParam, slug } from '../../shared/schemas/common.ts';
import { REQUEST_STATUSES } from '../domain/request.ts';

/*
 * The wire shapes of service requests that handlers parse: what POST /requests, PATCH, cancel and
 * notes take, and what the list takes as its query. What the API answers is described in
 * ./request-responses.ts, which no handler imports (a module's zod schemas are bundled whole by
 * every handler that imports it).
 */

export const createRequestBody = z
  .strictObject({
    item: slug.describe('The catalog item to order, by id'),
    answers: z
      .record(z.string(), z.unknown())
      .default({})
      .describe("The answers to the item's form, by field name; checked against the form of the item's current version"),
  })
  .meta({ id: 'CreateRequest' });
export type CreateRequestBody = z.output<typeof createRequestBody>;

export const patchRequestBody = z
  .strictObject({
    status: z.literal('closed').describe('Close a fulfilled request: the only change a PATCH makes'),
  })
  .meta({ id: 'PatchRequest' });

export const cancelRequestBody = z
  .strictObject({ reason: z.string().trim().min(1).max(1000).optional().describe('Why; kept on the request, never published') })
  .meta({ id: 'CancelRequest' });

export const NOTE_VISIBILITIES = ['public', 'work'] as const;
export const addRequestNoteBody = z
  .strictObject({
    text: z.string().trim().min(1).max(20_000),
    visibility: z.enum(NOTE_VISIBILITIES).default('public').describe('`work` notes are for agents (a requester may add and see `public` ones only)'),
  })
  .meta({ id: 'AddRequestNote' });

export const requestIdOrMe = z.string().min(1).max(128);

export const listRequestsQuery = z.strictObject({
  status: z.enum(REQUEST_STATUSES).optional(),
  item: slug.optional().describe('A catalog item id'),
  requester: z.string().min(1).max(128).optional().describe('A user id, or `me`; a requester who is not an agent sees only their own anyway'),
  awaitingApprovalBy: z
    .string()
    .min(1)
    .max(128)
    .optional()
    .describe('`me` or a user id: the requests whose pending approval stage asked this person and who has not answered'),
  limit: limitParam,
  cursor: cursorParam.optional(),
  count: countParam,
});
export type ListRequestsQuery = z.output<typeof listRequestsQuery>;

export const requestPageQuery = z.strictObject({ limit: limitParam, cursor: cursorParam.optional() });
