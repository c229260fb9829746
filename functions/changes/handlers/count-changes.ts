import { queueCountsHandler } from '../../shared/stream/queue-counts-handler.ts';
import { CHANGE_COUNTS } from '../counts.ts';

/** Keeps the change request counts GET /changes?count=true reads (table stream: change items). */
export const handler = queueCountsHandler([CHANGE_COUNTS]);
