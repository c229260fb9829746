import { beforeAll, describe, expect, it } from 'vitest';
import { taskEventRecord } from '../../functions/requests/domain/events.ts';
import type { FulfilmentTask } from '../../functions/requests/domain/task.ts';
import { evolveTaskClocks, startTaskClocks } from '../../functions/requests/domain/task-sla.ts';
import { taskEventDetail } from '../../functions/requests/schemas/events.ts';
import type { TimerMoves } from '../../functions/sla/domain/timers.ts';
import type { SlaConfig } from '../../functions/sla/domain/types.ts';

/*
 * A fulfilment task's SLA timers as its outbox records carry them (task-write.ts): set when its
 * clocks start, cleared when the task closes, named `task-<id>-<clock>-<threshold>`; the Task SLA
 * events fit the published schema; and the publisher refuses timers on a record without clocks.
 */

const T0 = new Date('2026-12-07T10:00:00.000Z');
const config: SlaConfig = {
  calendars: [{ name: '24x7', timeZone: 'UTC' }],
  policies: [
    { name: 'badges', appliesTo: {}, targets: { resolution: 'PT1H' }, calendar: '24x7', pauseOn: ['on_hold'], warnings: [50] },
    { name: 'requests', appliesTo: { priority: ['P4'] }, targets: { response: 'PT4H' }, calendar: '24x7', pauseOn: ['on_hold'], warnings: [] },
  ],
};
const ID = '01JTASKSLATIMERS0000000000';
const task: FulfilmentTask = {
  id: ID,
  number: 'TASK0000007',
  requestId: '01JREQUEST0000000000000000',
  requestNumber: 'REQ0000042',
  order: 0,
  name: 'Print the badge',
  description: 'secret description',
  assignmentGroup: 'service-desk',
  status: 'open',
  sla: startTaskClocks(config, 'badges', T0),
  createdAt: T0.toISOString(),
  updatedAt: T0.toISOString(),
  openedAt: T0.toISOString(),
  version: 1,
};

let taskWrite: typeof import('../../functions/requests/task-write.ts').taskWrite;
let malformation: typeof import('../../functions/notify/handlers/publish-outbox.ts').malformation;
beforeAll(async () => {
  // The store modules and the publisher's sinks read their settings when they load; nothing is called.
  for (const name of [
    'TABLE_NAME',
    'EVENT_BUS_NAME',
    'NOTIFICATION_TOPIC_ARN',
    'MAJOR_INCIDENT_TOPIC_ARN',
    'SLA_SCHEDULE_GROUP',
    'SLA_SCHEDULER_ROLE_ARN',
    'SLA_TIMER_DEAD_LETTER_ARN',
    'ESCALATION_STATE_MACHINE_ARN',
  ]) {
    process.env[name] ??= `unit-test-${name}`;
  }
  ({ taskWrite } = await import('../../functions/requests/task-write.ts'));
  ({ malformation } = await import('../../functions/notify/handlers/publish-outbox.ts'));
});

/** The timers the outbox item of a task write carries. */
function timersOf(entries: ReturnType<typeof taskWrite>): TimerMoves | undefined {
  const outbox = entries
    .map((entry) => ('Put' in entry ? entry.Put?.Item : undefined))
    .find((item) => item?.taskId !== undefined && item?.eventId !== undefined);
  if (outbox === undefined) throw new Error('no outbox item');
  return outbox.timers as TimerMoves | undefined;
}

describe("a task's SLA timers", () => {
  it('are set when its clocks start, one per threshold, named after the task', () => {
    const timers = timersOf(taskWrite({ after: task, actor: 'system', changes: [], now: T0 }));
    expect(timers?.clear).toEqual([]);
    expect(timers?.set.map((t) => `${t.clock}-${t.threshold}@${t.at}`).sort()).toEqual([
      'resolution-100@2026-12-07T11:00:00.000Z',
      'resolution-50@2026-12-07T10:30:00.000Z',
      'response-100@2026-12-07T14:00:00.000Z',
    ]);
  });

  it('are cleared when the task closes, and left alone by a write that moves no clock', () => {
    const now = new Date(T0.getTime() + 60_000);
    const closed: FulfilmentTask = { ...task, status: 'closed_complete', closedAt: now.toISOString(), updatedAt: now.toISOString(), version: 2 };
    closed.sla = evolveTaskClocks(task, closed, now);
    const timers = timersOf(
      taskWrite({ before: task, after: closed, actor: 'alice', changes: [{ field: 'status', from: 'open', to: 'closed_complete' }], now }),
    );
    expect(timers).toEqual({ set: [], clear: [`task-${ID}-response-100`, `task-${ID}-resolution-50`, `task-${ID}-resolution-100`] });

    const renamed: FulfilmentTask = { ...task, closeNotes: 'x', version: 2 };
    expect(timersOf(taskWrite({ before: task, after: renamed, actor: 'alice', changes: [{ field: 'closeNotes', from: null, to: 'x' }], now }))).toBeUndefined();
  });
});

describe('Task SLA events', () => {
  const crossing = { clock: 'resolution', threshold: 100, crossedAt: '2026-12-07T11:00:00.000Z', policy: 'badges', target: 'PT1H' } as const;

  it('fit the published task schema and name the crossing, without free text', () => {
    const record = taskEventRecord('Task SLA Breached', task, { eventId: 'e1', actor: 'sla', occurredAt: T0.toISOString(), sla: crossing });
    expect(taskEventDetail.strict().parse(record.detail)).toBeTruthy();
    expect(record.detail.sla).toEqual(crossing);
    expect(record.notification.text).toBe('The resolution target (PT1H) was breached at 2026-12-07T11:00:00.000Z: TASK0000007 of REQ0000042 (service-desk)');
    expect(JSON.stringify(record)).not.toContain('secret');
    expect(() => taskEventRecord('Task SLA Warning', task, { eventId: 'e2', actor: 'sla', occurredAt: T0.toISOString() })).toThrow(/SLA crossing/);
  });

  it('a record with timers whose subject has no clocks is malformed for the publisher', () => {
    const base = taskEventRecord('Task Created', task, { eventId: 'e3', actor: 'system', occurredAt: T0.toISOString() });
    const timers = { set: [], clear: [`task-${ID}-response-100`] };
    expect(malformation({ pk: `TASK#${ID}`, sk: 'OUTBOX#e3', ...base, timers })).toBeUndefined();
    const { taskId, detail, ...rest } = base;
    const asChange = { ...rest, changeId: taskId, detail: { ...detail, change: detail.task } };
    expect(malformation({ pk: `CHANGE#${taskId}`, sk: 'OUTBOX#e3', ...asChange, timers })).toMatch(/change has no SLA timers/);
  });
});
