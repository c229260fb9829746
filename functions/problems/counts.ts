import type { QueueCountDefinition } from '../shared/domain/queue-counts.ts';

/**
 * The problem counts GET /problems?count=true answers from (functions/shared/domain/queue-counts.ts):
 * every filter alone, and a group's, an assignee's and a priority's problems by status.
 */
export const PROBLEM_COUNTS: QueueCountDefinition = {
  kind: 'problems',
  entity: 'problem',
  allOfKind: 'PROBLEM',
  recordSortKey: 'PROBLEM',
  dimensions: { status: 'status', priority: 'priority', assignmentGroup: 'assignmentGroup', assignee: 'assignee', service: 'service' },
  combinations: [
    [],
    ['status'],
    ['priority'],
    ['assignmentGroup'],
    ['assignee'],
    ['service'],
    ['assignmentGroup', 'status'],
    ['assignee', 'status'],
    ['priority', 'status'],
  ],
};
