import { CreateScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SlaTimer } from '../../functions/sla/domain/types.ts';
import type { RawHandler } from '../../local/aws-endpoint.ts';
import { type AwsEndpoint, startAwsEndpoint } from '../../local/aws-endpoint.ts';
import { DeadLetters } from '../../local/dead-letters.ts';
import { createLocalScheduler } from '../../local/scheduler.ts';

/*
 * The publisher's timers sink against the local Scheduler, over its REST protocol, with every call
 * recorded: which records may replace or delete a schedule (never one a later incident version
 * set), and how many Scheduler calls each case costs. The scheduler is not started, so nothing fires.
 */
const GROUP = 'timers-sink-test';
const INCIDENT = '01TIMERSINKTEST0000000000';
const calls: string[] = [];
let endpoint: AwsEndpoint;
let scheduler: ReturnType<typeof createLocalScheduler>;
let moveTimers: typeof import('../../functions/notify/sinks/timers.ts').moveTimers;

beforeAll(async () => {
  scheduler = createLocalScheduler({ deadLetters: new DeadLetters(10, () => undefined), log: () => undefined, fire: async () => undefined });
  const recording: RawHandler = async (request, url) => {
    calls.push(`${request.method} ${decodeURIComponent(url.pathname)}`);
    return false;
  };
  endpoint = await startAwsEndpoint({ port: 0, services: [], handlers: [recording, scheduler.handler] });
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_SCHEDULER: endpoint.url,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    SLA_SCHEDULE_GROUP: GROUP,
    SLA_SCHEDULER_ROLE_ARN: 'arn:aws:iam::000000000000:role/local-scheduler',
    SLA_TIMER_DEAD_LETTER_ARN: 'arn:aws:sqs:us-east-1:000000000000:sla-timers-dead-letters',
    ESCALATION_STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:000000000000:stateMachine:incident-escalation',
  });
  ({ moveTimers } = await import('../../functions/notify/sinks/timers.ts'));
});
afterAll(async () => {
  await scheduler.stop();
  await endpoint.stop();
});
beforeEach(() => {
  calls.length = 0;
});

const name = (threshold: number) => `${INCIDENT}-resolution-${threshold}`;
const timer = (threshold: number, timerVersion: number, hoursAhead: number): SlaTimer => ({
  clock: 'resolution',
  threshold,
  timerVersion,
  at: new Date(Date.UTC(2031, 0, 1) + hoursAhead * 3_600_000).toISOString(),
});
const held = (threshold: number) => {
  const schedule = scheduler.schedules().find((s) => s.name === name(threshold));
  if (schedule === undefined) return undefined;
  const { incidentVersion, timerVersion, at } = JSON.parse(schedule.target.Input ?? '{}') as { incidentVersion?: number; timerVersion: number; at: string };
  return { incidentVersion, timerVersion, at, fireAt: schedule.fireAt };
};
/** The Scheduler calls since the last reset, in order, as `<method> <threshold>` (POST creates, PUT updates). */
const made = () => calls.map((call) => call.replace(`/schedules/${INCIDENT}-resolution-`, ''));

