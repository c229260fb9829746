import type { QueueCountDefinition } from '../shared/domain/queue-counts.ts';

/**
 * The change request counts GET /changes?count=true answers from (functions/shared/domain/queue-counts.ts):
 * every filter alone, and a group's, a type's and a service's changes by status. A change names
 * several services, so it is counted under each of them and one service is counted at a time.
 */
export const CHANGE_COUNTS: QueueCountDefinition = {
  kind: 'changes',
  entity: 'change',
  allOfKind: 'CHANGE',
  recordSortKey: 'CHANGE',
  dimensions: {
    status: 'status',
    type: 'type',
    assignmentGroup: 'assignmentGroup',
    service: { paths: ['services'], severalPerRecord: true },
  },
  combinations: [[], ['status'], ['type'], ['assignmentGroup'], ['service'], ['assignmentGroup', 'status'], ['type', 'status'], ['service', 'status']],
};
