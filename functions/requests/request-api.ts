/**
 * The service requests' part of the requests area's API description (./api.ts spreads it in):
 * POST/GET /requests, GET/PATCH /requests/{id}, cancel, notes and history, and the events of the
 * area. Loaded by the OpenAPI build only.
 */
import * as z from 'zod';
import { firstPageNote, PAGE_NOTE, type PublishedEventDetail } from '../shared/api/operation.ts';
import { countableFilterSets } from '../shared/domain/queue-counts.ts';
import { suggestedArticlesSchema } from '../shared/search/suggested-article-schema.ts';
import { REQUEST_COUNTS } from './counts.ts';
import { REQUEST_EVENT_TYPES } from './domain/events.ts';
import { CANCELABLE_STATUSES, REQUEST_TRANSITIONS } from './domain/lifecycle.ts';
import { catalogItemEventDetail, requestEventDetail, taskEventDetail } from './schemas/events.ts';
import { addRequestNoteBody, cancelRequestBody, createRequestBody, listRequestsQuery, patchRequestBody, requestPageQuery } from './schemas/request.ts';
import {
  requestHistoryPageSchema,
  requestHistoryRecordSchema,
  requestNotePageSchema,
  requestNoteSchema,
  requestPageSchema,
  requestSchema,
} from './schemas/request-responses.ts';

const TAG = 'Service requests';
const pathParameters = {
  id: { schema: z.string().min(1), description: 'The id (a ULID) or the number (REQ0000001) of the request; anything else is 404' },
};
const WHO_SEES =
  'Agents (and admins) see every request. Anyone else sees the requests they made and those an approval stage asked them to decide on; any other request answers 404, as if it did not exist.';
