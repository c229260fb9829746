import { queueCountsHandler } from '../../shared/stream/queue-counts-handler.ts';
import { PROBLEM_COUNTS } from '../counts.ts';

/** Keeps the problem counts GET /problems?count=true reads (table stream: problem items). */
export const handler = queueCountsHandler([PROBLEM_COUNTS]);
