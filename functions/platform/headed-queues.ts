import { CHANGE_HEADS } from '../changes/heads.ts';
import { CI_HEADS } from '../cmdb/heads.ts';
import { INCIDENT_HEADS } from '../incidents/heads.ts';
import { ARTICLE_HEADS } from '../knowledge/heads.ts';
import { PROBLEM_HEADS } from '../problems/heads.ts';
import { REQUEST_HEADS, TASK_HEADS } from '../requests/heads.ts';
import type { QueueHeadDefinition } from '../shared/domain/queue-heads.ts';

/**
 * Every queue whose first page is kept as one item, as its area defines it (functions/<area>/heads.ts,
 * declared in its area.ts `queueHeads`): what the one queue views consumer, keepQueues, keeps.
 * Listed here, not gathered from the registry, because the consumer's handler may not import
 * area.ts files; test/unit/queue-heads.test.ts holds it equal to the areas' `queueHeads`.
 */
export const HEADED_QUEUES: readonly QueueHeadDefinition[] = [
  ...INCIDENT_HEADS,
  ...CHANGE_HEADS,
  ...PROBLEM_HEADS,
  ...REQUEST_HEADS,
  ...TASK_HEADS,
  ...ARTICLE_HEADS,
  ...CI_HEADS,
];
