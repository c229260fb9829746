import { queueCountsHandler } from '../../shared/stream/queue-counts-handler.ts';
import { INCIDENT_COUNTS } from '../counts.ts';

/** Keeps the incident counts GET /incidents?count=true reads (table stream: incident items). */
export const handler = queueCountsHandler([INCIDENT_COUNTS]);
