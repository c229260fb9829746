import { CHANGE_COUNTS } from '../changes/counts.ts';
import { INCIDENT_COUNTS } from '../incidents/counts.ts';
import { PROBLEM_COUNTS } from '../problems/counts.ts';
import { REQUEST_COUNTS, TASK_COUNTS } from '../requests/counts.ts';
import type { QueueCountDefinition } from '../shared/domain/queue-counts.ts';

/**
 * Every kind whose list counts (`count=true`), as its area defines it (functions/<area>/counts.ts,
 * declared in its area.ts `queueCounts`): what the one counting consumer, keepQueues, keeps. It is
 * listed here, not gathered from the registry, because the consumer's handler may not import
 * area.ts files; test/unit/queue-counts.test.ts holds it equal to the areas' `queueCounts`, so a
 * kind an area starts counting fails there until it is added.
 */
export const COUNTED_KINDS: readonly QueueCountDefinition[] = [INCIDENT_COUNTS, CHANGE_COUNTS, PROBLEM_COUNTS, REQUEST_COUNTS, TASK_COUNTS];
