/**
 * The requests area's items in the single table (docs/data-model.md): the catalog, requests with
 * their notes, stages, votes and asked approvers, and fulfilment tasks. gsi1..gsi7 are the table's
 * generic indexes (projection ALL): each list below is one Query.
 */

const pad = (n: number, width: number) => String(n).padStart(width, '0');

// Catalog items: the current version, each version's snapshot, history (CATALOG#<id>).
export const catalogPartition = (id: string) => `CATALOG#${id}`;
export const catalogItemKey = (id: string) => ({ pk: catalogPartition(id), sk: 'ITEM' });
export const catalogVersionKey = (id: string, version: number) => ({ pk: catalogPartition(id), sk: `VERSION#${pad(version, 6)}` });
export const CATALOG_VERSION_PREFIX = 'VERSION#';
export const catalogIndexes = (item: { id: string; category: string }) => ({
  gsi1pk: 'CATALOG',
  gsi1sk: item.id,
  gsi2pk: `CATALOG#CATEGORY#${item.category}`,
  gsi2sk: item.id,
});

// Requests: the record, notes (NOTE#), stages (STAGE#), votes (VOTE#), asked approvers (ASKED#), history, outbox.
export const requestPartition = (id: string) => `REQUEST#${id}`;
export const requestKey = (id: string) => ({ pk: requestPartition(id), sk: 'REQUEST' });
export const REQUEST_SEQUENCE_KEY = { pk: 'SEQUENCE#REQUEST', sk: 'SEQUENCE' } as const;
export const requestIndexes = (request: { number: string; status: string; createdAt: string; requester: string; item: { id: string } }) => {
  const sort = `${request.createdAt}#${request.number}`;
  return {
    gsi1pk: 'REQUEST',
    gsi1sk: request.number,
    gsi2pk: `REQUEST#STATUS#${request.status}`,
    gsi2sk: sort,
    gsi3pk: `REQUEST#ITEM#${request.item.id}`,
    gsi3sk: sort,
    gsi7pk: `REQUEST#REQUESTER#${request.requester}`,
    gsi7sk: sort,
  };
};
export const requestNoteKey = (requestId: string, noteId: string) => ({ pk: requestPartition(requestId), sk: `NOTE#${noteId}` });
export const REQUEST_NOTE_PREFIX = 'NOTE#';
export const stageKey = (requestId: string, stage: number) => ({ pk: requestPartition(requestId), sk: `STAGE#${pad(stage, 2)}` });
export const STAGE_PREFIX = 'STAGE#';
export const voteKey = (requestId: string, stage: number, userId: string) => ({ pk: requestPartition(requestId), sk: `VOTE#${pad(stage, 2)}#${userId}` });
export const votePrefix = (stage: number) => `VOTE#${pad(stage, 2)}#`;
/** One per approver a pending stage asks: "what awaits my decision" is one Query of gsi4. */
export const askedKey = (requestId: string, stage: number, userId: string) => ({ pk: requestPartition(requestId), sk: `ASKED#${pad(stage, 2)}#${userId}` });
export const askedIndexes = (userId: string, askedAt: string, number: string) => ({ gsi4pk: `REQUEST#APPROVER#${userId}`, gsi4sk: `${askedAt}#${number}` });
export const REQUEST_CONFIG_KEY = { pk: 'REQUEST-CONFIG', sk: 'REQUEST-CONFIG' } as const;

// Fulfilment tasks.
export const taskPartition = (id: string) => `TASK#${id}`;
export const taskKey = (id: string) => ({ pk: taskPartition(id), sk: 'TASK' });
export const TASK_SEQUENCE_KEY = { pk: 'SEQUENCE#TASK', sk: 'SEQUENCE' } as const;
export const taskNoteKey = (taskId: string, noteId: string) => ({ pk: taskPartition(taskId), sk: `NOTE#${noteId}` });
export const taskIndexes = (task: {
  number: string;
  status: string;
  createdAt: string;
  assignmentGroup: string;
  assignee?: string;
  requestId: string;
  order: number;
}) => {
  const sort = `${task.createdAt}#${task.number}`;
  return {
    gsi1pk: 'TASK',
    gsi1sk: task.number,
    // Group, and group + status (begins_with), in one Query.
    gsi2pk: `TASK#GROUP#${task.assignmentGroup}`,
    gsi2sk: `${task.status}#${sort}`,
    gsi3pk: `TASK#STATUS#${task.status}`,
    gsi3sk: sort,
    ...(task.assignee === undefined ? {} : { gsi4pk: `TASK#ASSIGNEE#${task.assignee}`, gsi4sk: sort }),
    gsi5pk: `TASK#REQUEST#${task.requestId}`,
    gsi5sk: pad(task.order, 3),
  };
};
