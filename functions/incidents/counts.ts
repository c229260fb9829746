import type { QueueCountDefinition } from '../shared/domain/queue-counts.ts';

/**
 * The incident counts GET /incidents?count=true answers from (functions/shared/domain/queue-counts.ts):
 * every filter alone, and each of the queues agents watch by status (a group's, an assignee's, a
 * priority's, a service's) and a caller's own incidents by status (a requester's list is always
 * theirs). A status change moves the status counter of each of these: 7 counters down, 7 up.
 */
export const INCIDENT_COUNTS: QueueCountDefinition = {
  kind: 'incidents',
  entity: 'incident',
  allOfKind: 'INCIDENT',
  recordSortKey: 'INCIDENT',
  dimensions: {
    status: 'status',
    priority: 'priority',
    assignmentGroup: 'assignmentGroup',
    assignee: 'assignee',
    service: 'service',
    caller: 'caller',
  },
  combinations: [
    [],
    ['status'],
    ['priority'],
    ['assignmentGroup'],
    ['assignee'],
    ['service'],
    ['caller'],
    ['assignmentGroup', 'status'],
    ['assignee', 'status'],
    ['priority', 'status'],
    ['service', 'status'],
    ['caller', 'status'],
    ['assignmentGroup', 'priority', 'status'],
  ],
};
