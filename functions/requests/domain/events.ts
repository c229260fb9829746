/*
 * What the product tells the world about service requests, their approvals, fulfilment tasks and
 * the catalog, through the transactional outbox (shared/domain/outbox.ts) as change requests do.
 * No free text leaves: no answers, note bodies or vote comments; the mail sender (functions/email)
 * reads the request for those.
 */

export const REQUEST_EVENT_TYPES = [
  'Request Submitted',
  'Request Updated',
  'Request Approval Requested',
  'Request Approval Reminder',
  'Request Vote Recorded',
  'Request Approved',
  'Request Rejected',
  'Request Expired',
  'Request Canceled',
  'Request In Fulfilment',
  'Request Fulfilled',
  'Request Closed Incomplete',
  'Request Closed',
  'Request Note Added',
  'Task Created',
  'Task Updated',
  'Task Closed',
  'Catalog Item Created',
  'Catalog Item Updated',
  'Catalog Item Deleted',
] as const;
export type RequestEventType = (typeof REQUEST_EVENT_TYPES)[number];
