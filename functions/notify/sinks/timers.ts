import {
  ConflictException,
  CreateScheduleCommand,
  type CreateScheduleCommandInput,
  DeleteScheduleCommand,
  ResourceNotFoundException,
  SchedulerClient,
  UpdateScheduleCommand,
} from '@aws-sdk/client-scheduler';
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

/** What the escalation workflow starts with; the timer version makes a moved timer's firing stale. */
export const timerInput = (incidentId: string, timer: SlaTimer) =>
  JSON.stringify({
    incidentId,
    clock: timer.clock,
    threshold: timer.threshold,
    timerVersion: timer.timerVersion,
    at: timer.at,
    ...(timer.escalateAtOnce === true ? { escalateAtOnce: true } : {}),
  });

function schedule(incidentId: string, timer: SlaTimer, now: Date): CreateScheduleCommandInput {
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
      Input: timerInput(incidentId, timer),
      // A firing that cannot start the workflow is retried for an hour, then kept in the queue.
      RetryPolicy: { MaximumRetryAttempts: 20, MaximumEventAgeInSeconds: 3600 },
      DeadLetterConfig: { Arn: DEAD_LETTER_ARN },
    },
  };
}

/** Sets each timer (create, or update the schedule of that name) and deletes the cleared ones; both idempotent. */
export async function moveTimers(incidentId: string, changes: TimerChanges, now = new Date()): Promise<void> {
  await Promise.all([
    ...changes.set.map(async (timer) => {
      const input = schedule(incidentId, timer, now);
      try {
        await scheduler.send(new CreateScheduleCommand(input));
      } catch (error) {
        if (!(error instanceof ConflictException)) throw error;
        await scheduler.send(new UpdateScheduleCommand(input));
      }
    }),
    ...changes.clear.map(async (name) => {
      try {
        await scheduler.send(new DeleteScheduleCommand({ Name: name, GroupName: GROUP }));
      } catch (error) {
        if (!(error instanceof ResourceNotFoundException)) throw error;
      }
    }),
  ]);
}