const lifecycle = Object.entries(REQUEST_TRANSITIONS)
  .map(([from, to]) => `- \`${from}\` -> ${to.length === 0 ? 'final' : to.map((s) => `\`${s}\``).join(', ')}`)
  .join('\n');

export const requestRequestSchemas = {
  CreateRequest: createRequestBody,
  PatchRequest: patchRequestBody,
  CancelRequest: cancelRequestBody,
  AddRequestNote: addRequestNoteBody,
} as const;

const createdRequestSchema = requestSchema
  .extend({ suggestedArticles: suggestedArticlesSchema })
  .meta({ id: 'CreatedServiceRequest', description: 'A service request as POST /requests answers it' });

export const requestResponseSchemas = {
  ServiceRequest: requestSchema,
  CreatedServiceRequest: createdRequestSchema,
  ServiceRequestPage: requestPageSchema,
  RequestNote: requestNoteSchema,
  RequestNotePage: requestNotePageSchema,
  RequestHistoryRecord: requestHistoryRecordSchema,
  RequestHistoryPage: requestHistoryPageSchema,
} as const;

export const requestPublishedEvents: PublishedEventDetail[] = [
  { schema: requestEventDetail, record: 'request', attributes: 'a request has no priority, group or service (`-` each).' },
  { schema: taskEventDetail, record: 'task', attributes: 'a task has no priority or service (`-`); `assignmentGroup` is its group.' },
  { schema: catalogItemEventDetail, record: 'catalogItem', attributes: 'a catalog item has no priority, group or service (`-` each).' },
];

export const requestEventSchemas = [
  {
    file: 'docs/schemas/request-event-detail.schema.json',
    schema: requestEventDetail,
    io: 'output' as const,
    description: `The \`detail\` of the service request events the product puts on its event bus, \`source\` \`open-itsm\`: ${REQUEST_EVENT_TYPES.filter((t) =>
      t.startsWith('Request '),
    )
      .map((t) => `\`${t}\``)
      .join(
        ', ',
      )}. Every committed write of a request publishes exactly one event, after the commit (transactional outbox). Delivery is at least once: dedupe on \`eventId\`, order one request's events by \`request.version\`. No free text: no answers, note texts, vote comments or cancel reasons; read them through the API.`,
  },
  {
    file: 'docs/schemas/task-event-detail.schema.json',
    schema: taskEventDetail,
    io: 'output' as const,
    description: `The \`detail\` of the fulfilment task events: ${REQUEST_EVENT_TYPES.filter((t) => t.startsWith('Task '))
      .map((t) => `\`${t}\``)
      .join(', ')}. No description or close notes.`,
  },
  {
    file: 'docs/schemas/catalog-item-event-detail.schema.json',
    schema: catalogItemEventDetail,
    io: 'output' as const,
    description: `The \`detail\` of the service catalog events: ${REQUEST_EVENT_TYPES.filter((t) => t.startsWith('Catalog Item '))
      .map((t) => `\`${t}\``)
      .join(', ')}. No name, description or form.`,
  },
];

export const requestOperations = {
  'POST /requests': {
    operationId: 'createRequest',
    summary: 'Order a catalog item',
    tag: TAG,
    audience: 'requester',
    description: [
      "Anyone signed in orders an active catalog item they may order (`orderableBy.groups`: members of one of them; none: everyone, agents and admins included). The answers are checked against the form of the item's current version: each field that does not fit is a 400 `validation-error` at `answers.<field>`, its message naming the field by the form's own title. An unknown or inactive item is 404, and so is an item only other groups may order (to a requester it does not exist, as `GET /catalog-items/{id}` answers them); an agent, who reads every item, gets 403 for it.",
      "The request is numbered `REQ` + 7 digits, `submitted`, at version 1. It copies the item version's plan (approval stages, fulfilment tasks, SLA policy, the form's fields in order with their titles and choice labels): editing the item later never changes it. When a stage asks the requester's manager, the manager named on the requester's directory user is copied into the request (409 `no-manager` when there is none). The request, its history record and the Request Submitted event commit in one transaction with a check that the item is still the version read (if it changed in between, the order is checked again against the new version; 409 `catalog-item-changed` if it keeps changing).",
      'Then its fulfilment workflow starts (execution named after the number, with the request configuration of this moment): it asks the stages in order (`awaiting_approval`) and, once all approved, or at once for an item without approval, creates the fulfilment tasks (`in_fulfilment`). A retry with the same Idempotency-Key answers the first request (even if the item was withdrawn or changed since: the stored answer comes before any check) and starts nothing twice.',
      "Two DynamoDB round trips (the item, a number, the configuration and the requester's user read together; then the transaction) and the workflow start; an item several groups may order reads them first (one BatchGet more).",
      "The answer carries `suggestedArticles`: the published articles most likely to answer the need (public ones only for a requester; see POST /suggestions), searched for the item's name and category and the text of the answers. The search index is brought up to date (at most one Query of its change log a second) beside the reads, then searched in memory: no round trip added. Never stored, so a replay searches again; `[]` when none match or the index cannot be read (the order never fails on it). Requests opened by e-mail are not searched for.",
    ].join('\n\n'),
    body: { schema: 'CreateRequest' },
    idempotencyKey: true,
    responses: { 201: { description: 'Submitted', schema: 'CreatedServiceRequest', headers: ['Location', 'ETag', 'Idempotent-Replayed'] } },
    errorTypes: ['forbidden', 'not-found', 'no-manager', 'catalog-item-changed'],
  },
  'GET /requests': {
    operationId: 'listRequests',
    summary: 'List service requests',
    tag: TAG,
    audience: 'requester',
    description: [
      "Newest first. One Query of an index: by `requester` (`me` for the caller), else by `item`, else by `status`, else every request; the other filters narrow that index's pages. `awaitingApprovalBy` (`me`, or a user id for agents) lists the requests whose pending stage asked that person and who has not answered: one Query of who was asked, then one BatchGet of the requests.",
      'Agents list every request. Anyone else lists their own (a `requester` other than themselves is 403), or, with `awaitingApprovalBy=me`, those awaiting their decision.',
      `\`count=true\` adds \`total\`, read from counters beside the page's Query (no scan, no extra round trip; counters follow writes within about a second). Counted: ${countableFilterSets(REQUEST_COUNTS)}; a requester's own list counts as \`requester\` (and \`requester + status\`). \`awaitingApprovalBy\` is not counted: a \`validation-error\` on \`count\`, as are other filter sets.`,
      PAGE_NOTE,
      firstPageNote("an agent's list of every request, and of `status` with one value"),
    ].join('\n\n'),
    query: listRequestsQuery,
    queryDescriptions: { status: 'Only requests in this status', item: 'Only requests of this catalog item' },
    responses: { 200: { description: 'One page of requests', schema: 'ServiceRequestPage' } },
    errorTypes: ['forbidden'],
  },
  'GET /requests/{id}': {
    operationId: 'getRequest',
    summary: 'Get a service request',
    tag: TAG,
    audience: 'requester',
    description: [
      `By id or by number. Send the ETag back in If-Match to close it. ${WHO_SEES}`,
      `Status moves:\n\n${lifecycle}`,
      'The API makes the moves to `closed` (PATCH) and `canceled` (POST /requests/{id}/cancel). The fulfilment workflow makes the others: asking a stage (`awaiting_approval`), approving the last stage (`approved`), rejecting or expiring a stage (`rejected`, `rejection.reason`), creating the tasks (`in_fulfilment`); the tasks closing make it `fulfilled` or `closed_incomplete`.',
    ].join('\n\n'),
    responses: { 200: { description: 'The request', schema: 'ServiceRequest', headers: ['ETag', 'Location'] } },
    errorTypes: ['not-found'],
    pathParameters,
  },
  'PATCH /requests/{id}': {
    operationId: 'closeRequest',
    summary: 'Close a fulfilled service request',
    tag: TAG,
    audience: 'requester',
    description: [
      'The only change a PATCH makes: `{"status": "closed"}` on a `fulfilled` request, by its requester or an agent (anything else: 409 `invalid-transition`). Needs the current version in If-Match (428 without, 412 when the request moved).',
      WHO_SEES,
    ].join('\n\n'),
    body: { schema: 'PatchRequest' },
    ifMatch: 'required',
    responses: { 200: { description: 'The request, closed', schema: 'ServiceRequest', headers: ['ETag', 'Location'] } },
    errorTypes: ['forbidden', 'not-found', 'invalid-transition'],
    pathParameters,
  },
  'POST /requests/{id}/cancel': {
    operationId: 'cancelRequest',
    summary: 'Cancel a service request',
    tag: TAG,
    audience: 'requester',
    description: [
      `Its requester or an agent cancels a request in ${CANCELABLE_STATUSES.map((s) => `\`${s}\``).join(', ')} (after that: 409 \`invalid-transition\`, whose \`allowedTransitions\` lists the moves the caller can make through the API: none while in fulfilment, where the detail says its tasks must be closed). The stage being decided is \`withdrawn\` and its approvers are no longer asked; the request, its history and the Request Canceled event commit together, then its workflow is stopped. The body is optional; \`reason\` is kept on the request (\`cancellation\`), never published.`,
      'No If-Match: a request that moved meanwhile (a vote) is read again and the rules applied to it. A retry with the same Idempotency-Key answers the first cancel (not 409: the stored answer comes before the rules).',
    ].join('\n\n'),
    body: { schema: 'CancelRequest', optional: true },
    idempotencyKey: true,
    responses: { 200: { description: 'The request, canceled', schema: 'ServiceRequest', headers: ['ETag', 'Location', 'Idempotent-Replayed'] } },
    errorTypes: ['forbidden', 'not-found', 'invalid-transition'],
    pathParameters,
  },
  'POST /requests/{id}/notes': {
    operationId: 'addRequestNote',
    summary: 'Add a note to a service request',
    tag: TAG,
    audience: 'requester',
    description: [
      'A `public` note (the default) is seen by whoever sees the request; a `work` note only by agents, and only agents write one (403). The note, a `note_added` history record and the Request Note Added event (which note, never its text) commit together; the request and its ETag do not change. A reply by e-mail to a request notification adds a public note the same way.',
      WHO_SEES,
    ].join('\n\n'),
    body: { schema: 'AddRequestNote' },
    idempotencyKey: true,
    responses: { 201: { description: 'The note', schema: 'RequestNote', headers: ['Idempotent-Replayed'] } },
    errorTypes: ['forbidden', 'not-found'],
    pathParameters,
  },
  'GET /requests/{id}/notes': {
    operationId: 'listRequestNotes',
    summary: "List a service request's notes",
    tag: TAG,
    audience: 'requester',
    description: ['Oldest first. Anyone but an agent sees the public notes only.', WHO_SEES, PAGE_NOTE].join('\n\n'),
    query: requestPageQuery,
    responses: { 200: { description: 'One page of notes', schema: 'RequestNotePage' } },
    errorTypes: ['not-found'],
    pathParameters,
  },
  'GET /requests/{id}/history': {
    operationId: 'listRequestHistory',
    summary: "List a service request's history",
    tag: TAG,
    audience: 'requester',
    description: [
      'The audit trail, oldest first: one record per committed write (`version` is the version it produced). Anyone but an agent does not see the records of work notes.',
      WHO_SEES,
      PAGE_NOTE,
    ].join('\n\n'),
    query: requestPageQuery,
    responses: { 200: { description: 'One page of history records', schema: 'RequestHistoryPage' } },
    errorTypes: ['not-found'],
    pathParameters,
  },
} as const;
