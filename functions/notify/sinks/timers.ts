import {
  ConflictException,
  type CreateScheduleInput,
  createSchedule,
  deleteSchedule,
  getSchedule,
  ResourceNotFoundException,
  updateSchedule,
} from '../../shared/aws/scheduler.ts';
import { requireEnv } from '../../shared/env.ts';
import { log } from '../../shared/log.ts';
import { type TimerMoves, type TimerSubject, timerName, timerRecordId } from '../../sla/domain/timers.ts';
import type { SlaTimer } from '../../sla/domain/types.ts';

const GROUP = requireEnv('SLA_SCHEDULE_GROUP');
const ROLE_ARN = requireEnv('SLA_SCHEDULER_ROLE_ARN');
const DEAD_LETTER_ARN = requireEnv('SLA_TIMER_DEAD_LETTER_ARN');
const STATE_MACHINE_ARN = requireEnv('ESCALATION_STATE_MACHINE_ARN');

/**
 * A threshold already due (a priority change can make it so) is set a few seconds ahead:
 * Scheduler refuses one-time schedules in the past.
 */
const MINIMUM_LEAD_MS = 2_000;

/** `at()` takes whole seconds in the given zone; rounding up never fires before the instant. */
export function atExpression(at: Date, now: Date): string {
  const when = new Date(Math.ceil(Math.max(at.getTime(), now.getTime() + MINIMUM_LEAD_MS) / 1000) * 1000);
  return `at(${when.toISOString().slice(0, 19)})`;
}

/** A subject given as a bare id is an incident: the only subject timers had before tasks had clocks. */
const subjectOf = (subject: string | TimerSubject): TimerSubject => (typeof subject === 'string' ? { kind: 'incident', id: subject } : subject);

/**
 * What the escalation workflow starts with; the timer version makes a moved timer's firing stale.
 * `incidentVersion` is the incident's version after the change whose outbox record set the timer:
 * the workflow does not read it, the publisher does (`moveTimers`), so that a record delivered late (a
 * replay) never replaces or deletes what a later record set.
 * An incident's input is exactly what it was before tasks had timers (schedules already set fire
 * into the same workflow); a task's says `subject: 'task'` and names `taskId` and `taskVersion`,
 * which the workflow's first Choice tells apart.
 */
export const timerInput = (subject: string | TimerSubject, subjectVersion: number, timer: SlaTimer) => {
  const { kind, id } = subjectOf(subject);
  if (kind === 'task') {
    return JSON.stringify({
      subject: kind,
      taskId: id,
      clock: timer.clock,
      threshold: timer.threshold,
      timerVersion: timer.timerVersion,
      at: timer.at,
      taskVersion: subjectVersion,
    });
  }
  return JSON.stringify({
    incidentId: id,
    clock: timer.clock,
    threshold: timer.threshold,
    timerVersion: timer.timerVersion,
    at: timer.at,
    incidentVersion: subjectVersion,
    ...(timer.escalateAtOnce === true ? { escalateAtOnce: true } : {}),
  });
};

function schedule(subject: TimerSubject, subjectVersion: number, timer: SlaTimer, now: Date): CreateScheduleInput {
  return {
    Name: timerName(timerRecordId(subject), timer.clock, timer.threshold),
    GroupName: GROUP,
    ScheduleExpression: atExpression(new Date(timer.at), now),
    ScheduleExpressionTimezone: 'UTC',
    FlexibleTimeWindow: { Mode: 'OFF' },
    ActionAfterCompletion: 'DELETE',
    Description: `SLA ${timer.clock} ${timer.threshold}% of ${subject.kind} ${subject.id}`,
    Target: {
      Arn: STATE_MACHINE_ARN,
      RoleArn: ROLE_ARN,
      Input: timerInput(subject, subjectVersion, timer),
      // A firing that cannot start the workflow is retried for an hour, then kept in the queue.
      RetryPolicy: { MaximumRetryAttempts: 20, MaximumEventAgeInSeconds: 3600 },
      DeadLetterConfig: { Arn: DEAD_LETTER_ARN },
    },
  };
}

