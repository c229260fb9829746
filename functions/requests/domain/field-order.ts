/*
 * The documented order of a request's fields, as a plain list: the store and the presenters read
 * requests through it without loading the API schemas (zod), so that functions which only read or
 * write requests (e-mail) bundle no zod. test/unit/field-order.test.ts checks it against
 * schemas/request.ts, which stays the one description of the fields.
 */

export const REQUEST_FIELD_ORDER: readonly string[] = [
  'id',
  'number',
  'item',
  'plan',
  'answers',
  'requester',
  'manager',
  'source',
  'status',
  'stages',
  'currentStage',
  'tasks',
  'workflow',
  'rejection',
  'cancellation',
  'createdAt',
  'updatedAt',
  'approvedAt',
  'fulfilledAt',
  'closedAt',
  'version',
];

/** A fulfilment task's fields, in the order the API shows them. */
export const TASK_FIELD_ORDER = [
  'id',
  'number',
  'requestId',
  'requestNumber',
  'order',
  'name',
  'description',
  'assignmentGroup',
  'assignee',
  'status',
  'sla',
  'closeNotes',
  'createdAt',
  'updatedAt',
  'openedAt',
  'closedAt',
  'version',
] as const;
