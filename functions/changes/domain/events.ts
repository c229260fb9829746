/*
 * The change request area's event vocabulary: every detail-type a change request's outbox record
 * may carry, and the decisions an approval event may name. It lives with the change requests
 * because they own these events; the publisher, the schemas and the notification filters read it
 * from here.
 */

export const CHANGE_EVENT_TYPES = [
  'Change Created',
  'Change Updated',
  'Change Submitted',
  'Change Approval Requested',
  'Change Approval Reminder',
  'Change Approval Escalated',
  'Change Vote Recorded',
  'Change Scheduled',
  'Change Rejected',
  'Change Expired',
  'Change Start Blocked',
  'Change Start Overridden',
  'Change Implementation Started',
  'Change Implemented',
  'Change Closed',
  'Change Canceled',
  'Change Note Added',
] as const;
export type ChangeEventType = (typeof CHANGE_EVENT_TYPES)[number];

export const APPROVAL_DECISIONS = ['approved', 'rejected', 'expired'] as const;
export const VOTE_DECISIONS = ['approve', 'reject'] as const;

/** The events that are about an approval round, and so must say which one. */
export const APPROVAL_EVENT_TYPES: readonly ChangeEventType[] = [
  'Change Approval Requested',
  'Change Approval Reminder',
  'Change Approval Escalated',
  'Change Vote Recorded',
  'Change Expired',
];
