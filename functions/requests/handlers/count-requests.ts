import { queueCountsHandler } from '../../shared/stream/queue-counts-handler.ts';
import { REQUEST_COUNTS, TASK_COUNTS } from '../counts.ts';

/** Keeps the request and task counts GET /requests?count=true and GET /tasks?count=true read (table stream: request and task items). */
export const handler = queueCountsHandler([REQUEST_COUNTS, TASK_COUNTS]);
