import { queueViewsHandler } from '../../shared/stream/queue-views-handler.ts';
import { COUNTED_KINDS } from '../counted-kinds.ts';
import { HEADED_QUEUES } from '../headed-queues.ts';

/** Keeps the counts (`count=true`) and the first pages (queue heads) of the lists, from the table stream. */
export const handler = queueViewsHandler(COUNTED_KINDS, HEADED_QUEUES);
