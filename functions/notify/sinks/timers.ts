import {
  ConflictException,
  CreateScheduleCommand,
  type CreateScheduleCommandInput,
  DeleteScheduleCommand,
  GetScheduleCommand,
  ResourceNotFoundException,
  SchedulerClient,
  UpdateScheduleCommand,
} from '@aws-sdk/client-scheduler';
import { log } from '../../shared/log.ts';
import { requireEnv } from '../../shared/env.ts';
import type { SlaTimer } from '../../sla/domain/types.ts';
import { type TimerChanges, timerName } from '../domain/events.ts';

const GROUP = requireEnv('SLA_SCHEDULE_GROUP');
const ROLE_ARN = requireEnv('SLA_SCHEDULER_ROLE_ARN');
const DEAD_LETTER_ARN = requireEnv('SLA_TIMER_DEAD_LETTER_ARN');
const STATE_MACHINE_ARN = requireEnv('ESCALATION_STATE_MACHINE_ARN');
const scheduler = new SchedulerClient({});

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

/**
 * What the escalation workflow starts with; the timer version makes a moved timer's firing stale.
 * `incidentVersion` is the incident's version after the change whose outbox record set the timer:
 * the workflow does not read it, the publisher does (`setBy`), so that a record delivered late (a
 * replay) never replaces or deletes what a later record set.
 */
export const timerInput = (incidentId: string, incidentVersion: number, timer: SlaTimer) =>
  JSON.stringify({
    incidentId,
    clock: timer.clock,
    threshold: timer.threshold,
    timerVersion: timer.timerVersion,
    at: timer.at,
    incidentVersion,
    ...(timer.escalateAtOnce === true ? { escalateAtOnce: true } : {}),
  });

function schedule(incidentId: string, incidentVersion: number, timer: SlaTimer, now: Date): CreateScheduleCommandInput {
  return {
    Name: timerName(incidentId, timer.clock, timer.threshold),
    GroupName: GROUP,
    ScheduleExpression: atExpression(new Date(timer.at), now),
    ScheduleExpressionTimezone: 'UTC',
    FlexibleTimeWindow: { Mode: 'OFF' },
    ActionAfterCompletion: 'DELETE',
    Description: `SLA ${timer.clock} ${timer.threshold}% of incident ${incidentId}`,
    Target: {
      Arn: STATE_MACHINE_ARN,
      RoleArn: ROLE_ARN,
      Input: timerInput(incidentId, incidentVersion, timer),
      // A firing that cannot start the workflow is retried for an hour, then kept in the queue.
      RetryPolicy: { MaximumRetryAttempts: 20, MaximumEventAgeInSeconds: 3600 },
      DeadLetterConfig: { Arn: DEAD_LETTER_ARN },
    },
  };
}

/**
 * The incident version that set the schedule of this name; undefined when there is none (it fired
 * and deleted itself, or was deleted) or it predates `incidentVersion` in the input (set before
 * this check existed: any record may replace it, as before).
 */
async function setBy(name: string): Promise<number | 'none' | undefined> {
  let input: string | undefined;
  try {
    input = (await scheduler.send(new GetScheduleCommand({ Name: name, GroupName: GROUP }))).Target?.Input;
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return 'none';
    throw error;
  }
  try {
    const version = (JSON.parse(input ?? '{}') as { incidentVersion?: unknown }).incidentVersion;
    return typeof version === 'number' ? version : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Sets each timer and deletes the cleared ones, unless a later change of the incident already set
 * that schedule: Scheduler has no conditional writes, so a schedule carries the incident version
 * that set it and is read before it is replaced or deleted. Scheduler calls of the usual cases: a
 * new timer, one CreateSchedule; a moved one, CreateSchedule (refused: it exists), GetSchedule,
 * UpdateSchedule; a cleared one, GetSchedule and DeleteSchedule, or GetSchedule alone when it has
 * already fired. Timers run in parallel. A record replayed after its schedules fired or were
 * deleted may create them again: their firing carries an old timer version, which the escalation
 * workflow ignores as stale.
 */
export async function moveTimers(incidentId: string, incidentVersion: number, changes: TimerChanges, now = new Date()): Promise<void> {
  const newer = (name: string, version: number | 'none' | undefined) => {
    if (typeof version !== 'number' || version < incidentVersion) return false;
    log.info('schedule left as a later change of the incident set it', { schedule: name, setByVersion: version, recordVersion: incidentVersion });
    return true;
  };
  await Promise.all([
    ...changes.set.map(async (timer) => {
      const input = schedule(incidentId, incidentVersion, timer, now);
      try {
        await scheduler.send(new CreateScheduleCommand(input));
        return;
      } catch (error) {
        if (!(error instanceof ConflictException)) throw error;
      }
      const existing = await setBy(input.Name as string);
      if (newer(input.Name as string, existing)) return;
      try {
        await scheduler.send(new UpdateScheduleCommand(input));
      } catch (error) {
        // Fired and deleted itself between the read and the update: set it again.
        if (!(error instanceof ResourceNotFoundException)) throw error;
        await scheduler.send(new CreateScheduleCommand(input));
      }
    }),
    ...changes.clear.map(async (name) => {
      const existing = await setBy(name);
      if (existing === 'none' || newer(name, existing)) return;
      try {
        await scheduler.send(new DeleteScheduleCommand({ Name: name, GroupName: GROUP }));
      } catch (error) {
        if (!(error instanceof ResourceNotFoundException)) throw error;
      }
    }),
  ]);
}
