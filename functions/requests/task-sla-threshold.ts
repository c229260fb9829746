import { assigneeAndGroupOf, ownersOf } from '../shared/domain/outbox.ts';
import { log } from '../shared/log.ts';
import { transactWrite } from '../shared/store/transaction.ts';
import { recordThreshold } from '../sla/domain/clock.ts';
import type { ClockName } from '../sla/domain/types.ts';
import type { FulfilmentTask } from './domain/task.ts';
import { getTask } from './store/task-store.ts';
import { taskWrite } from './task-write.ts';

/*
 * What the escalation workflow (functions/escalation) does to a fulfilment task when one of its SLA
 * timers fires: record the threshold crossed, as recordSlaThreshold does for an incident. Apart from
 * operations.ts so the escalation steps bundle neither the form validator nor the workflow client.
 * The write is conditional on the version read: a refused one (someone changed the task meanwhile)
 * throws TransactionRefused, and the caller reads again.
 */

/** Who the SLA engine's writes are recorded as, in history and events (as on incidents). */
export const TASK_SLA_ACTOR = 'sla';

export interface TaskThresholdOutcome {
  /** `already`: recorded before (a retried step or a twice-fired timer); `stale`: the timer was moved, the clock stopped or the task is gone. */
  outcome: 'recorded' | 'already' | 'stale';
  breach: boolean;
}

/**
 * Records that a task clock's timer crossed a threshold (100 = the breach), once: the clock's own
 * list says whether it was, and a timer of another version (the task was taken or closed since)
 * is stale. Sends Task SLA Warning (to the assignee, else the group) or Task SLA Breached (to the
 * assignee and the whole group), with the task's history record and a new version.
 */
export async function recordTaskSlaThreshold(input: {
  taskId: string;
  clock: ClockName;
  threshold: number;
  timerVersion: number;
}): Promise<TaskThresholdOutcome> {
  const task = await getTask(input.taskId);
  const current = task?.sla?.[input.clock];
  const breach = input.threshold >= 100;
  if (task === undefined || current === undefined) return { outcome: 'stale', breach };
  const now = new Date();
  const result = recordThreshold(current, { threshold: input.threshold, timerVersion: input.timerVersion }, now);
  if (result.outcome === 'already') return { outcome: 'already', breach };
  if (result.outcome !== 'recorded') {
    log.info('stale SLA timer of a task ignored', { taskId: input.taskId, clock: input.clock, threshold: input.threshold, outcome: result.outcome });
    return { outcome: 'stale', breach };
  }
  const after: FulfilmentTask = {
    ...task,
    sla: { ...task.sla, [input.clock]: result.clock },
    updatedAt: now.toISOString(),
    version: task.version + 1,
  };
  await transactWrite(
    taskWrite({
      before: task,
      after,
      actor: TASK_SLA_ACTOR,
      changes: [
        { field: `sla.${input.clock}.thresholdsCrossed`, from: current.thresholdsCrossed, to: result.clock.thresholdsCrossed },
        ...(breach ? [{ field: `sla.${input.clock}.breachedAt`, from: current.breachedAt ?? null, to: result.clock.breachedAt ?? null }] : []),
      ],
      now,
      event: {
        type: breach ? 'Task SLA Breached' : 'Task SLA Warning',
        // A warning goes to whoever is expected to act; a breach to the assignee and the whole group.
        recipients: breach ? assigneeAndGroupOf(task) : ownersOf(task),
        sla: { clock: input.clock, threshold: input.threshold, crossedAt: result.crossedAt, policy: current.policy, target: current.target },
      },
    }),
  );
  return { outcome: 'recorded', breach };
}