describe('the timers sink', () => {
  it('creates a new timer with one call, and leaves a timer it already holds with a read', async () => {
    await moveTimers(INCIDENT, 1, { set: [timer(50, 1, 4)], clear: [] });
    expect(made()).toEqual(['POST 50']);
    expect(held(50)).toMatchObject({ incidentVersion: 1, timerVersion: 1, at: timer(50, 1, 4).at });

    // A later change carries the same timer (records carry every upcoming timer): nothing is written.
    calls.length = 0;
    await moveTimers(INCIDENT, 2, { set: [timer(50, 1, 4)], clear: [] });
    expect(made()).toEqual(['POST 50', 'GET 50']);
    expect(held(50)).toMatchObject({ incidentVersion: 1, timerVersion: 1 });
  });

  it('moves a timer for a later change, and never back for an earlier one delivered late', async () => {
    await moveTimers(INCIDENT, 5, { set: [timer(50, 3, 6)], clear: [] });
    expect(made()).toEqual(['POST 50', 'GET 50', 'PUT 50']);
    expect(held(50)).toMatchObject({ incidentVersion: 5, timerVersion: 3, at: timer(50, 3, 6).at, fireAt: timer(50, 3, 6).at });

    calls.length = 0;
    await moveTimers(INCIDENT, 4, { set: [timer(50, 2, 5)], clear: [] });
    expect(made()).toEqual(['POST 50', 'GET 50']);
    expect(held(50)).toMatchObject({ incidentVersion: 5, timerVersion: 3, fireAt: timer(50, 3, 6).at });
  });

  it('deletes a cleared timer only if no later change set it, and reads a gone one only', async () => {
    await moveTimers(INCIDENT, 3, { set: [], clear: [name(50)] });
    expect(made()).toEqual(['GET 50']);
    expect(held(50)).toMatchObject({ incidentVersion: 5 });

    calls.length = 0;
    await moveTimers(INCIDENT, 6, { set: [], clear: [name(50)] });
    expect(made()).toEqual(['GET 50', 'DELETE 50']);
    expect(held(50)).toBeUndefined();

    calls.length = 0;
    await moveTimers(INCIDENT, 6, { set: [], clear: [name(50)] });
    expect(made()).toEqual(['GET 50']);
  });

  it('replaces or deletes a schedule set before schedules carried the incident version', async () => {
    const client = new SchedulerClient({ endpoint: endpoint.url, region: 'us-east-1' });
    for (const threshold of [75, 100]) {
      const old = timer(threshold, 1, 8);
      await client.send(
        new CreateScheduleCommand({
          Name: name(threshold),
          GroupName: GROUP,
          ScheduleExpression: `at(${old.at.slice(0, 19)})`,
          FlexibleTimeWindow: { Mode: 'OFF' },
          Target: {
            Arn: process.env.ESCALATION_STATE_MACHINE_ARN,
            RoleArn: process.env.SLA_SCHEDULER_ROLE_ARN,
            Input: JSON.stringify({ incidentId: INCIDENT, clock: 'resolution', threshold, timerVersion: 1, at: old.at }),
          },
        }),
      );
    }
    client.destroy();
    calls.length = 0;
    // The same timer as the old schedule holds: written once more, so that it carries a version.
    await moveTimers(INCIDENT, 2, { set: [timer(75, 1, 8)], clear: [name(100)] });
    expect(held(75)).toMatchObject({ incidentVersion: 2, timerVersion: 1 });
    expect(held(100)).toBeUndefined();
    expect(made().sort()).toEqual(['DELETE 100', 'GET 100', 'GET 75', 'POST 75', 'PUT 75']);
  });

  it("sets a fulfilment task's timer under a name and input of its own, guarded by the task's version", async () => {
    const task = { kind: 'task', id: '01TIMERSINKTASK00000000000' } as const;
    const taskSchedule = (threshold: number) => scheduler.schedules().find((s) => s.name === `task-${task.id}-resolution-${threshold}`);
    await moveTimers(task, 2, { set: [timer(100, 1, 4)], clear: [] });
    expect(JSON.parse(taskSchedule(100)?.target.Input ?? '{}')).toEqual({
      subject: 'task',
      taskId: task.id,
      clock: 'resolution',
      threshold: 100,
      timerVersion: 1,
      at: timer(100, 1, 4).at,
      taskVersion: 2,
    });
    // An earlier record of the task delivered late neither moves nor deletes it.
    await moveTimers(task, 1, { set: [timer(100, 0, 3)], clear: [] });
    await moveTimers(task, 1, { set: [], clear: [`task-${task.id}-resolution-100`] });
    expect(JSON.parse(taskSchedule(100)?.target.Input ?? '{}')).toMatchObject({ timerVersion: 1, taskVersion: 2 });
    await moveTimers(task, 3, { set: [], clear: [`task-${task.id}-resolution-100`] });
    expect(taskSchedule(100)).toBeUndefined();
  });
});
