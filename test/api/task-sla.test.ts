import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PublishedEvent, PublishedNotification } from '../../local/published-log.ts';
import { admin, agent, type Client, requester, startTestStack, type TestStack } from '../support/api.ts';
import { poll } from '../support/poll.ts';

/*
 * A fulfilment task's SLA clocks fire like an incident's, end to end on the local stack with
 * seconds-long targets: the catalog item names an SLA policy, the workflow creates the task with
 * its clocks, the task's outbox record carries its timers, the publisher sets Scheduler schedules
 * (`task-<id>-<clock>-<threshold>`), the local Scheduler fires them into the escalation ASL, whose
 * step records the crossing on the task (Task SLA Warning, Task SLA Breached). Closing a task
 * clears its timers: nothing fires.
 */

let stack: TestStack;
let ada: Client;
let alice: Client;
let carol: Client;

interface TaskDetail {
  task: { id: string; number: string; version: number };
  sla?: { clock: string; threshold: number; crossedAt: string; policy: string; target: string };
  actor: string;
}

const eventsOf = (taskId: string) => stack.published.events().filter((e: PublishedEvent) => (e.detail as Partial<TaskDetail>).task?.id === taskId);
const notificationsOf = (taskId: string) =>
  stack.published.notifications().filter((n: PublishedNotification) => (n.message as Partial<TaskDetail>).task?.id === taskId);
const typesOf = (taskId: string) => eventsOf(taskId).map((e) => e.detailType);
const schedulesOf = (taskId: string) => stack.schedules().filter((s) => s.name.startsWith(`task-${taskId}-`));
const executionsOf = (taskId: string) => stack.executions().filter((e) => (e.input as { taskId?: string }).taskId === taskId);

const FORM = { type: 'object', properties: { badge: { type: 'string', title: 'Badge name' } }, additionalProperties: false };
const item = (id: string, slaPolicy: string) => ({
  id,
  name: `Badge (${slaPolicy})`,
  category: 'Access',
  description: 'A door badge',
  form: FORM,
  approval: { stages: [] },
  fulfilment: { mode: 'sequential', tasks: [{ name: 'Print the badge', assignmentGroup: 'service-desk', description: 'Print a badge for {{requester}}' }] },
  slaPolicy,
});

/** Orders `itemId` as carol; the workflow creates its task at once (no approval). */
async function orderedTask(itemId: string): Promise<{ id: string; number: string }> {
  const ordered = await carol.post('/requests', { item: itemId, answers: { badge: 'Carol' } });
  expect(ordered.status, JSON.stringify(ordered.body)).toBe(201);
  const request = await poll(
    async () => (await carol.get(`/requests/${ordered.body.id}`)).body,
    (current) => current.status === 'in_fulfilment' && current.tasks.length === 1,
  );
  return request.tasks[0];
}

beforeAll(async () => {
  stack = await startTestStack();
  [ada, alice, carol] = await Promise.all([admin(stack), agent(stack), requester(stack)]);
  const policies = [
    // Breaches 4 s after the task opens, warns at 2 s; the response clock is out of the way.
    // Each policy its own appliesTo (scopes must differ), matching no incident.
    { name: 'badge-fast', appliesTo: { category: 'badge-sla-fast' }, targets: { response: 'PT1H', resolution: 'PT4S' }, warnings: [50] },
    // Long enough to close the task before its first threshold (75 % = 7.5 s).
    { name: 'badge-closed-in-time', appliesTo: { category: 'badge-sla-closed' }, targets: { response: 'PT1H', resolution: 'PT10S' }, warnings: [75] },
  ];
  for (const policy of policies) {
    const created = await ada.post('/sla-policies', { ...policy, calendar: '24x7' });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
  }
  for (const [id, policy] of [
    ['fast-badge', 'badge-fast'],
    ['closed-badge', 'badge-closed-in-time'],
  ] as const) {
    const created = await ada.post('/catalog-items', item(id, policy));
    expect(created.status, JSON.stringify(created.body)).toBe(201);
  }
}, 60_000);
afterAll(() => stack?.stop());