/** What a schedule's input says of the timer it holds (every field is absent from a schedule set before it was written). */
interface ScheduledTimer {
  readonly incidentVersion?: unknown;
  readonly taskVersion?: unknown;
  readonly timerVersion?: unknown;
  readonly at?: unknown;
  readonly escalateAtOnce?: unknown;
}

/** The timer the schedule of this name holds, or 'none' when there is no such schedule (it fired and deleted itself, or was deleted). */
async function scheduledTimer(name: string): Promise<ScheduledTimer | 'none'> {
  let input: string | undefined;
  try {
    input = (await getSchedule({ Name: name, GroupName: GROUP })).Target?.Input;
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return 'none';
    throw error;
  }
  try {
    const parsed: unknown = JSON.parse(input ?? '{}');
    return typeof parsed === 'object' && parsed !== null ? (parsed as ScheduledTimer) : {};
  } catch {
    return {};
  }
}

/**
 * Sets each timer and deletes the cleared ones, unless a later change of the incident (or task)
 * already set that schedule: Scheduler has no conditional writes, so a schedule carries the
 * subject's version that set it and is read before it is replaced or deleted. A schedule set before versions were
 * carried is replaced or deleted as before.
 *
 * Scheduler calls: a new timer, one CreateSchedule; a timer the schedule already holds (same timer
 * version and instant: records carry every upcoming timer, changed or not), CreateSchedule
 * (refused: it exists) and GetSchedule; a moved one, those and UpdateSchedule; a cleared one,
 * GetSchedule and DeleteSchedule, or GetSchedule alone when it has already fired. Timers run in
 * parallel. Between the read and the write a concurrent delivery may set the schedule: a replay
 * run while the live publisher moves the same incident's timers can still lose that race.
 *
 * A record replayed after its schedules fired or were deleted may create them again: their firing
 * carries an old timer version, or a threshold already recorded, and the workflow ignores it.
 */
export async function moveTimers(of: string | TimerSubject, subjectVersion: number, changes: TimerMoves, now = new Date()): Promise<void> {
  const subject = subjectOf(of);
  const versionOf = (existing: ScheduledTimer) => (subject.kind === 'task' ? existing.taskVersion : existing.incidentVersion);
  const setByLaterChange = (name: string, existing: ScheduledTimer) => {
    const setBy = versionOf(existing);
    if (typeof setBy !== 'number' || setBy < subjectVersion) return false;
    log.info(`schedule left as a later change of the ${subject.kind} set it`, {
      schedule: name,
      setByVersion: setBy,
      recordVersion: subjectVersion,
    });
    return true;
  };
  await Promise.all([
    ...changes.set.map(async (timer) => {
      const input = schedule(subject, subjectVersion, timer, now);
      const name = input.Name;
      try {
        await createSchedule(input);
        return;
      } catch (error) {
        if (!(error instanceof ConflictException)) throw error;
      }
      const existing = await scheduledTimer(name);
      if (existing !== 'none') {
        if (setByLaterChange(name, existing)) return;
        // The same timer: every change since the one that set it, up to this one, carries it alike
        // (a timer version moves with every change of timing), so the older version it names is as
        // good. One set before versions were carried is written once more, to carry this one.
        const same =
          typeof versionOf(existing) === 'number' &&
          existing.timerVersion === timer.timerVersion &&
          existing.at === timer.at &&
          (existing.escalateAtOnce === true) === (timer.escalateAtOnce === true);
        if (same) return;
      }
      try {
        await updateSchedule(input);
      } catch (error) {
        // Fired and deleted itself since it was refused as existing: set it again.
        if (!(error instanceof ResourceNotFoundException)) throw error;
        await createSchedule(input);
      }
    }),
    ...changes.clear.map(async (name) => {
      const existing = await scheduledTimer(name);
      if (existing === 'none' || setByLaterChange(name, existing)) return;
      try {
        await deleteSchedule({ Name: name, GroupName: GROUP });
      } catch (error) {
        if (!(error instanceof ResourceNotFoundException)) throw error;
      }
    }),
  ]);
}
