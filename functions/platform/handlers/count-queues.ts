import { queueCountsHandler } from '../../shared/stream/queue-counts-handler.ts';
import { COUNTED_KINDS } from '../counted-kinds.ts';

/** Keeps the counts of every counted list (`count=true`) from the table stream: incidents, changes, problems, requests and tasks. */
export const handler = queueCountsHandler(COUNTED_KINDS);