describe('a fulfilment task with a seconds-long SLA target', () => {
  it('warns and breaches through the escalation workflow: Task SLA Warning, Task SLA Breached, each once, and the task shows it', async () => {
    const { id } = await orderedTask('fast-badge');
    const opened = (await alice.get(`/tasks/${id}`)).body;
    const resolution = opened.sla.resolution;
    expect(resolution).toMatchObject({ state: 'running', policy: 'badge-fast', target: 'PT4S', breachedAt: null });
    expect(Date.parse(resolution.dueAt) - Date.parse(resolution.startedAt)).toBe(4000);

    // The task's record carried its timers: one schedule per upcoming threshold, named after the task.
    const schedules = await poll(
      () => schedulesOf(id),
      (s) => s.length === 4,
    );
    expect(schedules.map((s) => s.name).sort()).toEqual([
      `task-${id}-resolution-100`,
      `task-${id}-resolution-50`,
      `task-${id}-response-100`,
      `task-${id}-response-50`,
    ]);
    expect(JSON.parse(schedules.find((s) => s.name.endsWith('resolution-100'))?.target.Input ?? '{}')).toEqual({
      subject: 'task',
      taskId: id,
      clock: 'resolution',
      threshold: 100,
      timerVersion: 1,
      at: resolution.dueAt,
      taskVersion: 1,
    });

    await poll(
      () => executionsOf(id),
      (e) => e.length === 2 && e.every((x) => x.status !== 'RUNNING'),
    );
    await stack.settled();
    const executions = executionsOf(id);
    expect(executions.map((e) => e.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    const breachRun = executions.find((e) => (e.input as { threshold: number }).threshold === 100);
    expect(breachRun?.output).toMatchObject({ recorded: { outcome: 'recorded', breach: true } });

    // A warning timer that fires late (a loaded machine) may run after the breach's, which then
    // records both thresholds in one write (recordThreshold: every threshold up to the breach), and
    // the warning finds them recorded: one write and no Task SLA Warning. Either way, each threshold
    // is recorded once and the breach announced once.
    const warningRun = executions.find((e) => (e.input as { threshold: number }).threshold === 50);
    const warnedApart = (warningRun?.output as { recorded?: { outcome?: string } } | undefined)?.recorded?.outcome === 'recorded';
    const expectedTypes = warnedApart ? ['Task Created', 'Task SLA Warning', 'Task SLA Breached'] : ['Task Created', 'Task SLA Breached'];

    const task = (await alice.get(`/tasks/${id}`)).body;
    expect(task.sla.resolution).toMatchObject({ state: 'breached', thresholdsCrossed: [50, 100] });
    // Exact: the instant the target was reached, not when the timer happened to fire.
    expect(task.sla.resolution.breachedAt).toBe(resolution.dueAt);
    expect(task.sla.response.state).toBe('running');
    expect(task.version).toBe(expectedTypes.length);

    expect(typesOf(id)).toEqual(expectedTypes);
    const breached = eventsOf(id).find((e) => e.detailType === 'Task SLA Breached')?.detail as TaskDetail;
    expect(breached).toMatchObject({
      actor: 'sla',
      task: { id, version: expectedTypes.length },
      sla: { clock: 'resolution', threshold: 100, crossedAt: resolution.dueAt, policy: 'badge-fast', target: 'PT4S' },
    });
    const notifications = notificationsOf(id);
    expect(notifications.map((n) => n.attributes.eventType)).toEqual(expectedTypes);
    const breachNotice = notifications.find((n) => n.attributes.eventType === 'Task SLA Breached');
    expect(breachNotice?.attributes).toEqual({ eventType: 'Task SLA Breached', priority: '-', assignmentGroup: 'service-desk', service: '-' });
    expect((breachNotice?.message as { recipients: unknown }).recipients).toEqual({ users: [], groups: ['service-desk'] });

    const history = (await alice.get(`/tasks/${id}/history`)).body.items;
    const bySla = history.filter((h: { actor: string }) => h.actor === 'sla').flatMap((h: { changes: { field: string }[] }) => h.changes.map((c) => c.field));
    expect(bySla).toEqual(expect.arrayContaining(['sla.resolution.thresholdsCrossed', 'sla.resolution.breachedAt']));

    // The resolution timers fired and are gone; the response clock's stay until the task is taken.
    await poll(
      () => schedulesOf(id),
      (s) => s.every((x) => x.name.includes('-response-')),
    );
    const taken = await alice.patch(`/tasks/${id}`, { assignee: 'alice' }, { 'if-match': `"${task.version}"` });
    expect(taken.status, JSON.stringify(taken.body)).toBe(200);
    expect(taken.body.sla.response.state).toBe('met');
    await poll(
      () => schedulesOf(id),
      (s) => s.length === 0,
    );
    expect(stack.deadLetters()).toEqual([]);
  }, 60_000);

  it('closed before its target: the timers are cleared and nothing fires', async () => {
    const { id } = await orderedTask('closed-badge');
    const opened = await alice.get(`/tasks/${id}`);
    const dueAt = Date.parse(opened.body.sla.resolution.dueAt);
    await poll(
      () => schedulesOf(id),
      (s) => s.length === 4,
    );
    const closed = await alice.patch(
      `/tasks/${id}`,
      { status: 'closed_complete', closeNotes: 'Printed' },
      { 'if-match': opened.headers.get('etag') as string },
    );
    expect(closed.status, JSON.stringify(closed.body)).toBe(200);
    expect(closed.body.sla.resolution.state).toBe('met');
    await poll(
      () => schedulesOf(id),
      (s) => s.length === 0,
    );

    // Past the target the task is still met and no workflow ran for it.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, dueAt - Date.now()) + 2000));
    await stack.settled();
    expect(executionsOf(id)).toEqual([]);
    expect(typesOf(id)).toEqual(['Task Created', 'Task Closed']);
    expect((await alice.get(`/tasks/${id}`)).body.sla.resolution).toMatchObject({ state: 'met', thresholdsCrossed: [] });
  }, 60_000);
});
